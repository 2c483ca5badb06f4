"""Shapes of host apps: platforms, the app (with its secret only once), create and edit."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workspaces.models import HostApp, HostAppPlatform
from workspaces.serializers_tenancy.common import file_url, run_validator
from workspaces.services.hostapps import (
    PREVIEW_SCHEME_MAX,
    validate_icon,
    validate_preview_scheme,
)

PLATFORMS = HostAppPlatform.Platform.values


def _platform_field(label: str, *, output: bool = False) -> serializers.CharField:
    if output:
        return serializers.CharField(allow_null=True, help_text=f"{label} bundle id, or null.")
    return serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=f"{label} bundle id / package name; empty or null removes the platform.",
    )


class PlatformsSerializer(serializers.Serializer):
    android = _platform_field("Android", output=True)
    ios = _platform_field("iOS", output=True)
    harmonyos = _platform_field("HarmonyOS", output=True)


class PlatformsInputSerializer(serializers.Serializer):
    android = _platform_field("Android")
    ios = _platform_field("iOS")
    harmonyos = _platform_field("HarmonyOS")


class HostAppSerializer(serializers.ModelSerializer):
    """A host app. The SDK secret is never part of it (only of create and reset answers)."""

    icon_url = serializers.SerializerMethodField()
    platforms = serializers.SerializerMethodField()

    class Meta:
        model = HostApp
        fields = [
            "id",
            "name",
            "description",
            "app_key",
            "icon_url",
            "platforms",
            "sandbox_needs_review",
            "preview_scheme",
            "secret_rotated_at",
            "sdk_key_frozen_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_icon_url(self, app: HostApp) -> str | None:
        return file_url(self.context.get("request"), app.icon)

    @extend_schema_field(PlatformsSerializer)
    def get_platforms(self, app: HostApp) -> dict[str, str | None]:
        given = {p.platform: p.bundle_id for p in app.platforms.all()}
        return {platform: given.get(platform) for platform in PLATFORMS}


class HostAppWithSecretSerializer(HostAppSerializer):
    """Answer of create and reset-secret: the only time the SDK secret is shown."""

    secret = serializers.SerializerMethodField(
        help_text="The SDK app secret. Shown once: store it now; only a hash is kept."
    )

    class Meta(HostAppSerializer.Meta):
        fields = [*HostAppSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_secret(self, app: HostApp) -> str:
        return self.context["secret"]


class HostAppCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    platforms = PlatformsInputSerializer(
        help_text="At least one platform. In multipart forms: platforms.android=…"
    )
    icon = serializers.FileField(
        required=False, help_text="PNG or JPEG, square, at least 48 px, at most 512 KB."
    )

    sandbox_needs_review = serializers.BooleanField(
        required=False,
        help_text="Sandbox releases wait for review as production ones do (default false, as "
        "Alipay+).",
    )
    preview_scheme = serializers.CharField(
        max_length=PREVIEW_SCHEME_MAX + 3,
        required=False,
        allow_blank=True,
        help_text="The custom URL scheme of the reviewer's preview QR code "
        "(<scheme>://preview?app_id=…&version=…&token=…): a letter, then letters, digits, + - "
        "or ., at most 40; stored in lower case; empty for none.",
    )

    def validate_icon(self, value):
        return run_validator(validate_icon, value)

    def validate_preview_scheme(self, value: str) -> str:
        try:
            return validate_preview_scheme(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["preview_scheme"]) from exc


class HostAppUpdateSerializer(HostAppCreateSerializer):
    """Only the fields sent change; ``platforms`` is merged key by key (null/"" removes one)."""

    name = serializers.CharField(max_length=60, required=False)
    platforms = PlatformsInputSerializer(required=False)
