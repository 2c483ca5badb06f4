"""Workspaces and memberships: creation used by onboarding, invitations and the demo data."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from console.limits import LimitReached
from console.text import clean_display_text
from workspaces.authz import check_assignable_role
from workspaces.models import AuditEvent, Membership, User, Workspace
from workspaces.services.audit import audit_record

# Audit verbs of a workspace created by a user (here and in developer_workspaces).
CREATE_VERBS = ("workspace.create", "developer_workspace.create")
LIMIT_WINDOW = timedelta(hours=1)


def workspace_create_limit_check(*, user: User) -> None:
    """Refuse (``LimitReached``) a user's workspace beyond ``MPP_WORKSPACE_CREATE_PER_HOUR``.

    Counted from the audit rows of the last hour, under a lock on the user's row, so the limit
    holds across processes and concurrent requests. Call inside the creating transaction.
    """
    limit = int(getattr(settings, "MPP_WORKSPACE_CREATE_PER_HOUR", 10))
    if limit <= 0:
        return
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    recent = AuditEvent.objects.filter(
        actor=user, verb__in=CREATE_VERBS, created_at__gt=now - LIMIT_WINDOW
    )
    count = recent.count()
    if count < limit:
        return
    # A slot frees when enough of the hour's creations have aged out of the window.
    times = list(recent.order_by("created_at").values_list("created_at", flat=True))
    free_at = times[count - limit] + LIMIT_WINDOW
    wait = max(1, int((free_at - now).total_seconds()) + 1)
    minutes = max(1, round(wait / 60))
    raise LimitReached(
        f"You have reached the limit of {limit} new workspaces per hour; try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}.",
        retry_after=wait,
    )


def unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "workspace"
    slug, n = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def workspace_create(
    *,
    owner: User,
    name: str,
    kind: str,
    slug: str | None = None,
    tenant: Workspace | None = None,
    default_language: str = "en",
    actor: User | None = None,
) -> Workspace:
    """Create a workspace with ``owner`` as its Owner. A tenant may parent developer ones."""
    if tenant is not None and (kind != Workspace.Kind.DEVELOPER or not tenant.is_tenant):
        raise ValidationError("Only a tenant workspace can own developer workspaces.")
    name = clean_display_text(name, label="The workspace name", field="name")
    workspace_create_limit_check(user=actor or owner)
    workspace = Workspace(
        name=name,
        kind=kind,
        slug=slug or unique_slug(name),
        tenant=tenant,
        default_language=default_language,
    )
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(user=owner, workspace=workspace, role=Membership.Role.OWNER)
    audit_record(
        actor=actor or owner,
        verb="workspace.create",
        workspace=workspace,
        target=workspace,
        after={"name": workspace.name, "kind": workspace.kind, "owner": owner.email},
    )
    return workspace


@transaction.atomic
def membership_add(
    *, workspace: Workspace, user: User, role: str, actor: User | None = None
) -> Membership:
    """Add ``user`` to ``workspace`` with ``role`` (not Owner: a workspace has exactly one)."""
    check_assignable_role(kind=workspace.kind, role=role, who=user.email)
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError(f"{user.email} is already a member of {workspace.name}.")
    membership = Membership.objects.create(workspace=workspace, user=user, role=role)
    audit_record(
        actor=actor,
        verb="membership.add",
        workspace=workspace,
        target=membership,
        after={"user": user.email, "role": role},
    )
    return membership
