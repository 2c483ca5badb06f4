"""Shapes of a host app's message endpoint (its secret only in set-up and rotation answers) and
of a test message's outcome."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from miniprograms.subscriptions.models import MessageEndpoint
from workspaces.webhook_transport import URL_MAX_LENGTH


class MessageEndpointSerializer(serializers.ModelSerializer):
    """An endpoint. The signing secret is never part of it."""

    host_app_id = serializers.IntegerField(source="host_app.pk")

    class Meta:
        model = MessageEndpoint
        fields = [
            "host_app_id",
            "url",
            "is_active",
            "secret_rotated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MessageEndpointWithSecretSerializer(MessageEndpointSerializer):
    """Answer of a set-up and of rotate-secret: the only time the signing secret is shown."""

    secret = serializers.SerializerMethodField(
        help_text="The signing secret (HMAC-SHA256 key of X-MPP-Signature). Shown once: store it "
        "now; it cannot be read again."
    )

    class Meta(MessageEndpointSerializer.Meta):
        fields = [*MessageEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_secret(self, endpoint: MessageEndpoint) -> str:
        return self.context["secret"]


class MessageEndpointPutSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=URL_MAX_LENGTH,
        help_text="An https:// URL whose host resolves to public addresses only.",
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text="Turn the endpoint on or off; left out, it keeps its state (a new one is on).",
    )


class EndpointTestOutcomeSerializer(serializers.Serializer):
    message_id = serializers.CharField(help_text="Sent as X-MPP-Message-Id and as the body's id.")
    url = serializers.CharField()
    delivered = serializers.BooleanField(source="ok", help_text="A 2xx answer came back.")
    status_code = serializers.IntegerField(
        allow_null=True, help_text="The answer's HTTP status; null without an answer."
    )
    duration_ms = serializers.IntegerField(
        allow_null=True, help_text="How long the POST took; null when it was not sent."
    )
    error = serializers.CharField(
        allow_blank=True, help_text="Why it was not delivered (empty on a 2xx)."
    )
