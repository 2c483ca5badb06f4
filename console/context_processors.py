"""Template context for the shell: the workspace switcher and the current workspace."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workspaces.selectors import membership_list_for_user


def shell(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"request_id": getattr(request, "request_id", "")}
    return {
        "request_id": getattr(request, "request_id", ""),
        # Lazy: evaluated once, only by pages that render the switcher.
        "my_memberships": SimpleLazyObject(lambda: list(membership_list_for_user(user=user))),
    }
