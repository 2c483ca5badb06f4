"""The only place access rules are written (STYLE.md §4).

Roles map to capabilities; code checks capabilities, never role names. Capability names are
Django permission strings so the same name can serve django-guardian object grants (a developer
assigned to one mini program, a tester). Grants only ever add access.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from workspaces.models import Membership, User, Workspace

Role = Membership.Role
Kind = Workspace.Kind


class Cap(StrEnum):
    VIEW_WORKSPACE = "workspaces.view_workspace"
    CHANGE_WORKSPACE = "workspaces.change_workspace"
    MANAGE_MEMBERS = "workspaces.manage_members"
    TRANSFER_OWNERSHIP = "workspaces.transfer_ownership"
    VIEW_AUDIT = "workspaces.view_auditevent"


# role -> capabilities held across the whole workspace. Later issues extend this table
# (mini programs, versions, reviews, releases); the "Roles & permissions" page renders it.
ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.OWNER: frozenset(Cap),
    Role.ADMIN: frozenset(
        {Cap.VIEW_WORKSPACE, Cap.CHANGE_WORKSPACE, Cap.MANAGE_MEMBERS, Cap.VIEW_AUDIT}
    ),
    Role.REVIEWER: frozenset({Cap.VIEW_WORKSPACE}),
    Role.DEVELOPER: frozenset({Cap.VIEW_WORKSPACE}),
}

# Roles a workspace kind may hold (a Reviewer belongs to a tenant: it approves releases).
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.TENANT: (Role.OWNER, Role.ADMIN, Role.REVIEWER, Role.DEVELOPER),
    Kind.DEVELOPER: (Role.OWNER, Role.ADMIN, Role.DEVELOPER),
}


def role_label(role: str, kind: str) -> str:
    """The product's names for roles ("Workspace Admin" in a tenant, "Developer Admin"…)."""
    if role == Role.ADMIN:
        return "Workspace Admin" if kind == Kind.TENANT else "Developer Admin"
    return str(Role(role).label)


def has_cap(member: Membership | None, cap: Cap) -> bool:
    if member is None or not member.is_active:
        return False
    return cap in ROLE_CAPS.get(member.role, frozenset())


def roles_with(cap: Cap) -> list[str]:
    return [role for role, caps in ROLE_CAPS.items() if cap in caps]


class CapabilityDenied(PermissionDenied):
    """A 403 that knows which capability was missing, so the page can say who to ask."""

    def __init__(self, *, cap: Cap, workspace: Workspace | None):
        self.cap = cap
        self.workspace = workspace
        super().__init__(f"This needs the capability {cap.value}.")


def require(member: Membership | None, cap: Cap) -> None:
    """Raise :class:`CapabilityDenied` unless the (active) membership holds ``cap``."""
    if not has_cap(member, cap):
        raise CapabilityDenied(cap=cap, workspace=member.workspace if member else None)


def membership_get(*, user: User, workspace: Workspace) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("workspace", "user")
        .filter(user=user, workspace=workspace)
        .first()
    )


def access_workspace(
    *, user: User, slug: str, cap: Cap = Cap.VIEW_WORKSPACE
) -> tuple[Workspace, Membership]:
    """Fetch a workspace by slug and authorize in one step.

    Not a member (or blocked) → 404, the same answer as a missing workspace, so slugs of
    other tenants do not leak. A member without ``cap`` → 403 naming what is needed.
    """
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(user_id=user.pk, workspace__slug=slug, status=Membership.Status.ACTIVE)
        .first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such workspace.")
    require(membership, cap)
    return membership.workspace, membership
