"""A grayscale task's guardrails (issue 15, SPEC §12): settings and the latest verdict.

Imported by ``analytics.models``. A task without a row is watched with the defaults; the row is
made on the first check or edit.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Guardrail"]

DEFAULT_MARGIN = Decimal("1.00")  # percentage points
DEFAULT_MIN_SAMPLES = 100  # per side and metric


class Guardrail(models.Model):
    task = models.OneToOneField(
        "releases.GrayscaleTask", on_delete=models.CASCADE, related_name="guardrail"
    )
    enabled = models.BooleanField(default=True)
    margin_points = models.DecimalField(
        max_digits=5, decimal_places=2, default=DEFAULT_MARGIN
    )  # how much worse (percentage points) the cohort may be before it counts
    min_samples = models.PositiveIntegerField(default=DEFAULT_MIN_SAMPLES)
    checked_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(default=list, blank=True)  # the last check, per metric
    holding = models.BooleanField(default=True)  # the last check found no metric worse
    tripped_at = models.DateTimeField(null=True, blank=True)
    tripped_metric = models.CharField(max_length=32, blank=True)
    tripped_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("guardrail")

    def __str__(self) -> str:
        return f"guardrail of task {self.task_id}"
