"""Template context for the shell: the workspace switcher and the current workspace."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workspaces.authz import caps_for
from workspaces.models import Membership
from workspaces.selectors import membership_list_for_user

# The workspace a signed-in user last opened, remembered by mpp.js in a cookie (a preference, no
# database write): pages outside any workspace (profile, security, API tokens, 404) keep its
# sidebar so the user is never stranded without navigation. Only the user's own workspaces count.
LAST_WORKSPACE_COOKIE = "mpp_workspace"


def _shell_membership(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
    """The membership whose sidebar a page outside a workspace shows: the workspace being
    visited, else the last one opened, else the first (only active memberships count)."""
    if not memberships:
        return None
    current = getattr(request, "membership", None)
    if current is not None:
        return next((m for m in memberships if m.pk == current.pk), memberships[0])
    last = request.COOKIES.get(LAST_WORKSPACE_COOKIE, "")
    return next((m for m in memberships if m.workspace.slug == last), memberships[0])


def shell(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"request_id": getattr(request, "request_id", "")}
    memberships = SimpleLazyObject(lambda: list(membership_list_for_user(user=user)))
    chosen: dict[str, Membership | None] = {}

    def choose() -> Membership | None:
        if "m" not in chosen:
            chosen["m"] = _shell_membership(request, memberships)
        return chosen["m"]

    return {
        "request_id": getattr(request, "request_id", ""),
        # Lazy: evaluated once, only by pages that render the switcher or the fallback sidebar.
        "my_memberships": memberships,
        "shell_membership": SimpleLazyObject(choose),
        "shell_caps": SimpleLazyObject(lambda: caps_for(choose())),
    }
