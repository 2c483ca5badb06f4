"""Shapes of invitations: the list, its filter, a batch to send and its answer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from console.api import QuerySerializer
from workspaces.authz import role_label
from workspaces.models import Invitation
from workspaces.serializers import PersonSerializer
from workspaces.serializers_tenancy.common import ASSIGNABLE_ROLES, INVITATION_STATUSES
from workspaces.services.invitations import MAX_INVITATIONS_PER_BATCH


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as lists show it: never its link, token or hash."""

    role_label = serializers.SerializerMethodField()
    app_ids = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="App IDs of the mini programs a Developer is assigned to on acceptance.",
    )
    status = serializers.SerializerMethodField(help_text="Expiry is derived from the clock.")
    invited_by = PersonSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "name",
            "email",
            "role",
            "role_label",
            "app_ids",
            "status",
            "invited_by",
            "expires_at",
            "sent_count",
            "last_sent_at",
            "accepted_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_role_label(self, invitation: Invitation) -> str:
        return role_label(invitation.role, invitation.workspace.kind)

    @extend_schema_field(serializers.ChoiceField(choices=INVITATION_STATUSES))
    def get_status(self, invitation: Invitation) -> str:
        return invitation.display_status


class InvitationListQuerySerializer(QuerySerializer):
    include_closed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also list accepted and withdrawn invitations (default: pending only).",
    )


class InviteeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(choices=ASSIGNABLE_ROLES)
    app_ids = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        default=list,
        help_text="Developers only: App IDs of this workspace's mini programs to assign them "
        "to (at least one once the workspace has mini programs). Other roles work with every "
        "mini program through their role and take none.",
    )


class InvitationBatchSerializer(serializers.Serializer):
    invitations = serializers.ListField(
        child=InviteeSerializer(),
        help_text=f"1 to {MAX_INVITATIONS_PER_BATCH} people; all are invited or none.",
    )

    def to_internal_value(self, data):
        people = data.get("invitations") if hasattr(data, "get") else None
        if isinstance(people, list) and len(people) > MAX_INVITATIONS_PER_BATCH:
            # Checked before each entry is validated, so an oversized batch costs nothing.
            message = (
                f"You can invite at most {MAX_INVITATIONS_PER_BATCH} people at once "
                f"(you added {len(people)})."
            )
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]})
        return super().to_internal_value(data)


class InvitationBatchResultSerializer(serializers.Serializer):
    invitations = InvitationSerializer(many=True, help_text="The invitations just sent.")
