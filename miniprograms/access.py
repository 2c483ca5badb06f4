"""Fetch a mini program and authorize in one step (STYLE.md §4, P4).

The rules themselves live in ``workspaces/authz/`` (the capability table, grants, and the host
side: ``authz.has_cap_as_host``); this is the lookup that applies them to a mini program.

Two ways in:
  - a workspace's own mini program (``access_miniprogram``): the role, or a grant on it;
  - a merchant's mini program seen from the tenant whose host app it targets
    (``access_miniprogram_as_host``): the tenant's role reads it, never changes it.
Pages and API endpoints about one mini program take either, by App ID, through
``access_miniprogram_or_hosted``: the tenant reaches a merchant's mini program at the same URLs
as its own, read-only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext

from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_get, miniprogram_get_as_host
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership, User, Workspace

# Methods that read: anything else is a change, which a host tenant never makes.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class HostReadOnly(PermissionDenied):
    """A tenant's member asked to change (or to open a form that changes) a merchant's mini
    program: a 403 that says who develops it, instead of naming roles (no role of the tenant
    could do it)."""

    def __init__(self, *, miniprogram: MiniProgram, member: Membership):
        self.miniprogram = miniprogram
        self.member = member
        super().__init__(
            gettext(
                "Read-only: %(developer)s develops “%(name)s”. %(workspace)s sees it because it "
                "targets its host apps, but only %(developer)s can change it."
            )
            % {
                "developer": miniprogram.workspace.name,
                "name": miniprogram.name,
                "workspace": member.workspace.name,
            }
        )


def _require_own(member: Membership, mp: MiniProgram | None, cap: Cap) -> MiniProgram:
    if mp is None or not authz.has_cap(member, Cap.VIEW_MINIPROGRAM, mp):
        raise Http404("No such mini program.")
    authz.require(member, cap, mp)
    return mp


def access_miniprogram(
    *, member: Membership, app_id: str, cap: Cap = Cap.VIEW_MINIPROGRAM
) -> MiniProgram:
    """The mini program ``app_id`` of ``member.workspace``, if ``member`` may use it for ``cap``.

    Not visible to the member (missing, in another workspace, or a Developer not assigned to
    it) → 404, the same answer in every case; visible without ``cap`` → 403 naming the roles.
    """
    return _require_own(member, miniprogram_get(workspace=member.workspace, app_id=app_id), cap)


def _as_host(member: Membership, mp: MiniProgram, cap: Cap) -> bool:
    return authz.has_cap_as_host(member, cap, owner=mp.workspace, targets_member_host_app=True)


def hosted_get(*, member: Membership, app_id: str) -> MiniProgram | None:
    """The merchant mini program ``app_id`` if ``member`` (of a tenant) reads it as its host:
    it targets one of the tenant's host apps (active or offline there) and the member's role
    sees mini programs. Else ``None``. Its ``targets`` are only the tenant's."""
    if not member.is_active or not member.workspace.is_tenant:
        return None  # no query: only a tenant has host apps
    mp = miniprogram_get_as_host(host_workspace=member.workspace, app_id=app_id)
    if mp is None or not _as_host(member, mp, Cap.VIEW_MINIPROGRAM):
        return None
    return mp


def hosted_caps(member: Membership, mp: MiniProgram) -> frozenset[str]:
    """What a tenant's member may do with a merchant mini program it hosts (templates test
    ``"<cap>" in mp_caps``): reading only (``authz.HOST_CAPS``)."""
    return frozenset(cap.value for cap in authz.HOST_CAPS if _as_host(member, mp, cap))


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
    mp = hosted_get(member=member, app_id=app_id) if member is not None else None
    if member is None or mp is None:
        raise Http404("No such mini program.")
    if not _as_host(member, mp, cap):
        raise authz.CapabilityDenied(cap=cap, member=member)
    return mp, member


def access_miniprogram_or_hosted(
    *,
    member: Membership,
    app_id: str,
    cap: Cap = Cap.VIEW_MINIPROGRAM,
    hosted: bool = True,
    writing: bool = False,
) -> tuple[MiniProgram, bool]:
    """The mini program ``app_id`` as a page (or endpoint) about it sees it, and whether it is a
    merchant's one read from its host tenant (``True``) rather than the workspace's own.

    The workspace's own first, with :func:`access_miniprogram`'s answers. Otherwise, in a
    tenant, a merchant mini program that targets one of its host apps (:func:`hosted_get`):
      - ``hosted=False`` (a page the tenant never sees, e.g. the merchant's Members & testers)
        → 404, the same answer as a missing one;
      - ``writing`` (any POST, PUT, PATCH, DELETE), or a ``cap`` beyond reading (the GET of a
        form that changes it) → 403 (:class:`HostReadOnly`);
      - else it is returned: the caller shows it read-only (``hosted_caps``).
    """
    own = miniprogram_get(workspace=member.workspace, app_id=app_id)
    if own is not None or not member.workspace.is_tenant:
        return _require_own(member, own, cap), False
    mp = hosted_get(member=member, app_id=app_id) if hosted else None
    if mp is None:
        raise Http404("No such mini program.")
    if writing or not _as_host(member, mp, cap):
        raise HostReadOnly(miniprogram=mp, member=member)
    return mp, True
