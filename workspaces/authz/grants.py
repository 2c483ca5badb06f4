"""Object grants (django-guardian, direct foreign-key models): what they may give, and reading them.

A grant gives one user one capability on one object (``WorkspaceUserObjectPermission`` for the
workspace itself; mini programs bring their own model). Grants only ever ADD to the role.
"""

from __future__ import annotations

from functools import cache

from django.db.models import Model
from guardian.models import UserObjectPermission, UserObjectPermissionBase
from guardian.utils import get_direct_obj_perms_models

from workspaces.authz.capabilities import CAP_KINDS, Cap, roles_lacking_any
from workspaces.models import Membership, Workspace

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


def useful_grants(obj: Model) -> list[Cap]:
    """Grantable capabilities on ``obj`` that some role lacks (what a grant form offers)."""
    caps = grantable_caps(obj)
    kind = _kind_of(obj)
    return sorted((c for c in caps if roles_lacking_any(frozenset({c}), kind)), key=str)
