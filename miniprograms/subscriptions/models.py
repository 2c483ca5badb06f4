"""Models: subscriptions (imported by ``miniprograms.models``; refer to other models by string).

:class:`PublicTemplate` is one template of a tenant's public library (title, category, one-time
or long-term, its keyword list); :class:`MyTemplate` is a mini program's choice of 1–5 of those
keywords, in order, with its own public ``template_id``. ``keyword_set`` (the chosen keywords,
sorted, joined) lets the database refuse the same public template twice with the same set.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

__all__ = ["Message", "MessageEndpoint", "MyTemplate", "PublicTemplate", "Subscription"]


class PublicTemplate(models.Model):
    """One template of a tenant's public library. Retired templates stay (My Templates made
    from them keep working) but can no longer be chosen."""

    class Kind(models.TextChoices):
        ONE_TIME = "one_time", _("One-time")
        LONG_TERM = "long_term", _("Long-term")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="public_templates"
    )
    title = models.CharField(max_length=40)
    category = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    keywords = models.JSONField(default=list)  # list[str], 5–15 distinct names
    is_retired = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "title", "id"]
        verbose_name = "public message template"
        constraints = [
            models.UniqueConstraint(Lower("title"), "workspace", name="public_template_title"),
            models.CheckConstraint(
                condition=Q(kind__in=["one_time", "long_term"]), name="public_template_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_long_term(self) -> bool:
        return self.kind == self.Kind.LONG_TERM


class MyTemplate(models.Model):
    """A mini program's message template: chosen keywords of a public template, in order."""

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="my_templates"
    )
    public_template = models.ForeignKey(
        PublicTemplate, on_delete=models.CASCADE, related_name="my_templates"
    )
    template_id = models.CharField(max_length=43, unique=True)  # random, public
    keywords = models.JSONField(default=list)  # list[str], 1–5, ordered, distinct
    keyword_set = models.CharField(max_length=1000)  # sorted keywords joined by "\x1f"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "my message template"
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "public_template", "keyword_set"],
                name="my_template_keyword_set_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.template_id


class MessageEndpoint(models.Model):
    """Where a host app receives its users' subscription messages: an HTTPS URL of the tenant's
    server, called with an HMAC-signed body. The signing secret is never stored: it is derived
    from ``secret_salt`` and the server pepper (as the webhooks' secrets), shown once."""

    host_app = models.OneToOneField(
        "workspaces.HostApp", on_delete=models.CASCADE, related_name="message_endpoint"
    )
    url = models.CharField(max_length=500)
    is_active = models.BooleanField(default=True)
    secret_salt = models.CharField(max_length=64)
    secret_rotated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "message endpoint"

    def __str__(self) -> str:
        return self.url


class Subscription(models.Model):
    """A user's answer to one My Template in one host app (the SDK's subscribe call).

    One-time: every accept adds a sending ``credit``; a send uses one. Long-term: accepted until
    the user withdraws (a later reject); a send counts against ``day_count`` of ``day`` (UTC).
    ``open_user_id`` is the mini program's id of the user (what the merchant sends to);
    ``user_id`` the host app's own (what the host app's endpoint is told)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    my_template = models.ForeignKey(
        MyTemplate, on_delete=models.CASCADE, related_name="subscriptions"
    )
    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="+"
    )
    host_app = models.ForeignKey("workspaces.HostApp", on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=128)
    open_user_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=PublicTemplate.Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    credits = models.PositiveIntegerField(default=0)
    day = models.DateField(null=True, blank=True)
    day_count = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["my_template", "open_user_id"], name="subscription_user_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["accepted", "rejected"]), name="subscription_status"
            ),
            models.CheckConstraint(condition=Q(day_count__lte=5), name="subscription_day_cap"),
        ]
        indexes = [
            models.Index(fields=["miniprogram", "open_user_id"], name="subscription_user"),
        ]

    def __str__(self) -> str:
        return f"{self.my_template_id}/{self.open_user_id} ({self.status})"


class Message(models.Model):
    """One subscription message a merchant's backend sent, and its delivery to the host app's
    endpoint (the delivery log). States change only through ``messages.py``'s services."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the public id
    # No index of their own: message_log and message_template_day lead with them (every index is
    # written again by each of a message's three versions: queued, sending, delivered).
    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    my_template = models.ForeignKey(
        MyTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    host_app = models.ForeignKey("workspaces.HostApp", on_delete=models.CASCADE, related_name="+")
    template_id = models.CharField(max_length=43)
    title = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=PublicTemplate.Kind.choices)
    open_user_id = models.CharField(max_length=64)
    user_id = models.CharField(max_length=128)
    data = models.JSONField(default=list)  # [[keyword, value], …] in the template's order
    page = models.CharField(max_length=256, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "sending", "delivered", "failed"]),
                name="message_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_at__isnull=False),
                name="message_delivered_has_time",
            ),
            # A retried send with the same Idempotency-Key finds the first one.
            models.UniqueConstraint(
                fields=["miniprogram", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="message_idempotency_key",
            ),
        ]
        indexes = [
            # The delivery worker's claim, one index per arm (each read in order with a LIMIT:
            # no bitmap of every version a busy table holds until its next vacuum): queued
            # messages by due time, sent ones by the end of their lease (their worker died).
            # Only rows still to deliver: a message's final version is written into neither.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="message_queued",
                condition=Q(state="queued"),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="message_leased",
                condition=Q(state="sending"),
            ),
            # The delivery log of a mini program, newest first; per template for the stats.
            models.Index(fields=["miniprogram", "-created_at", "-id"], name="message_log"),
            models.Index(fields=["my_template", "created_at"], name="message_template_day"),
            models.Index(fields=["created_at"], name="message_created"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} to {self.open_user_id} ({self.state})"
