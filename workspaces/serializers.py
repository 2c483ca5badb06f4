"""Input and output shapes of the workspaces API (STYLE.md §3: no saving, no permissions)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import QuerySerializer
from workspaces.authz import role_label
from workspaces.models import ApiToken, Membership
from workspaces.selectors import TOKEN_STATUSES


class PersonSerializer(serializers.Serializer):
    """A person as other records name them (who uploaded, who invited): the public shape other
    apps' serializers use."""

    name = serializers.CharField()
    email = serializers.EmailField()


class MeWorkspaceSerializer(serializers.Serializer):
    slug = serializers.SlugField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")
    kind = serializers.ChoiceField(source="workspace.kind", choices=["tenant", "developer"])
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    role_label = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_role_label(self, membership: Membership) -> str:
        return role_label(membership.role, membership.workspace.kind)


class MeSerializer(serializers.Serializer):
    """The caller: who they are, whether 2FA is on, and the workspaces they are active in."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    two_factor_enabled = serializers.BooleanField()
    workspaces = MeWorkspaceSerializer(many=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as lists show it: the public prefix, never the secret or its hash."""

    display = serializers.SerializerMethodField(help_text="How the console shows the token.")
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "display",
            "status",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_display(self, token: ApiToken) -> str:
        return f"mpp_{token.prefix}_…"

    @extend_schema_field(serializers.ChoiceField(choices=TOKEN_STATUSES))
    def get_status(self, token: ApiToken) -> str:
        if token.is_revoked:
            return "revoked"
        return "expired" if token.is_expired() else "active"


class ApiTokenListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(
        choices=TOKEN_STATUSES, required=False, help_text="Only tokens in this state."
    )
