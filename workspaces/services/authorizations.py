"""What a workspace admin may do about members' access: revoke their personal API tokens.

Personal tokens belong to a user, not to a workspace (``services/tokens.py``); an admin of any
workspace the user belongs to may revoke one, because the token can act in that workspace.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import ApiToken, Membership
from workspaces.services.audit import audit_record
from workspaces.services.tokens import _audit_after


@transaction.atomic
def token_revoke_by_admin(*, actor: Membership, token_id: int) -> ApiToken:
    """Revoke a token of a member of ``actor.workspace``; needs ``MANAGE_AUTHORIZATIONS``.

    A token of someone who is not a member (blocked members count: they still are) and a
    missing token both raise ``Http404``. Revoking a revoked token changes nothing.
    """
    authz.require(actor, Cap.MANAGE_AUTHORIZATIONS)
    members = Membership.objects.filter(workspace_id=actor.workspace_id).values("user_id")
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, user_id__in=members)
        .select_related("user")
        .first()
    )
    if token is None:
        raise Http404("No such API token.")
    if token.revoked_at is not None:
        return token  # double click or a retried request
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor.user,
        verb="api_token.revoke",
        workspace=actor.workspace,
        target=token,
        after={**_audit_after(token), "owner": token.user.email},
    )
    return token
