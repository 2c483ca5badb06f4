"""API shapes of the AppSecret (its state; the secret itself only in the answer that made it)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from miniprograms.secrets.models import (
    ACCESS_TOKEN_TTL_MAX,
    ACCESS_TOKEN_TTL_MIN,
    AUTH_CODE_TTL,
    AppSecret,
)
from workspaces.serializers import PersonSerializer


class AppSecretSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    generated_by = PersonSerializer(allow_null=True)
    frozen_by = PersonSerializer(allow_null=True)
    access_token_ttl = serializers.IntegerField(
        help_text="Seconds an accessToken lives (60 to 86399)."
    )
    auth_code_ttl = serializers.SerializerMethodField(help_text="Seconds an authCode lives.")

    class Meta:
        model = AppSecret
        fields = [
            "state",
            "generated_at",
            "generated_by",
            "frozen_at",
            "frozen_by",
            "access_token_ttl",
            "auth_code_ttl",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "string",
            "enum": ["none", "active", "frozen"],
            "description": "none: never generated (exchanges answer secret_not_generated); "
            "frozen: every exchange answers secret_frozen.",
        }
    )
    def get_state(self, app_secret: AppSecret) -> str:
        return app_secret.state

    def get_auth_code_ttl(self, app_secret: AppSecret) -> int:
        return AUTH_CODE_TTL


class NewAppSecretSerializer(AppSecretSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The AppSecret: in this answer only, never again."
    )

    class Meta(AppSecretSerializer.Meta):
        fields = [*AppSecretSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, app_secret: AppSecret) -> str:
        return self.context["secret"]


class OAuthSettingsSerializer(serializers.Serializer):
    access_token_ttl = serializers.IntegerField(
        min_value=ACCESS_TOKEN_TTL_MIN,
        max_value=ACCESS_TOKEN_TTL_MAX,
        help_text="Seconds an accessToken lives: from a minute to below 24 hours.",
    )
