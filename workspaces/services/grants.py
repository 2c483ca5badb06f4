"""Object grants: one capability for one member on one object, on top of their role.

Stored with django-guardian's direct-foreign-key models (``WorkspaceUserObjectPermission`` for
the workspace itself; mini programs add their own). What may be granted where is decided in
``workspaces/authz/grants.py`` (``GRANTABLE``); ``authz.has_cap`` reads the grants. Every change is
audited ("grant.add", "grant.remove").
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404
from guardian.models import UserObjectPermission, UserObjectPermissionBase
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_direct_obj_perms_models

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership, Workspace
from workspaces.services.audit import audit_record


def grant_object_label(obj: Model) -> str:
    """How the audit log names the object of a grant: ``workspaces.workspace:12``."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def _audit_after(member_user_email: str, cap: str, obj: Model) -> dict[str, str]:
    return {"user": member_user_email, "cap": cap, "object": grant_object_label(obj)}


def _grant_rows(obj: Model):
    model = authz.grant_model(type(obj))
    if model is None:
        raise ValueError(f"{obj._meta.label} has no direct object permission model")
    return model._default_manager.filter(content_object=obj)


def _check_object(actor: Membership, obj: Model) -> None:
    # Objects are looked up inside the actor's workspace by callers; this is the backstop.
    if authz.workspace_id_of(obj) != actor.workspace_id:
        raise Http404("No such object in this workspace.")


def _locked_member(*, actor: Membership, user_id: int) -> Membership:
    member = (
        Membership.objects.select_for_update()
        .select_related("user", "workspace")
        .filter(workspace_id=actor.workspace_id, user_id=user_id)
        .first()
    )
    if member is None:
        raise ValidationError("This person is not a member of the workspace.")
    return member


@transaction.atomic
def grant_add(*, actor: Membership, user_id: int, cap: str, obj: Model) -> None:
    """Grant ``cap`` on ``obj`` to an active member of ``actor.workspace``.

    Needs ``MANAGE_AUTHORIZATIONS``. Refused (``ValidationError``): a capability that is not
    grantable on this object, a person who is not an active member, a capability they already
    hold through their role. Granting an existing grant again changes nothing.
    """
    authz.require(actor, Cap.MANAGE_AUTHORIZATIONS)
    _check_object(actor, obj)
    allowed = authz.grantable_caps(obj, kind=actor.workspace.kind)
    if cap not in allowed:
        raise ValidationError(
            {"cap": f"“{cap}” cannot be granted on a {obj._meta.verbose_name}."},
        )
    cap = Cap(cap)
    # Nobody hands out more than they hold themselves.
    authz.require(actor, cap, obj)
    member = _locked_member(actor=actor, user_id=user_id)  # serializes grants per member
    if not member.is_active:
        raise ValidationError(f"{member.user.email} is blocked: unblock them first.")
    if authz.has_role_cap(member, cap):
        raise ValidationError(
            f"{member.user.email} already has this capability as "
            f"{authz.role_label(member.role, member.workspace.kind)}."
        )
    if _grant_rows(obj).filter(user_id=user_id, permission__codename=authz.codename(cap)).exists():
        return  # a double click or a retried request
    assign_perm(authz.codename(cap), member.user, obj)
    audit_record(
        actor=actor.user,
        verb="grant.add",
        workspace=actor.workspace,
        target=member,
        after=_audit_after(member.user.email, cap, obj),
    )


@transaction.atomic
def grant_remove(*, actor: Membership, user_id: int, cap: str, obj: Model) -> None:
    """Take back ``cap`` on ``obj`` from a user. Needs ``MANAGE_AUTHORIZATIONS``; idempotent.

    Works for any capability stored on the object (also one no longer grantable), and for a
    user who is no longer a member, so no stray row can outlive its revocation.
    """
    authz.require(actor, Cap.MANAGE_AUTHORIZATIONS)
    _check_object(actor, obj)
    row = (
        _grant_rows(obj)
        .filter(user_id=user_id, permission__codename=authz.codename(cap))
        .select_related("user")
        .first()
    )
    if row is None:
        return  # already gone
    remove_perm(authz.codename(cap), row.user, obj)
    audit_record(
        actor=actor.user,
        verb="grant.remove",
        workspace=actor.workspace,
        target=Membership.objects.filter(workspace_id=actor.workspace_id, user_id=user_id).first()
        or row.user,
        before=_audit_after(row.user.email, cap, obj),
    )


def _workspace_lookup(model: type[Model]) -> str:
    """The path from a direct grant model to the workspace its object belongs to."""
    target = model._meta.get_field("content_object").related_model
    return "content_object" if target is Workspace else "content_object__workspace"


def grants_drop_for_member(*, actor: Membership, member: Membership) -> int:
    """Delete every grant of ``member.user`` on objects of ``member.workspace``.

    Called by ``membership_remove`` (which has authorized the removal), so someone who leaves
    or is removed keeps nothing if they are invited back. Each dropped grant is audited.
    Returns how many were dropped.
    """
    dropped = 0
    for model in get_direct_obj_perms_models(UserObjectPermissionBase, UserObjectPermission):
        rows = model._default_manager.filter(
            user_id=member.user_id, **{_workspace_lookup(model): member.workspace_id}
        ).select_related("permission", "content_object")
        for row in rows:
            audit_record(
                actor=actor.user,
                verb="grant.remove",
                workspace=member.workspace,
                target=member,
                before={
                    "user": member.user.email,
                    "cap": _cap_name(row),
                    "object": grant_object_label(getattr(row, "content_object")),  # noqa: B009
                    "reason": "membership removed",
                },
            )
            dropped += 1
        rows.delete()
    return dropped


def _cap_name(row) -> str:
    cap = authz.grant_cap(type(row.content_object), row.permission.codename)
    return cap.value if cap is not None else row.permission.codename
