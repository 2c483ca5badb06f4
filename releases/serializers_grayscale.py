"""Input and output shapes of the grayscale API (STYLE.md §3: no saving, no permissions).

The rules (name length, times, limit, ranges, target lists by line, percentage only up, the
version's review and the online version) are ``releases.grayscale.services``'; their
``ValidationError`` reaches the client as the error's message or ``error.fields``. Target lists
are typed (one value per line) or uploaded as a .txt file (multipart); nested fields
(``platforms``, ``schedule``) are JSON, or JSON text in a multipart form.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from releases.grayscale.models import NAME_MAX, NETWORKS, GrayscaleTask
from releases.grayscale.selectors import grayscale_schedule_state, grayscale_task_counts
from releases.grayscale.services import LIST_FIELDS
from workspaces.serializers import PersonSerializer

LIST_FILE_MAX = 16 * 1024 * 1024  # 100,000 lines of up to 128 characters, with room to spare


class VersionRangeSerializer(serializers.Serializer):
    min = serializers.CharField(
        required=False, allow_blank=True, default="", help_text='Lowest version; "" open.'
    )
    max = serializers.CharField(
        required=False, allow_blank=True, default="", help_text='Highest version; "" open.'
    )


class GrayscalePlatformsSerializer(serializers.Serializer):
    """The platforms allowed, each with an optional OS version range (absent: not allowed;
    the whole object empty: any platform)."""

    android = VersionRangeSerializer(required=False)
    ios = VersionRangeSerializer(required=False)


class GrayscaleStepSerializer(serializers.Serializer):
    percentage = serializers.DecimalField(max_digits=6, decimal_places=3, coerce_to_string=False)
    hold_hours = serializers.FloatField(help_text="How long this step holds before the next.")


class _JSONText(serializers.Field):
    """A nested value given as JSON, or as JSON text (a multipart form), checked by ``child``."""

    def __init__(self, **kwargs: Any) -> None:
        self.child = self.make_child()
        super().__init__(**kwargs)

    def make_child(self) -> serializers.BaseSerializer:
        raise NotImplementedError

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else None
            except ValueError as exc:
                raise serializers.ValidationError("This is not valid JSON.") from exc
        if data is None:
            return None
        return self.child.run_validation(data)

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(GrayscalePlatformsSerializer)
class PlatformsField(_JSONText):
    def make_child(self) -> serializers.BaseSerializer:
        return GrayscalePlatformsSerializer()


@extend_schema_field(GrayscaleStepSerializer(many=True))
class ScheduleField(_JSONText):
    def make_child(self) -> serializers.BaseSerializer:
        return GrayscaleStepSerializer(many=True)


def _text_file(upload: Any) -> str:
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".txt"):
        raise serializers.ValidationError("Upload a .txt file: one value per line.")
    if upload.size > LIST_FILE_MAX:
        raise serializers.ValidationError("The file is too large for 100,000 lines.")
    raw = b"".join(upload.chunks())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise serializers.ValidationError("The file is not UTF-8 text.") from exc


class GrayscaleCreateSerializer(serializers.Serializer):
    """A new grayscale task (JSON, or a multipart form with the lists as .txt files)."""

    version = serializers.CharField(help_text="The version number, approved on this target.")
    name = serializers.CharField(help_text=f"At most {NAME_MAX} characters.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="After the start, and not earlier than now.")
    max_users = serializers.IntegerField(help_text="The most users the task delivers to.")
    host_app_version_min = serializers.CharField(required=False, allow_blank=True, default="")
    host_app_version_max = serializers.CharField(required=False, allow_blank=True, default="")
    platforms = PlatformsField(
        required=False, allow_null=True, default=None, help_text="Empty: any platform."
    )
    networks = serializers.ListField(
        child=serializers.ChoiceField(choices=NETWORKS), required=False, default=list
    )
    guids = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="One GUID per line.",
    )
    device_ids = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="One device id per line.",
    )
    accounts = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="One user account per line.",
    )
    guids_file = serializers.FileField(required=False, help_text="A .txt list (multipart).")
    device_ids_file = serializers.FileField(required=False, help_text="A .txt list (multipart).")
    accounts_file = serializers.FileField(required=False, help_text="A .txt list (multipart).")
    percentage = serializers.DecimalField(
        max_digits=9,
        decimal_places=3,
        required=False,
        allow_null=True,
        default=None,
        coerce_to_string=False,
        help_text="More than 0, at most 100; empty: no share condition.",
    )
    schedule = ScheduleField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Staged percentages, each held some hours; the task starts at the first.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for field in LIST_FIELDS:
            upload = attrs.pop(f"{field}_file", None)
            if upload is None:
                continue
            try:
                text = _text_file(upload)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({f"{field}_file": exc.detail}) from exc
            typed = attrs.get(field) or ""
            attrs[field] = f"{typed}\n{text}" if typed.strip() else text
        return attrs


class PercentageSerializer(serializers.Serializer):
    percentage = serializers.DecimalField(
        max_digits=9, decimal_places=3, coerce_to_string=False, help_text="Higher than now."
    )


class ReplaceVersionSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="A newer version approved on this target.")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TargetObjectsSerializer(serializers.Serializer):
    guid = serializers.IntegerField()
    device_id = serializers.IntegerField()
    account = serializers.IntegerField()


class GrayscaleTaskSerializer(serializers.ModelSerializer):
    """One grayscale task, with its progress (users delivered / limit)."""

    state = serializers.ChoiceField(choices=GrayscaleTask.State.choices)
    end_reason = serializers.CharField(help_text='Why it ended; "" while unfinished.')
    version = serializers.CharField(source="version.number", help_text="The version number.")
    target_id = serializers.IntegerField()
    percentage = serializers.DecimalField(
        max_digits=6, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    host_app_version = serializers.SerializerMethodField()
    platforms = serializers.SerializerMethodField()
    schedule = serializers.SerializerMethodField()
    reached_full = serializers.BooleanField(
        help_text="At 100 %: every matching user may enter; publish the full release."
    )
    target_objects = serializers.SerializerMethodField(help_text="How many of each kind.")
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = GrayscaleTask
        fields = [
            "id",
            "name",
            "state",
            "end_reason",
            "version",
            "target_id",
            "starts_at",
            "ends_at",
            "max_users",
            "admitted_users",
            "host_app_version",
            "platforms",
            "networks",
            "target_objects",
            "percentage",
            "schedule",
            "schedule_step",
            "schedule_paused",
            "reached_full",
            "created_by",
            "created_at",
            "ended_at",
        ]
        read_only_fields = fields

    @extend_schema_field(VersionRangeSerializer)
    def get_host_app_version(self, task: GrayscaleTask) -> dict[str, str]:
        return {"min": task.host_app_version_min, "max": task.host_app_version_max}

    @extend_schema_field(GrayscalePlatformsSerializer)
    def get_platforms(self, task: GrayscaleTask) -> dict[str, dict[str, str]]:
        return {name: {"min": lo, "max": hi} for name, (lo, hi) in task.platforms.items()}

    @extend_schema_field(GrayscaleStepSerializer(many=True))
    def get_schedule(self, task: GrayscaleTask) -> list[dict[str, Any]]:
        return [{"percentage": float(p), "hold_hours": float(h)} for p, h in task.schedule]

    @extend_schema_field(TargetObjectsSerializer)
    def get_target_objects(self, task: GrayscaleTask) -> dict[str, int]:
        return grayscale_task_counts(task)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_created_by(self, task: GrayscaleTask) -> dict[str, str] | None:
        return PersonSerializer(task.created_by).data if task.created_by is not None else None


class GrayscaleTargetSerializer(serializers.Serializer):
    """The release target a task belongs to."""

    id = serializers.IntegerField()
    host_app = serializers.SerializerMethodField()
    environment = serializers.CharField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            "required": ["id", "name"],
        }
    )
    def get_host_app(self, target: Any) -> dict[str, Any]:
        return {"id": target.host_app_id, "name": target.host_app.name}


class GrayscaleProgressSerializer(serializers.Serializer):
    admitted_users = serializers.IntegerField(help_text="Users delivered (admitted so far).")
    max_users = serializers.IntegerField(help_text="The limit.")
    percent = serializers.FloatField(help_text="admitted_users / max_users, from 0 to 100.")


class GrayscaleScheduleStateSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="The step in force, from 0.")
    steps = serializers.IntegerField()
    paused = serializers.BooleanField()
    step_started_at = serializers.DateTimeField(allow_null=True)
    next_percentage = serializers.FloatField(
        allow_null=True, help_text="The next step's percentage; null at the last step."
    )
    next_step_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the beat moves to the next step; null when paused, at the last step or "
        "not delivering.",
    )


class GrayscaleHistorySerializer(serializers.Serializer):
    """One audit record of the task: its creation, a state change or an action."""

    at = serializers.DateTimeField(source="created_at")
    action = serializers.CharField(
        source="verb",
        help_text="grayscale.create, grayscale.<state> (pending, delivering, suspended, ended), "
        "grayscale.percentage, grayscale.replace_version, grayscale.advance, "
        "grayscale.schedule_pause, grayscale.schedule_resume.",
    )
    state = serializers.SerializerMethodField(help_text="The task's state after it.")
    version = serializers.SerializerMethodField(help_text="The task's version after it.")
    percentage = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField(help_text="Null: MPP itself (the beat, a publish).")

    def _after(self, event: Any) -> dict[str, Any]:
        return event.after if isinstance(event.after, dict) else {}

    def get_state(self, event: Any) -> str:
        return str(self._after(event).get("state", ""))

    def get_version(self, event: Any) -> str:
        return str(self._after(event).get("version", ""))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_percentage(self, event: Any) -> str | None:
        value = self._after(event).get("percentage")
        return str(value) if value is not None else None

    def get_note(self, event: Any) -> str:
        return str(self._after(event).get("note", ""))

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_actor(self, event: Any) -> dict[str, str] | None:
        return PersonSerializer(event.actor).data if event.actor is not None else None


class GrayscaleTaskDetailSerializer(GrayscaleTaskSerializer):
    """One task in full: its target, progress, where its schedule stands and its history
    (``context["history"]``: the audit records, oldest first)."""

    target = GrayscaleTargetSerializer()
    progress = serializers.SerializerMethodField()
    schedule_state = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(GrayscaleTaskSerializer.Meta):
        fields = [
            *GrayscaleTaskSerializer.Meta.fields,
            "target",
            "progress",
            "schedule_state",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(GrayscaleProgressSerializer)
    def get_progress(self, task: GrayscaleTask) -> dict[str, Any]:
        limit = task.max_users
        percent = min(100.0, 100.0 * task.admitted_users / limit) if limit else 0.0
        return {"admitted_users": task.admitted_users, "max_users": limit, "percent": percent}

    @extend_schema_field(GrayscaleScheduleStateSerializer(allow_null=True))
    def get_schedule_state(self, task: GrayscaleTask) -> dict[str, Any] | None:
        state = grayscale_schedule_state(task)
        return GrayscaleScheduleStateSerializer(state).data if state is not None else None

    @extend_schema_field(GrayscaleHistorySerializer(many=True))
    def get_history(self, task: GrayscaleTask) -> list[dict[str, Any]]:
        rows = self.context.get("history") or []
        return list(GrayscaleHistorySerializer(rows, many=True).data)
