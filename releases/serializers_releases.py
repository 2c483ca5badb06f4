"""Input and output shapes of the releases API (STYLE.md §3: no saving, no permissions).

The rules (a ready version, host apps the mini program is released to, one release in progress
per target, notes length, two rollbacks in a row) are ``releases.release.services``'; their
``ValidationError`` reaches the client as the error's message or ``error.fields``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import IdField
from releases.models import Release, ReleaseTarget
from releases.release.services import NOTES_MAX
from workspaces.serializers import PersonSerializer


def _person(user: Any) -> dict[str, str] | None:
    return PersonSerializer(user).data if user is not None else None


class HostAppRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReleaseSerializer(serializers.ModelSerializer):
    """One release: a version submitted to one target (host app × environment)."""

    state = serializers.ChoiceField(choices=Release.State.choices)
    kind = serializers.ChoiceField(choices=Release.Kind.choices)
    version = serializers.CharField(source="version.number", help_text="The version number.")
    target_id = serializers.IntegerField()
    replaces_id = serializers.IntegerField(
        allow_null=True, help_text="The release this one took over from when it went online."
    )
    approval_request_id = serializers.IntegerField(
        source="approval_id",
        allow_null=True,
        help_text="The tenant's review (production only), in the approvals API.",
    )
    submitted_by = serializers.SerializerMethodField()
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = [
            "id",
            "state",
            "kind",
            "version",
            "target_id",
            "notes",
            "replaces_id",
            "approval_request_id",
            "submitted_by",
            "published_by",
            "created_at",
            "published_at",
            "archived_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_submitted_by(self, release: Release) -> dict[str, str] | None:
        return _person(release.submitted_by)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_published_by(self, release: Release) -> dict[str, str] | None:
        return _person(release.published_by)


class TargetSerializer(serializers.ModelSerializer):
    """A release target with what is online there and what is in progress."""

    host_app = HostAppRefSerializer()
    environment = serializers.ChoiceField(choices=ReleaseTarget.Environment.choices)
    online = serializers.SerializerMethodField(help_text="The released release, or null.")
    open_release = serializers.SerializerMethodField(
        help_text="The release under review or approved, or null."
    )

    class Meta:
        model = ReleaseTarget
        fields = ["id", "host_app", "environment", "online", "open_release"]
        read_only_fields = fields

    @extend_schema_field(ReleaseSerializer(allow_null=True))
    def get_online(self, target: ReleaseTarget) -> dict[str, Any] | None:
        release = getattr(target, "online", None)
        return _release(release, self.context)

    @extend_schema_field(ReleaseSerializer(allow_null=True))
    def get_open_release(self, target: ReleaseTarget) -> dict[str, Any] | None:
        release = getattr(target, "open_release", None)
        return _release(release, self.context)


def _release(release: Release | None, context: dict[str, Any]) -> dict[str, Any] | None:
    return ReleaseSerializer(release, context=context).data if release is not None else None


class ReleaseSubmitSerializer(serializers.Serializer):
    host_app_ids = serializers.ListField(
        child=IdField(),
        max_length=100,
        help_text="Host apps this mini program is released to (see its host apps).",
    )
    environment = serializers.ChoiceField(choices=ReleaseTarget.Environment.choices)
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {NOTES_MAX} characters.",
    )


class RollbackSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Why; at most {NOTES_MAX} characters.",
    )
