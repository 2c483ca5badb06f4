"""Reads of the workspaces app (STYLE.md §3): scoped, with related rows fetched up front."""

from __future__ import annotations

from django.db.models import QuerySet

from workspaces.models import Membership, User


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships, with their workspaces, in name order (the switcher)."""
    return (
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .select_related("workspace")
        .order_by("workspace__name", "workspace_id")
    )


def membership_admin_list(*, workspace_id: int) -> QuerySet[Membership]:
    """The active Owner and Admins of a workspace: who a user without rights should ask."""
    return (
        Membership.objects.filter(
            workspace_id=workspace_id,
            role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
            status=Membership.Status.ACTIVE,
        )
        .select_related("user")
        .order_by("role", "user__email")
    )
