"""Shell-level tables: the outbox of side effects queued after a commit (console/outbox.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One side effect (an email, a file clean-up) to run after the transaction that wrote it
    committed, until it succeeds once. See ``console.outbox`` for the life of a row."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task = models.CharField(max_length=100)  # a registered handler's name, "<app>.<verb>"
    kwargs = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "running", "done", "failed"]),
                name="outboxmessage_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(lease_expires_at__isnull=False),
                name="outboxmessage_running_has_lease",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outboxmessage_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.state})"
