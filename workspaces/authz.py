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
    """Capabilities, named as Django permission strings (``<app>.<codename>``)."""

    VIEW_WORKSPACE = "workspaces.view_workspace"
    CHANGE_WORKSPACE = "workspaces.change_workspace"
    VIEW_MEMBERS = "workspaces.view_membership"
    MANAGE_MEMBERS = "workspaces.manage_members"
    TRANSFER_OWNERSHIP = "workspaces.transfer_ownership"
    VIEW_AUDIT = "workspaces.view_auditevent"
    VIEW_HOST_APPS = "workspaces.view_hostapp"
    MANAGE_HOST_APPS = "workspaces.manage_hostapps"
    MANAGE_DEVELOPER_WORKSPACES = "workspaces.manage_developer_workspaces"
    MANAGE_AUTHORIZATIONS = "workspaces.manage_authorizations"


# What each capability lets a person do, for the "Roles & permissions" page.
CAP_DESCRIPTIONS: dict[Cap, str] = {
    Cap.VIEW_WORKSPACE: "Open the workspace and its overview",
    Cap.CHANGE_WORKSPACE: "Edit workspace settings, branding and agreements",
    Cap.VIEW_MEMBERS: "See the member list",
    Cap.MANAGE_MEMBERS: "Invite, block and remove members; change roles",
    Cap.TRANSFER_OWNERSHIP: "Transfer ownership of the workspace",
    Cap.VIEW_AUDIT: "Read and export the audit log",
    Cap.VIEW_HOST_APPS: "See host apps (tenant workspaces)",
    Cap.MANAGE_HOST_APPS: "Add and edit host apps; reset SDK secrets (tenant workspaces)",
    Cap.MANAGE_DEVELOPER_WORKSPACES: "Create developer workspaces for merchants (tenants)",
    Cap.MANAGE_AUTHORIZATIONS: "Review and revoke members' API tokens and object grants",
}

# Capabilities that exist only in one kind of workspace.
CAP_KINDS: dict[Cap, frozenset[str]] = {
    Cap.VIEW_HOST_APPS: frozenset({Kind.TENANT}),
    Cap.MANAGE_HOST_APPS: frozenset({Kind.TENANT}),
    Cap.MANAGE_DEVELOPER_WORKSPACES: frozenset({Kind.TENANT}),
}

_EVERYONE = frozenset({Cap.VIEW_WORKSPACE, Cap.VIEW_MEMBERS, Cap.VIEW_HOST_APPS})
_ADMIN = _EVERYONE | frozenset(
    {
        Cap.CHANGE_WORKSPACE,
        Cap.MANAGE_MEMBERS,
        Cap.VIEW_AUDIT,
        Cap.MANAGE_HOST_APPS,
        Cap.MANAGE_DEVELOPER_WORKSPACES,
        Cap.MANAGE_AUTHORIZATIONS,
    }
)

# role -> capabilities held across the whole workspace. Later issues extend this table
# (mini programs, versions, reviews, releases); the "Roles & permissions" page renders it.
ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.OWNER: frozenset(Cap),
    Role.ADMIN: _ADMIN,
    Role.REVIEWER: _EVERYONE,
    Role.DEVELOPER: _EVERYONE,
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
    """Does this (active) membership hold ``cap`` in its workspace?"""
    if member is None or not member.is_active:
        return False
    kinds = CAP_KINDS.get(cap)
    if kinds is not None and member.workspace.kind not in kinds:
        return False
    return cap in ROLE_CAPS.get(member.role, frozenset())


def caps_for(member: Membership | None) -> frozenset[str]:
    """Every capability the membership holds (templates test ``"<cap>" in caps``)."""
    return frozenset(cap.value for cap in Cap if has_cap(member, cap))


def roles_with(cap: Cap, kind: str | None = None) -> list[str]:
    """Roles holding ``cap`` (in a workspace of ``kind`` when given), strongest first."""
    if kind is not None and kind not in CAP_KINDS.get(cap, frozenset({kind})):
        return []
    roles = ROLES_BY_KIND[kind] if kind is not None else tuple(ROLE_CAPS)
    return [role for role in roles if cap in ROLE_CAPS[role]]


class CapabilityDenied(PermissionDenied):
    """A 403 that knows which capability was missing, so the page can say who to ask."""

    def __init__(self, *, cap: Cap, member: Membership | None):
        self.cap = cap
        self.member = member
        self.workspace = member.workspace if member else None
        super().__init__(f"This needs the capability {cap.value}.")


def require(member: Membership | None, cap: Cap) -> None:
    """Raise :class:`CapabilityDenied` unless the (active) membership holds ``cap``."""
    if not has_cap(member, cap):
        raise CapabilityDenied(cap=cap, member=member)


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
