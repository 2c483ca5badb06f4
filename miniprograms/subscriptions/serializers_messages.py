"""API shapes of a mini program's sent messages: the delivery log, one message, the daily
numbers per template."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import QuerySerializer
from miniprograms.subscriptions.models import Message
from miniprograms.subscriptions.selectors_messages import (
    SEARCH_MAX,
    STATS_DAYS,
    STATS_DAYS_MAX,
)


class MessageQuerySerializer(QuerySerializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX,
        help_text="A whole message id, open user id (or, on your own host apps' messages, the "
        "host app's user id) or template id.",
    )
    state = serializers.ChoiceField(choices=Message.State.values, required=False)
    template_id = serializers.CharField(required=False, allow_blank=True, max_length=43)
    since = serializers.DateField(required=False, help_text="Sent on or after this UTC day.")
    until = serializers.DateField(required=False, help_text="Sent on or before this UTC day.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["Must not be before 'since'."]})
        return attrs


class MessageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True, help_text="The message id.")
    host_app = serializers.SerializerMethodField()
    user_id = serializers.SerializerMethodField(
        help_text="The host app's own user id: only on messages of your own host apps (null "
        "otherwise)."
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "template_id",
            "title",
            "kind",
            "open_user_id",
            "user_id",
            "host_app",
            "state",
            "attempts",
            "last_status_code",
            "last_error",
            "last_duration_ms",
            "last_attempt_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        }
    )
    def get_host_app(self, message: Message) -> dict[str, Any]:
        return {"id": message.host_app_id, "name": message.host_app.name}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_user_id(self, message: Message) -> str | None:
        viewer = self.context.get("viewer_workspace_id")
        return message.user_id if message.host_app.workspace_id == viewer else None


class MessageDetailSerializer(MessageSerializer):
    data = serializers.SerializerMethodField(help_text="The keywords and values sent, in order.")

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "data", "page", "next_attempt_at"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"keyword": {"type": "string"}, "value": {"type": "string"}},
            },
        }
    )
    def get_data(self, message: Message) -> list[dict[str, str]]:
        return [{"keyword": k, "value": v} for k, v in message.data]


class MessageStatsQuerySerializer(QuerySerializer):
    days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=STATS_DAYS_MAX,
        default=STATS_DAYS,
        help_text=f"UTC days up to today, today included (1–{STATS_DAYS_MAX}).",
    )


class DayCountSerializer(serializers.Serializer):
    day = serializers.DateField()
    sends = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Queued or being sent.")


class TemplateStatsSerializer(serializers.Serializer):
    template_id = serializers.CharField(source="my_template.template_id")
    title = serializers.CharField(source="my_template.public_template.title")
    sends = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    days = DayCountSerializer(many=True, help_text="Oldest first; every day, zeros included.")
