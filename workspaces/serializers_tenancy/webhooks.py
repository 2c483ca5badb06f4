"""Shapes of webhook endpoints (with their secret only once) and their deliveries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workspaces.models import WebhookDelivery, WebhookEndpoint
from workspaces.services.webhooks import DESCRIPTION_MAX_LENGTH, webhook_event_codes
from workspaces.webhook_transport import URL_MAX_LENGTH


class EventField(serializers.ChoiceField):
    """An event code: the choices are read when a serializer is made, not when this module is
    imported, so events other apps register (``webhook_event_register``) are never missed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=webhook_event_codes(), **kwargs)


STATE_CHOICES = WebhookDelivery.State.choices


class WebhookLastDeliverySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATE_CHOICES)
    status_code = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint. The signing secret is never part of it (only of create and rotate answers)."""

    events = serializers.ListField(child=EventField())
    last_delivery = serializers.SerializerMethodField(
        help_text="The newest delivery's state, answer code and time; null before the first."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "last_delivery",
            "secret_rotated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(WebhookLastDeliverySerializer(allow_null=True))
    def get_last_delivery(self, endpoint: WebhookEndpoint) -> dict | None:
        state = getattr(endpoint, "last_delivery_state", None)
        if state is None:
            return None
        return {
            "state": state,
            "status_code": getattr(endpoint, "last_delivery_status_code", None),
            "created_at": serializers.DateTimeField().to_representation(
                getattr(endpoint, "last_delivery_at", None)
            ),
        }


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """Answer of create and rotate-secret: the only time the signing secret is shown."""

    secret = serializers.SerializerMethodField(
        help_text="The signing secret (HMAC-SHA256 key of X-MPP-Signature). Shown once: store it "
        "now; it cannot be read again."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return self.context["secret"]


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=URL_MAX_LENGTH,
        help_text="An https:// URL whose host resolves to public addresses only.",
    )
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    events = serializers.ListField(
        child=EventField(),
        min_length=1,
        help_text="At least one event code.",
    )
    is_active = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateSerializer(WebhookEndpointCreateSerializer):
    """Only the fields sent change; the secret never does (see rotate-secret)."""

    url = serializers.CharField(max_length=URL_MAX_LENGTH, required=False)
    events = serializers.ListField(child=EventField(), min_length=1, required=False)
    is_active = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One delivery of the log, without its payload (see the delivery's own endpoint)."""

    state = serializers.ChoiceField(choices=STATE_CHOICES)
    delivery_id = serializers.UUIDField(
        source="uid", help_text="Sent as X-MPP-Delivery, the same on every attempt."
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "delivery_id",
            "event",
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


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    """A delivery with the JSON body it sends."""

    payload = serializers.JSONField(
        help_text='{"id", "event", "created_at", "workspace", "data"}: the body of the POST.'
    )

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload"]
        read_only_fields = fields
