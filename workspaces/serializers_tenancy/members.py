"""Shapes of members: the member list, its filters, role and status changes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import QuerySerializer
from workspaces.authz import role_label
from workspaces.models import Membership
from workspaces.serializers_tenancy.common import ASSIGNABLE_ROLES


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.name")
    email = serializers.EmailField(source="user.email")
    role_label = serializers.SerializerMethodField()
    joined_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Membership
        fields = ["id", "name", "email", "role", "role_label", "status", "joined_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_role_label(self, membership: Membership) -> str:
        return role_label(membership.role, self.context["workspace"].kind)


class MemberListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(
        choices=Membership.Status.choices, required=False, help_text="Only members in this state."
    )
    q = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Part of a name or email."
    )


class MemberUpdateSerializer(serializers.Serializer):
    """Change the role, block/unblock, or both (the role change is applied first)."""

    role = serializers.ChoiceField(
        choices=ASSIGNABLE_ROLES,
        required=False,
        help_text="Ownership is not assigned: use transfer-ownership.",
    )
    status = serializers.ChoiceField(
        choices=Membership.Status.choices, required=False, help_text="blocked or active."
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send a new role or a status.")
        return attrs
