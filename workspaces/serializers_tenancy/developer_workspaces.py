"""Shapes of a tenant's developer workspaces and their pending owner invitation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workspaces.models import Workspace
from workspaces.serializers import PersonSerializer
from workspaces.serializers_tenancy.common import INVITATION_STATUSES


class PendingOwnerInvitationSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    expires_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=INVITATION_STATUSES)


class DeveloperWorkspaceSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField()
    owner = serializers.SerializerMethodField(help_text="Null until the invited owner accepts.")
    pending_owner_invitation = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = [
            "slug",
            "name",
            "default_language",
            "created_at",
            "member_count",
            "owner",
            "pending_owner_invitation",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_owner(self, workspace: Workspace) -> dict[str, str] | None:
        owners = workspace.owner_memberships
        return PersonSerializer(owners[0].user).data if owners else None

    @extend_schema_field(PendingOwnerInvitationSerializer(allow_null=True))
    def get_pending_owner_invitation(self, workspace: Workspace) -> dict[str, Any] | None:
        pending = workspace.pending_owner_invitations
        if not pending:
            return None
        invitation = pending[0]
        return PendingOwnerInvitationSerializer(
            {
                "name": invitation.name,
                "email": invitation.email,
                "expires_at": invitation.expires_at,
                "status": invitation.display_status,
            }
        ).data


class DeveloperWorkspaceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    owner_email = serializers.CharField(max_length=254)
    owner_name = serializers.CharField(max_length=120)
