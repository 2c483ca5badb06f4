"""Capabilities, and the roles that hold them (the table behind "Roles & permissions").

Roles map to capabilities; code checks capabilities, never role names. Capability names are
Django permission strings so the same name can serve django-guardian object grants
(``grants.py``).
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError

from workspaces.models import Membership, Workspace

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
    DECIDE_APPROVALS = "workspaces.decide_approvalrequest"
    # mini programs (miniprograms/): a Developer holds these only on the mini programs they
    # are assigned to (object grants), everyone else through their role.
    VIEW_MINIPROGRAM = "miniprograms.view_miniprogram"
    ADD_MINIPROGRAM = "miniprograms.add_miniprogram"
    DEVELOP_MINIPROGRAM = "miniprograms.develop_miniprogram"
    MANAGE_MINIPROGRAM = "miniprograms.manage_miniprogram"
    DELETE_MINIPROGRAM = "miniprograms.delete_miniprogram"
    # development settings (issue 12; miniprograms.domains/jsapis/secrets/envvars)
    MANAGE_APP_SECRET = "miniprograms.manage_appsecret"  # noqa: S105 - a capability name
    MANAGE_JSAPI_CATALOGUE = "miniprograms.manage_jsapicatalogue"
    MANAGE_DOMAIN_POLICY = "miniprograms.manage_domainpolicy"


# What each capability lets a person do, for the "Roles & permissions" page.
CAP_DESCRIPTIONS: dict[Cap, str] = {
    Cap.VIEW_WORKSPACE: "Open the workspace and its overview",
    Cap.CHANGE_WORKSPACE: "Edit workspace settings, branding and agreements; manage webhooks",
    Cap.VIEW_MEMBERS: "See the member list",
    Cap.MANAGE_MEMBERS: "Invite, block and remove members; change roles",
    Cap.TRANSFER_OWNERSHIP: "Transfer ownership of the workspace",
    Cap.VIEW_AUDIT: "Read and export the audit log",
    Cap.VIEW_HOST_APPS: "See host apps (tenant workspaces)",
    Cap.MANAGE_HOST_APPS: "Add and edit host apps; reset SDK secrets (tenant workspaces)",
    Cap.MANAGE_DEVELOPER_WORKSPACES: "Create developer workspaces for merchants (tenants)",
    Cap.MANAGE_AUTHORIZATIONS: "Review and revoke members' API tokens and object grants",
    Cap.DECIDE_APPROVALS: "Approve or reject requests sent to the workspace: releases into its "
    "host apps, sensitive JSAPIs, skipping domain verification (tenant workspaces)",
    Cap.VIEW_MINIPROGRAM: "See mini programs, their versions and settings",
    Cap.ADD_MINIPROGRAM: "Create mini programs",
    Cap.DEVELOP_MINIPROGRAM: "Edit a mini program's profile and testers; upload versions",
    Cap.MANAGE_MINIPROGRAM: "Put mini programs on or off shelf, take them offline from a host "
    "app, assign developers",
    Cap.DELETE_MINIPROGRAM: "Delete mini programs (irreversible)",
    Cap.MANAGE_APP_SECRET: "Generate, reset, freeze and unfreeze a mini program's AppSecret",
    Cap.MANAGE_JSAPI_CATALOGUE: "Edit the JSAPI catalogue and features that host apps offer "
    "(tenant workspaces)",
    Cap.MANAGE_DOMAIN_POLICY: "Restrict mini programs' server domains and let developer "
    "workspaces edit theirs (tenant workspaces)",
}

# Capabilities that exist only in one kind of workspace.
CAP_KINDS: dict[Cap, frozenset[str]] = {
    Cap.VIEW_HOST_APPS: frozenset({Kind.TENANT}),
    Cap.MANAGE_HOST_APPS: frozenset({Kind.TENANT}),
    Cap.MANAGE_DEVELOPER_WORKSPACES: frozenset({Kind.TENANT}),
    # Requests are decided by the tenant whose host apps they concern; a developer workspace
    # only asks.
    Cap.DECIDE_APPROVALS: frozenset({Kind.TENANT}),
    Cap.MANAGE_JSAPI_CATALOGUE: frozenset({Kind.TENANT}),
    Cap.MANAGE_DOMAIN_POLICY: frozenset({Kind.TENANT}),
}

_EVERYONE = frozenset({Cap.VIEW_WORKSPACE, Cap.VIEW_MEMBERS, Cap.VIEW_HOST_APPS})
_ADMIN = _EVERYONE | frozenset(
    {
        Cap.VIEW_MINIPROGRAM,
        Cap.ADD_MINIPROGRAM,
        Cap.DEVELOP_MINIPROGRAM,
        Cap.MANAGE_MINIPROGRAM,
        Cap.DELETE_MINIPROGRAM,
        Cap.CHANGE_WORKSPACE,
        Cap.MANAGE_MEMBERS,
        Cap.VIEW_AUDIT,
        Cap.MANAGE_HOST_APPS,
        Cap.MANAGE_DEVELOPER_WORKSPACES,
        Cap.MANAGE_AUTHORIZATIONS,
        Cap.DECIDE_APPROVALS,
        Cap.MANAGE_APP_SECRET,
        Cap.MANAGE_JSAPI_CATALOGUE,
        Cap.MANAGE_DOMAIN_POLICY,
    }
)

# role -> capabilities held across the whole workspace. Later issues extend this table
# (mini programs, versions, reviews, releases); the "Roles & permissions" page renders it.
ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.OWNER: frozenset(Cap),
    Role.ADMIN: _ADMIN,
    # A Reviewer sees every mini program and decides requests (it approves their releases) but
    # changes none.
    Role.REVIEWER: _EVERYONE | frozenset({Cap.VIEW_MINIPROGRAM, Cap.DECIDE_APPROVALS}),
    # A Developer works only on the mini programs assigned to them (grants on each one).
    Role.DEVELOPER: _EVERYONE,
}

# Roles a workspace kind may hold (a Reviewer belongs to a tenant: it approves releases).
ROLES_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.TENANT: (Role.OWNER, Role.ADMIN, Role.REVIEWER, Role.DEVELOPER),
    Kind.DEVELOPER: (Role.OWNER, Role.ADMIN, Role.DEVELOPER),
}


def assignable_roles(kind: str | None = None) -> tuple[str, ...]:
    """Roles a member can be given or invited as in a workspace of ``kind``, strongest first.

    The kind's roles but Owner: a workspace has exactly one owner, and ownership is transferred,
    never assigned (the tenant names the first owner of a merchant's workspace itself). Without
    ``kind``, the roles assignable in some kind (an API schema's choices).
    """
    kinds = (kind,) if kind is not None else tuple(ROLES_BY_KIND)
    wanted = {role for k in kinds for role in ROLES_BY_KIND[k] if role != Role.OWNER}
    return tuple(role for role in Role.values if role in wanted)


def assignable_role_choices(kind: str) -> list[tuple[str, str]]:
    """``(role, label)`` pairs of :func:`assignable_roles` for forms and pickers."""
    return [(role, role_label(role, kind)) for role in assignable_roles(kind)]


def check_assignable_role(*, kind: str, role: str, who: str = "") -> None:
    """Refuse (``ValidationError``) a role a ``kind`` workspace cannot give (or Owner)."""
    if role in assignable_roles(kind):
        return
    subject = who or "A member"
    label = role_label(role, kind) if role in Role.values else f"'{role}'"
    raise ValidationError(
        f"{subject} cannot be made {label} in a {Kind(kind).label.lower()} workspace. "
        "Choose one of: " + ", ".join(role_label(r, kind) for r in assignable_roles(kind)) + ".",
        code="role",
    )


def role_label(role: str, kind: str) -> str:
    """The product's names for roles ("Workspace Admin" in a tenant, "Developer Admin"…)."""
    if role == Role.ADMIN:
        return "Workspace Admin" if kind == Kind.TENANT else "Developer Admin"
    return str(Role(role).label)


def roles_lacking_any(caps: frozenset[Cap], kind: str) -> list[str]:
    """Roles of a ``kind`` workspace that miss at least one of ``caps`` (grants can help)."""
    return [role for role in ROLES_BY_KIND[kind] if not caps <= ROLE_CAPS[role]]


def roles_with(cap: Cap, kind: str | None = None) -> list[str]:
    """Roles holding ``cap`` (in a workspace of ``kind`` when given), strongest first."""
    if kind is not None and kind not in CAP_KINDS.get(cap, frozenset({kind})):
        return []
    roles = ROLES_BY_KIND[kind] if kind is not None else tuple(ROLE_CAPS)
    return [role for role in roles if cap in ROLE_CAPS[role]]
