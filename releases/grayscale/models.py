"""Grayscale tasks (SPEC §6): a gradual release of one approved version on one release target.

A task's state changes only through ``releases.grayscale.services.grayscale_transition`` (the
table is ``releases/transitions.py``). Target objects (GUIDs, device ids, user accounts) are
kept as one text row per kind, a value per line — a 100,000-line upload is one row, not 100,000.
The cohort (users admitted under ``max_users``) is one :class:`GrayscaleAdmission` row per user;
``admitted_users`` counts them (updated with each admission), so a list shows progress without
counting rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["GrayscaleAdmission", "GrayscaleTargetList", "GrayscaleTask"]

NAME_MAX = 20
PLATFORMS = ("android", "ios")
NETWORKS = ("wifi", "5g", "4g", "3g", "2g", "unknown")


class GrayscaleTask(models.Model):
    """One grayscale task of a release target (see the module doc)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERING = "delivering", _("Delivering")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    class EndReason(models.TextChoices):
        MANUAL = "manual", _("Ended by a member")
        END_TIME = "end_time", _("End time reached")
        USER_LIMIT = "user_limit", _("User limit reached")
        PUBLISHED = "published", _("A full release replaced it")
        OFFLINE = "offline", _("Taken offline")

    UNFINISHED = (State.PENDING, State.DELIVERING, State.SUSPENDED)

    target = models.ForeignKey(
        "releases.ReleaseTarget", on_delete=models.CASCADE, related_name="grayscale_tasks"
    )
    # RESTRICT: a version in a grayscale task cannot be deleted alone (the mini program can).
    version = models.ForeignKey(
        "releases.Version", on_delete=models.RESTRICT, related_name="grayscale_tasks"
    )
    name = models.CharField(max_length=NAME_MAX)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    max_users = models.PositiveIntegerField()
    admitted_users = models.PositiveIntegerField(default=0)
    # Conditions (all must match). The target has one host app: one app-version range ("" open).
    host_app_version_min = models.CharField(max_length=32, blank=True)
    host_app_version_max = models.CharField(max_length=32, blank=True)
    # {"android": ["min", "max"], "ios": [...]}: the platforms allowed, each with an OS range.
    platforms = models.JSONField(default=dict, blank=True)
    networks = models.JSONField(default=list, blank=True)  # empty: any network
    # The share of users (by a sticky bucket of task × user) that may enter; null: no condition.
    percentage = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    # The staged schedule: [[percentage, hold hours], ...]; ``schedule_step`` indexes the step
    # in force (null: no schedule); it advances by beat once the step was held long enough.
    schedule = models.JSONField(default=list, blank=True)
    schedule_step = models.PositiveSmallIntegerField(null=True, blank=True)
    schedule_paused = models.BooleanField(default=False)
    step_started_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "releases"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "delivering", "suspended", "ended"]),
                name="grayscaletask_state_valid",
            ),
            models.CheckConstraint(condition=Q(max_users__gt=0), name="grayscaletask_max_users"),
            models.CheckConstraint(
                condition=Q(percentage__isnull=True)
                | (Q(percentage__gt=0) & Q(percentage__lte=100)),
                name="grayscaletask_percentage_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("created_at")), name="grayscaletask_ends_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(admitted_users__lte=F("max_users")),
                name="grayscaletask_admitted_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(state="ended") | Q(end_reason=""), name="grayscaletask_end_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["target", "-created_at"], name="grayscale_target_created"),
            models.Index(fields=["state", "starts_at"], name="grayscale_state_starts"),
        ]

    def __str__(self) -> str:
        return f"grayscale task {self.pk} ({self.name}, {self.state})"

    @property
    def is_unfinished(self) -> bool:
        return self.state in self.UNFINISHED

    @property
    def percentage_value(self) -> float | None:
        return float(self.percentage) if self.percentage is not None else None

    @property
    def reached_full(self) -> bool:
        """100 %: every matching user may enter; the console offers the full release."""
        return self.percentage is not None and self.percentage >= Decimal(100)

    @property
    def state_tone(self) -> str:
        tones: dict[str, str] = {
            self.State.PENDING: "neutral",
            self.State.DELIVERING: "blue",
            self.State.SUSPENDED: "amber",
            self.State.ENDED: "neutral",
        }
        return tones.get(self.state, "neutral")


class GrayscaleTargetList(models.Model):
    """The target objects of one kind of a task: one value per line (see the module doc)."""

    class Kind(models.TextChoices):
        GUID = "guid", _("GUID")
        DEVICE_ID = "device_id", _("Device id")
        ACCOUNT = "account", _("User account")

    task = models.ForeignKey(GrayscaleTask, on_delete=models.CASCADE, related_name="target_lists")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    values = models.TextField()
    count = models.PositiveIntegerField()

    class Meta:
        app_label = "releases"
        ordering = ["task", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="grayscaletargetlist_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["guid", "device_id", "account"]),
                name="grayscaletargetlist_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.kind} of task {self.task_id}"

    def value_set(self) -> frozenset[str]:
        return frozenset(v for v in self.values.split("\n") if v)


class GrayscaleAdmission(models.Model):
    """One user admitted into a task's cohort (the unique constraint: once per user)."""

    task = models.ForeignKey(GrayscaleTask, on_delete=models.CASCADE, related_name="admissions")
    user_key = models.CharField(max_length=128)
    admitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "releases"
        ordering = ["task", "admitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "user_key"], name="grayscaleadmission_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_key} in task {self.task_id}"
