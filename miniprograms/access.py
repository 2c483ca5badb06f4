"""Fetch a mini program and authorize in one step (STYLE.md §4, P4).

The rules themselves live in ``workspaces/authz/`` (the capability table and grants); this is
the lookup that applies them to a mini program.
"""

from __future__ import annotations

from django.http import Http404

from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_get, miniprogram_get_as_host
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership, User, Workspace


def access_miniprogram(
    *, member: Membership, app_id: str, cap: Cap = Cap.VIEW_MINIPROGRAM
) -> MiniProgram:
    """The mini program ``app_id`` of ``member.workspace``, if ``member`` may use it for ``cap``.

    Not visible to the member (missing, in another workspace, or a Developer not assigned to
    it) → 404, the same answer in every case; visible without ``cap`` → 403 naming the roles.
    """
    mp = miniprogram_get(workspace=member.workspace, app_id=app_id)
    if mp is None or not authz.has_cap(member, Cap.VIEW_MINIPROGRAM, mp):
        raise Http404("No such mini program.")
    authz.require(member, cap, mp)
    return mp


def access_miniprogram_as_host(
    *, user: User, workspace: Workspace, app_id: str, cap: Cap = Cap.VIEW_MINIPROGRAM
) -> tuple[MiniProgram, Membership]:
    """A merchant's mini program ``app_id`` seen from the tenant ``workspace`` it targets.

    The tenant's members read it through their role (``authz.has_cap_as_host``: reading only,
    never a grant). Not a member of ``workspace``, not linked to one of its host apps, missing,
    or not visible to the role → 404, the same answer in every case; visible but ``cap`` is not
    one a tenant holds on a merchant's mini program (any change) → 403.
    """
    member = authz.membership_get(user=user, workspace=workspace)
    if member is None or not member.is_active:
        raise Http404("No such mini program.")
    mp = miniprogram_get_as_host(host_workspace=workspace, app_id=app_id)

    def allowed(wanted: Cap) -> bool:
        return mp is not None and authz.has_cap_as_host(
            member, wanted, owner=mp.workspace, targets_member_host_app=True
        )

    if mp is None or not allowed(Cap.VIEW_MINIPROGRAM):
        raise Http404("No such mini program.")
    if not allowed(cap):
        raise authz.CapabilityDenied(cap=cap, member=member)
    return mp, member
