"""Input and output shapes of the tenancy API (STYLE.md §3: no saving, no permissions).

Business rules stay in the services; the only rules here are shapes, lengths and choices, plus
the shared upload validators (``validate_logo``, ``validate_favicon``, ``validate_icon``) so a
bad file is reported on its own field, exactly like the console's forms do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from console.api import IdField, QuerySerializer
from console.api_schema import OptionalEmailField, OptionalURLField
from workspaces.auditlog import audit_sentence
from workspaces.authz import GRANTABLE, assignable_roles, role_label
from workspaces.models import (
    AuditEvent,
    HostApp,
    HostAppPlatform,
    Invitation,
    Membership,
    Workspace,
    WorkspaceSettings,
)
from workspaces.serializers import PersonSerializer
from workspaces.services.hostapps import validate_icon
from workspaces.services.invitations import MAX_INVITATIONS_PER_BATCH
from workspaces.services.settings import validate_favicon, validate_logo

ROLE_CHOICES = Membership.Role.choices
ASSIGNABLE_ROLES = [(value, label) for value, label in ROLE_CHOICES if value in assignable_roles()]
INVITATION_STATUSES = ["pending", "expired", "accepted", "withdrawn"]
PLATFORMS = HostAppPlatform.Platform.values


def _run(validator, value):
    """Run a Django validator shared with the forms; report its messages on this field."""
    try:
        validator(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


def _file_url(request, file) -> str | None:
    if not file:
        return None
    url = file.url
    return request.build_absolute_uri(url) if request is not None else url


# --- workspaces ------------------------------------------------------------------------------


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
        return _file_url(self.context.get("request"), row.logo)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_favicon_url(self, row: WorkspaceSettings) -> str | None:
        return _file_url(self.context.get("request"), row.favicon)


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
        return _run(validate_logo, value)

    def validate_favicon(self, value):
        return _run(validate_favicon, value)


# --- members ---------------------------------------------------------------------------------


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


# --- invitations -----------------------------------------------------------------------------


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


# --- host apps -------------------------------------------------------------------------------


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
            "secret_rotated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_icon_url(self, app: HostApp) -> str | None:
        return _file_url(self.context.get("request"), app.icon)

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

    def validate_icon(self, value):
        return _run(validate_icon, value)


class HostAppUpdateSerializer(HostAppCreateSerializer):
    """Only the fields sent change; ``platforms`` is merged key by key (null/"" removes one)."""

    name = serializers.CharField(max_length=60, required=False)
    platforms = PlatformsInputSerializer(required=False)


# --- developer workspaces --------------------------------------------------------------------


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


# --- audit -----------------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField(
        help_text='The event in one sentence, as the console shows it ("Dev Developer uploaded '
        'version 1.2.0 of Acme Mall").'
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_label",
            "verb",
            "summary",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "ip",
            "request_id",
        ]
        read_only_fields = fields

    def get_summary(self, event: AuditEvent) -> str:
        return audit_sentence(event)


class AuditQuerySerializer(QuerySerializer):
    actor = serializers.CharField(
        max_length=254, required=False, allow_blank=True, help_text="Part of the actor's email."
    )
    verb = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Action prefix: 'membership' or 'membership.block'.",
    )
    target = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Part of the target's name."
    )
    since = serializers.DateField(required=False, help_text="From this day (ISO date, UTC).")
    until = serializers.DateField(required=False, help_text="Up to this day, inclusive.")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["Must not be before 'since'."]})
        return attrs


# --- object grants -----------------------------------------------------------------------------


class GrantUserSerializer(PersonSerializer):
    membership_id = serializers.IntegerField(
        allow_null=True, help_text="Their membership here (null if they are no longer a member)."
    )


GRANT_OBJECT_TYPES = ["workspace", "miniprogram"]


class GrantObjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=GRANT_OBJECT_TYPES,
        help_text="What the grant is on: the workspace, or one of its mini programs (an "
        "assigned Developer holds miniprograms.develop_miniprogram on it).",
    )
    id = serializers.IntegerField()
    name = serializers.CharField()
    app_id = serializers.CharField(allow_null=True, help_text="The mini program's App ID.")


class GrantDeleteQuerySerializer(QuerySerializer):
    object_type = serializers.ChoiceField(
        choices=GRANT_OBJECT_TYPES,
        required=False,
        default="workspace",
        help_text="The grant's object.type: grant ids are counted per type of object.",
    )


class GrantSerializer(serializers.Serializer):
    """One capability granted to one person on one object (see GRANTABLE in authz)."""

    id = serializers.IntegerField()
    user = serializers.SerializerMethodField()
    cap = serializers.CharField(help_text="The capability (a Django permission string).")
    description = serializers.CharField()
    effective = serializers.BooleanField(
        help_text="False for a stored capability that can no longer be granted: it gives nothing."
    )
    object = serializers.SerializerMethodField()

    @extend_schema_field(GrantUserSerializer)
    def get_user(self, grant) -> dict[str, Any]:
        return {
            "name": grant.user.name,
            "email": grant.user.email,
            "membership_id": grant.membership_id,
        }

    @extend_schema_field(GrantObjectSerializer)
    def get_object(self, grant) -> dict[str, Any]:
        return {
            "type": grant.object_type,
            "id": grant.object.pk,
            "name": grant.object_repr,
            "app_id": grant.object_app_id,
        }


class GrantCreateSerializer(serializers.Serializer):
    membership_id = IdField(help_text="An active member (see /members).")
    cap = serializers.CharField(
        max_length=100,
        help_text="A capability that may be granted on the workspace: "
        + ", ".join(sorted(c.value for c in GRANTABLE[Workspace]))
        + " (host apps and developer workspaces only in tenant workspaces).",
    )
