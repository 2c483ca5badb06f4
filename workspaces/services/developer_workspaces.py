"""A tenant creates developer workspaces for its merchants and invites their owners."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from console.text import clean_display_text
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Invitation, Membership, Workspace
from workspaces.services.audit import audit_record
from workspaces.services.invitations import InviteSpec, _clean_spec, _issue
from workspaces.services.workspaces import unique_slug, workspace_create_limit_check


@transaction.atomic
def developer_workspace_create(
    *, actor: Membership, name: str, owner_email: str, owner_name: str
) -> tuple[Workspace, Invitation]:
    """Create a developer workspace linked to the actor's tenant and invite its owner.

    The workspace has no members until the invited owner accepts; the link to the tenant is
    what later lets the merchant release into the tenant's host apps.
    """
    authz.require(actor, Cap.MANAGE_DEVELOPER_WORKSPACES)
    tenant = actor.workspace
    name = clean_display_text(name, label="The workspace name", field="name")
    if not name:
        raise ValidationError({"name": "Give the developer workspace a name."})
    workspace_create_limit_check(user=actor.user)
    if Workspace.objects.filter(tenant=tenant, name__iexact=name).exists():
        raise ValidationError({"name": f"{tenant.name} already has a workspace named “{name}”."})
    workspace = Workspace(
        name=name, kind=Workspace.Kind.DEVELOPER, tenant=tenant, slug=unique_slug(name)
    )
    workspace.full_clean()
    workspace.save()
    spec = _clean_spec(
        workspace=workspace,
        spec=InviteSpec(name=owner_name, email=owner_email, role=Membership.Role.OWNER),
        allow_owner=True,
    )
    invitation = _issue(workspace=workspace, spec=spec, inviter=actor.user)
    audit_record(
        actor=actor.user,
        verb="developer_workspace.create",
        workspace=tenant,
        target=workspace,
        after={"name": workspace.name, "slug": workspace.slug, "owner_email": spec.email},
    )
    audit_record(
        actor=actor.user,
        verb="invitation.create",
        workspace=workspace,
        target=invitation,
        after={"email": spec.email, "role": spec.role},
    )
    return workspace, invitation
