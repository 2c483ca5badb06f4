"""Workspaces and memberships: creation used by onboarding, invitations and the demo data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from workspaces.authz import ROLES_BY_KIND
from workspaces.models import Membership, User, Workspace
from workspaces.services.audit import audit_record


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
    workspace = Workspace(
        name=name.strip(),
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
    if role not in ROLES_BY_KIND[workspace.kind] or role == Membership.Role.OWNER:
        raise ValidationError(f"A {workspace.get_kind_display()} workspace has no '{role}' role.")
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
