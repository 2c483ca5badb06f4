"""Shapes of your workspaces, creating one, and workspace settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api_schema import OptionalEmailField, OptionalURLField
from workspaces.authz import role_label
from workspaces.models import Membership, Workspace, WorkspaceSettings
from workspaces.serializers_tenancy.common import ROLE_CHOICES, file_url, run_validator
from workspaces.services.settings import validate_favicon, validate_logo


class WorkspaceSerializer(serializers.Serializer):
    """One of the caller's workspaces, seen through their membership."""

    slug = serializers.SlugField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")
    kind = serializers.ChoiceField(source="workspace.kind", choices=Workspace.Kind.choices)
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    role_label = serializers.SerializerMethodField()
    tenant = serializers.SerializerMethodField(
        help_text="Slug of the tenant a developer workspace releases into, or null."
    )

    @extend_schema_field(serializers.CharField())
    def get_role_label(self, membership: Membership) -> str:
        return role_label(membership.role, membership.workspace.kind)

    @extend_schema_field(serializers.SlugField(allow_null=True))
    def get_tenant(self, membership: Membership) -> str | None:
        tenant = membership.workspace.tenant
        return tenant.slug if tenant is not None else None


class WorkspaceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=Workspace.Kind.choices)
    default_language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")


class WorkspaceSettingsSerializer(serializers.ModelSerializer):
    # Optional in the model: "" until set, which a format of email/uri alone would not allow.
    service_email = OptionalEmailField(read_only=True)
    about_url = OptionalURLField(read_only=True)
    terms_url = OptionalURLField(read_only=True)
    logo_url = serializers.SerializerMethodField()
    favicon_url = serializers.SerializerMethodField()

    class Meta:
        model = WorkspaceSettings
        fields = [
            "service_email",
            "email_preference",
            "preferred_domain",
            "about_url",
            "terms_url",
            "terms_text",
            "privacy_policy",
            "logo_url",
            "favicon_url",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_logo_url(self, row: WorkspaceSettings) -> str | None:
        return file_url(self.context.get("request"), row.logo)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_favicon_url(self, row: WorkspaceSettings) -> str | None:
        return file_url(self.context.get("request"), row.favicon)


class WorkspaceDetailSerializer(WorkspaceSerializer):
    """A workspace with its settings. Pass the settings row as ``context["settings"]``."""

    default_language = serializers.CharField(source="workspace.default_language")
    created_at = serializers.DateTimeField(source="workspace.created_at")
    settings = serializers.SerializerMethodField()

    @extend_schema_field(WorkspaceSettingsSerializer)
    def get_settings(self, membership: Membership) -> dict[str, Any]:
        return WorkspaceSettingsSerializer(self.context["settings"], context=self.context).data


class WorkspaceSettingsUpdateSerializer(serializers.Serializer):
    """Every field is optional: only the ones sent change. Files need multipart/form-data."""

    name = serializers.CharField(max_length=80, required=False)
    default_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    service_email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    email_preference = serializers.ChoiceField(
        choices=WorkspaceSettings.EmailPreference.choices, required=False
    )
    preferred_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    about_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    terms_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    terms_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    privacy_policy = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    logo = serializers.FileField(
        required=False, help_text="PNG or JPEG, square, at least 64 px, at most 512 KB."
    )
    favicon = serializers.FileField(
        required=False, help_text="PNG or ICO, square, at most 512 px and 64 KB."
    )
    clear_logo = serializers.BooleanField(required=False, help_text="Remove the current logo.")
    clear_favicon = serializers.BooleanField(
        required=False, help_text="Remove the current favicon."
    )

    def validate_logo(self, value):
        return run_validator(validate_logo, value)

    def validate_favicon(self, value):
        return run_validator(validate_favicon, value)
