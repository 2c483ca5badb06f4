"""The only place access rules are written (STYLE.md §4).

Roles map to capabilities; code checks capabilities, never role names. Capability names are
Django permission strings so the same name can serve django-guardian object grants (a developer
assigned to one mini program, a tester). Grants only ever add access.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404
from guardian.models import UserObjectPermission, UserObjectPermissionBase
from guardian.utils import get_direct_obj_perms_models

from workspaces.models import ApprovalRequest, Membership, User, Workspace

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
    Cap.DECIDE_APPROVALS: "Approve or reject requests sent to the workspace: releases into its "
    "host apps, sensitive JSAPIs, skipping domain verification (tenant workspaces)",
    Cap.VIEW_MINIPROGRAM: "See mini programs, their versions and settings",
    Cap.ADD_MINIPROGRAM: "Create mini programs",
    Cap.DEVELOP_MINIPROGRAM: "Edit a mini program's profile and testers; upload versions",
    Cap.MANAGE_MINIPROGRAM: "Put mini programs on or off shelf, take them offline from a host "
    "app, assign developers",
    Cap.DELETE_MINIPROGRAM: "Delete mini programs (irreversible)",
}

# Capabilities that exist only in one kind of workspace.
CAP_KINDS: dict[Cap, frozenset[str]] = {
    Cap.VIEW_HOST_APPS: frozenset({Kind.TENANT}),
    Cap.MANAGE_HOST_APPS: frozenset({Kind.TENANT}),
    Cap.MANAGE_DEVELOPER_WORKSPACES: frozenset({Kind.TENANT}),
    # Requests are decided by the tenant whose host apps they concern; a developer workspace
    # only asks.
    Cap.DECIDE_APPROVALS: frozenset({Kind.TENANT}),
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


# --- object grants (django-guardian, direct foreign-key models) -----------------------------
#
# A grant gives one user one capability on one object (``WorkspaceUserObjectPermission`` for the
# workspace itself; mini programs bring their own model). Grants only ever ADD to the role.
#
# Which capabilities may be granted on which type of object. Only capabilities that act on the
# object's content may be granted; never those that decide who has access, because a grant is
# handed out by one admin to one person and must not be a way around the role table:
#   - MANAGE_MEMBERS: would let the grantee promote themselves (or anyone) to Admin, invite
#     people and block the admins: a full takeover through a "small" grant.
#   - MANAGE_AUTHORIZATIONS: would let the grantee grant further capabilities (to themselves
#     too) and revoke other people's API tokens: grants would no longer be bounded by the role
#     table.
#   - TRANSFER_OWNERSHIP: owning a workspace is exactly one person's role, never a grant.
#   - CHANGE_WORKSPACE, VIEW_WORKSPACE, VIEW_MEMBERS: everyone holds or is refused these by role
#     (branding and agreements are the admins' job); nothing to add per object.
# Keys are model classes, or "app_label.model" labels for models of apps that do not import
# workspaces. A capability may be granted on an object only in a workspace of a kind it exists
# in (CAP_KINDS), and codenames must be unique per object type (rows store the codename).
GRANTABLE: dict[type[Model] | str, frozenset[Cap]] = {
    Workspace: frozenset(
        {
            Cap.VIEW_AUDIT,  # an auditor
            Cap.VIEW_HOST_APPS,
            Cap.MANAGE_HOST_APPS,  # the tenant's mobile lead looks after the SDK secrets
            Cap.MANAGE_DEVELOPER_WORKSPACES,  # a partner manager onboards merchants
        }
    ),
    # Assigning a Developer to a mini program grants DEVELOP on it (and so VIEW, see
    # GRANT_IMPLIES); VIEW alone lets, say, a Developer follow a program they do not work on.
    "miniprograms.miniprogram": frozenset({Cap.VIEW_MINIPROGRAM, Cap.DEVELOP_MINIPROGRAM}),
}

# A granted capability that brings others with it on the same object: whoever may develop a
# mini program must be able to see it. Applied when grants are read, never stored.
GRANT_IMPLIES: dict[Cap, frozenset[Cap]] = {
    Cap.DEVELOP_MINIPROGRAM: frozenset({Cap.VIEW_MINIPROGRAM}),
}


def granted_codenames(cap: Cap) -> tuple[str, ...]:
    """Codenames of the grant rows that give ``cap`` on an object: ``cap`` itself and every
    capability that implies it (for queries that must agree with :func:`has_cap`)."""
    caps = [cap, *sorted(c for c, implied in GRANT_IMPLIES.items() if cap in implied)]
    return tuple(codename(c) for c in caps)


def codename(cap: str) -> str:
    """``"workspaces.view_auditevent"`` → ``"view_auditevent"`` (what guardian stores)."""
    return cap.split(".", 1)[1] if "." in cap else cap


def _grantable_on(model: type[Model]) -> frozenset[Cap]:
    return GRANTABLE.get(model) or GRANTABLE.get(model._meta.label_lower, frozenset())


def workspace_id_of(obj: Model) -> int | None:
    """The workspace an object of a grant belongs to (the workspace itself, or its owner)."""
    if isinstance(obj, Workspace):
        return obj.pk
    return getattr(obj, "workspace_id", None)


def _kind_of(obj: Model) -> str:
    """The kind of the workspace an object lives in (the workspace's own for a Workspace)."""
    workspace = obj if isinstance(obj, Workspace) else getattr(obj, "workspace")  # noqa: B009
    return workspace.kind


def grantable_caps(obj: Model, *, kind: str | None = None) -> frozenset[Cap]:
    """Capabilities that may be granted on ``obj`` (an instance) in a workspace of ``kind``.

    ``kind`` defaults to the kind of the object's workspace (the workspace itself for a
    Workspace); an object of a type without a direct grant model has none.
    """
    caps = _grantable_on(type(obj))
    if kind is None:
        kind = _kind_of(obj)
    return frozenset(c for c in caps if kind in CAP_KINDS.get(c, frozenset({kind})))


def grant_cap(obj_type: type[Model], code: str) -> Cap | None:
    """The grantable capability stored as ``code`` on objects of ``obj_type`` (else None)."""
    return next((c for c in _grantable_on(obj_type) if codename(c) == code), None)


@cache
def grant_model(obj_type: type[Model]) -> type[Model] | None:
    """guardian's direct foreign-key user permission model for ``obj_type`` (None if none).

    Found from the model registry alone (no content type lookup, so no query), once.
    """
    models = get_direct_obj_perms_models(UserObjectPermissionBase, UserObjectPermission)
    return next(
        (m for m in models if m._meta.get_field("content_object").related_model is obj_type),
        None,
    )


def _load_grants(member: Membership, obj: Model) -> frozenset[Cap]:
    if workspace_id_of(obj) != member.workspace_id:
        return frozenset()  # a grant never reaches across workspaces
    allowed = _grantable_on(type(obj))
    if not allowed:
        return frozenset()
    model = grant_model(type(obj))
    if model is None:
        return frozenset()  # MPP grants only through direct foreign-key models
    codes = set(
        model._default_manager.filter(user_id=member.user_id, content_object=obj).values_list(
            "permission__codename", flat=True
        )
    )
    # Rows for capabilities that are not (or no longer) grantable give nothing.
    granted = {c for c in allowed if codename(c) in codes}
    for cap in list(granted):
        granted |= GRANT_IMPLIES.get(cap, frozenset()) & allowed
    return frozenset(granted)


def object_grants(member: Membership, obj: Model) -> frozenset[Cap]:
    """Capabilities granted to ``member.user`` on ``obj``; one query per object, cached.

    The cache lives on the membership instance, i.e. for one request (views and the API
    resolve a fresh membership per request), so ``caps_for`` costs at most one query.
    """
    cache: dict[tuple[str, object], frozenset[Cap]] = member.__dict__.setdefault(
        "_object_grants", {}
    )
    key = (obj._meta.label_lower, obj.pk)
    if key not in cache:
        cache[key] = _load_grants(member, obj)
    return cache[key]


def forget_object_grants(member: Membership) -> None:
    """Drop the cached grants of this membership instance (after changing them in place)."""
    member.__dict__.pop("_object_grants", None)


def _in_scope(member: Membership | None, cap: Cap) -> bool:
    """An active membership, in a workspace of a kind where ``cap`` exists at all."""
    if member is None or not member.is_active:
        return False
    kinds = CAP_KINDS.get(cap)
    return kinds is None or member.workspace.kind in kinds


def has_role_cap(member: Membership | None, cap: Cap) -> bool:
    """Does the (active) membership hold ``cap`` through its role alone?"""
    if member is None or not _in_scope(member, cap):
        return False
    return cap in ROLE_CAPS.get(member.role, frozenset())


def has_cap(member: Membership | None, cap: Cap, obj: Model | None = None) -> bool:
    """Does this (active) membership hold ``cap`` in its workspace (on ``obj`` when given)?

    The role decides first; then an object grant to the member's user on ``obj`` (by default
    the workspace itself) can add the capability. Blocked members hold nothing, and a grant on
    an object of another workspace gives nothing here.
    """
    if member is None or not _in_scope(member, cap):
        return False
    if obj is not None and workspace_id_of(obj) not in (None, member.workspace_id):
        return False  # a role, like a grant, holds only in the member's own workspace
    if cap in ROLE_CAPS.get(member.role, frozenset()):
        return True
    target = obj if obj is not None else member.workspace
    if cap not in _grantable_on(type(target)):
        return False  # not grantable on this type: no query
    return cap in object_grants(member, target)


def caps_for(member: Membership | None, obj: Model | None = None) -> frozenset[str]:
    """Every capability the membership holds (templates test ``"<cap>" in caps``)."""
    return frozenset(cap.value for cap in Cap if has_cap(member, cap, obj))


def roles_lacking_any(caps: frozenset[Cap], kind: str) -> list[str]:
    """Roles of a ``kind`` workspace that miss at least one of ``caps`` (grants can help)."""
    return [role for role in ROLES_BY_KIND[kind] if not caps <= ROLE_CAPS[role]]


def useful_grants(obj: Model) -> list[Cap]:
    """Grantable capabilities on ``obj`` that some role lacks (what a grant form offers)."""
    caps = grantable_caps(obj)
    kind = _kind_of(obj)
    return sorted((c for c in caps if roles_lacking_any(frozenset({c}), kind)), key=str)


def roles_with(cap: Cap, kind: str | None = None) -> list[str]:
    """Roles holding ``cap`` (in a workspace of ``kind`` when given), strongest first."""
    if kind is not None and kind not in CAP_KINDS.get(cap, frozenset({kind})):
        return []
    roles = ROLES_BY_KIND[kind] if kind is not None else tuple(ROLE_CAPS)
    return [role for role in roles if cap in ROLE_CAPS[role]]


# --- across workspaces: a tenant and the merchants releasing into its host apps -------------
#
# Objects belong to one workspace, and ``has_cap`` refuses every object of another. Two things
# cross that line on purpose, and only through the rules below:
#   - a merchant's (developer workspace's) mini program that targets a tenant's host apps is
#     READ by that tenant (its reviewers must see what will run in their app), never written;
#   - a request (review, sensitive JSAPI, …) names a requesting and a deciding workspace; the
#     caller acts on it from the side its membership is on (``request_side``).
# Only the role counts across workspaces: a grant never reaches another workspace.

# What a tenant's member may do, through their role, to a merchant's mini program that targets
# one of the tenant's host apps. Reading only: the merchant alone changes its mini programs.
HOST_CAPS: frozenset[Cap] = frozenset({Cap.VIEW_MINIPROGRAM})


def has_cap_as_host(
    member: Membership | None, cap: Cap, *, owner: Workspace, targets_member_host_app: bool
) -> bool:
    """May ``member`` (of a tenant) use ``cap`` on an object of ``owner`` (a merchant's
    developer workspace) that targets one of the member's workspace's host apps?

    ``targets_member_host_app`` is the caller's finding (a selector's), that the object is
    linked to a host app of ``member.workspace``. Only capabilities in :data:`HOST_CAPS`, only
    through the role; an object of the member's own workspace is ``has_cap``'s business.
    """
    if member is None or not _in_scope(member, cap) or not targets_member_host_app:
        return False
    if member.workspace.kind != Kind.TENANT or owner.kind != Kind.DEVELOPER:
        return False
    if owner.pk == member.workspace_id:
        return False
    return cap in HOST_CAPS and cap in ROLE_CAPS.get(member.role, frozenset())


class Side(StrEnum):
    """Which end of a cross-workspace request a membership is on."""

    REQUESTING = "requesting"  # asks (a merchant submitting a version for review)
    DECIDING = "deciding"  # decides (the tenant whose host apps it targets)


class CrossWorkspaceRequest(Protocol):
    """The shape of every request that crosses workspaces (the approvals model implements it)."""

    requesting_workspace_id: int
    deciding_workspace_id: int


def request_side(member: Membership | None, request: CrossWorkspaceRequest) -> Side | None:
    """The side of ``request`` the (active) membership is on, or ``None``: not its business.

    A workspace that asks itself (a tenant's own mini program into its own host app) is on both
    sides: this answers ``None`` for it; :func:`request_sides` gives both, as approvals need.
    """
    if member is None or not member.is_active:
        return None
    sides = [
        side
        for side, workspace_id in (
            (Side.REQUESTING, request.requesting_workspace_id),
            (Side.DECIDING, request.deciding_workspace_id),
        )
        if workspace_id == member.workspace_id
    ]
    return sides[0] if len(sides) == 1 else None


def request_sides(member: Membership | None, request: CrossWorkspaceRequest) -> frozenset[Side]:
    """Every side of ``request`` the (active) membership is on.

    Both when a workspace asks itself: a tenant's own mini program released into its own host
    app is still decided by its deciders (and never by the person who asked, a service rule).
    """
    if member is None or not member.is_active:
        return frozenset()
    return frozenset(
        side
        for side, workspace_id in (
            (Side.REQUESTING, request.requesting_workspace_id),
            (Side.DECIDING, request.deciding_workspace_id),
        )
        if workspace_id == member.workspace_id
    )


def approval_request_on_side(*, member: Membership, request_id: int, side: Side) -> ApprovalRequest:
    """The approval request ``request_id`` if ``member`` (active) is on its ``side``, else 404:
    the same answer for "missing", "not yours" and "yours, but from the other side"."""
    request = (
        ApprovalRequest.objects.select_related(
            "requesting_workspace", "deciding_workspace", "requested_by", "decided_by"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None or side not in request_sides(member, request):
        raise Http404("No such request.")
    return request


def access_approval_request(
    *, user: User, workspace: Workspace, request_id: int, side: Side, cap: Cap | None = None
) -> tuple[ApprovalRequest, Membership]:
    """Fetch an approval request as seen from ``workspace`` on ``side`` and authorize.

    Not an active member of ``workspace``, or the request is not on that side of it → 404. A
    member without ``cap`` (``Cap.DECIDE_APPROVALS`` on a decision page) → 403.
    """
    member = membership_get(user=user, workspace=workspace)
    if member is None or not member.is_active:
        raise Http404("No such request.")
    request = approval_request_on_side(member=member, request_id=request_id, side=side)
    if cap is not None:
        require(member, cap)
    return request, member


class CapabilityDenied(PermissionDenied):
    """A 403 that knows which capability was missing, so the page can say who to ask."""

    def __init__(self, *, cap: Cap, member: Membership | None):
        self.cap = cap
        self.member = member
        self.workspace = member.workspace if member else None
        super().__init__(f"This needs the capability {cap.value}.")


def require(member: Membership | None, cap: Cap, obj: Model | None = None) -> None:
    """Raise :class:`CapabilityDenied` unless the (active) membership holds ``cap`` (on ``obj``)."""
    if not has_cap(member, cap, obj):
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
