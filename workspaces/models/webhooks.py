"""Webhooks: a workspace's HTTPS endpoints and the deliveries made to them (SPEC §11).

An endpoint chooses events (codes of ``workspaces.services.webhooks.WEBHOOK_EVENTS``); every
event emitted for its workspace becomes one :class:`WebhookDelivery` row, written in the
transaction that made it happen and sent by the worker through the outbox. The signing secret
is never stored: it is derived from ``secret_salt`` and the server pepper
(``services.webhooks.webhook_secret``), so the table alone cannot sign. Rows change only through
``workspaces/services/webhooks.py``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    """An address of a workspace's own server, told about the events it chose."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Event codes, each a key of WEBHOOK_EVENTS (checked by the services, not here: the apps
    # above may register more).
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # Random; the secret is HMAC(pepper, salt). A new salt is a new secret.
    secret_salt = models.CharField(max_length=64)
    secret_rotated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workspace", "is_active"], name="webhook_workspace_active")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with the outcome of its last attempt."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    # Public: the X-MPP-Delivery header, the same on every attempt (receivers dedupe by it).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64)
    # The JSON body sent: {"id", "event", "created_at", "workspace", "data"}.
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "delivered", "failed"]),
                name="webhookdelivery_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_at__isnull=False),
                name="webhookdelivery_delivered_has_time",
            ),
        ]
        indexes = [
            # The delivery log of an endpoint, newest first; its latest for the endpoint list.
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhookdelivery_log"),
            # The sweep: stale pending rows and rows past their keeping time.
            models.Index(fields=["state", "created_at"], name="webhookdelivery_sweep"),
            models.Index(fields=["created_at"], name="webhookdelivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.state})"
