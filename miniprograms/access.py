"""Fetch a mini program and authorize in one step (STYLE.md §4, P4).

The rules themselves live in ``workspaces/authz.py`` (the capability table and grants); this is
the lookup that applies them to a mini program.
"""

from __future__ import annotations

from django.http import Http404

from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_get
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership


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
