"""Guardrails of grayscale tasks (issue 15, SPEC §12): watch each delivering task's cohort and
suspend the task by itself when the cohort does worse than the online version.

* :func:`guardrails_check` — the beat's pass (every 5 minutes): for every delivering task with
  its guardrails on, count the window's events per version (``evaluate.cohort_counts``), compare
  each metric (``evaluate.compare``: the test and its reasons are in that module), record the
  verdict, and when a metric is **worse** suspend the task through the grayscale state door
  (audited with the numbers, the ``grayscale.suspended`` webhook and an email to the team). A
  member resumes or ends it; after a resume the window starts at the resume, so the events that
  tripped it are not judged twice.
* :func:`advance_hold` — registered with ``releases.grayscale.extensions``: a staged schedule
  advances only while no metric is worse right now (too few samples is no reason to hold: a
  quiet mini program would never advance).
* :func:`guardrail_update` — an Owner or Admin switches them off or on, or changes the margin
  and the samples needed (audited).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.guardrails.evaluate import WINDOW, Comparison, cohort_counts, evaluate
from analytics.guardrails.models import DEFAULT_MARGIN, DEFAULT_MIN_SAMPLES, Guardrail
from miniprograms.models import MiniProgram
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.selectors import grayscale_task_get
from releases.grayscale.services.state import (
    grayscale_transition,
    task_audit,
    task_locked,
    task_snapshot,
)
from releases.release.selectors import release_online_get, release_target_get
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership

logger = logging.getLogger(__name__)

State = GrayscaleTask.State
MARGIN_MAX = Decimal("50")
MIN_SAMPLES_RANGE = (30, 1_000_000)


@dataclass(frozen=True)
class Verdict:
    """One look at a task: the comparisons, or why there are none (``note``)."""

    comparisons: list[Comparison]
    note: str = ""

    @property
    def worse(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.verdict == "worse"]


def guardrail_task_get(
    *, miniprogram: MiniProgram, target_id: int, task_id: int
) -> GrayscaleTask | None:
    """The grayscale task ``task_id`` of the release target ``target_id`` of ``miniprogram``
    (the console's and the API's one lookup; ``None`` for another's)."""
    target = release_target_get(miniprogram=miniprogram, target_id=target_id)
    return grayscale_task_get(target=target, task_id=task_id) if target is not None else None


def guardrail_settings(task: GrayscaleTask) -> Guardrail:
    """The task's guardrail row, or an unsaved one with the defaults."""
    try:
        return task.guardrail
    except Guardrail.DoesNotExist:
        return Guardrail(task=task)


def _window_start(guardrail: Guardrail, task: GrayscaleTask, now: datetime) -> datetime:
    since = now - WINDOW
    resumed = guardrail.tripped_at  # the trip's events stay behind a resume
    return max(since, resumed) if resumed is not None else since


def look(task: GrayscaleTask, *, now: datetime, guardrail: Guardrail | None = None) -> Verdict:
    """Compare ``task``'s cohort with the online version over the window ending ``now``."""
    guardrail = guardrail or guardrail_settings(task)
    target = task.target
    online = release_online_get(target=target)
    if online is None:
        return Verdict([], "Nothing is online here to compare the cohort with.")
    if online.version_id == task.version_id:
        return Verdict([], "The task's version is the online one.")
    cohort_version, online_version = task.version.number, online.version.number
    counts = cohort_counts(
        app_id=target.miniprogram.app_id,
        host_app_id=target.host_app_id,
        environment=target.environment,
        versions=(cohort_version, online_version),
        since=_window_start(guardrail, task, now),
        until=now,
    )
    comparisons = evaluate(
        counts,
        cohort_version=cohort_version,
        online_version=online_version,
        margin=guardrail.margin_points,
        min_samples=guardrail.min_samples,
    )
    return Verdict(comparisons)


def _trip_note(worse: list[Comparison]) -> str:
    return "Guardrails: the cohort does worse than the online version. " + " ".join(
        c.sentence() for c in worse
    )


def _check_one(task_id: int, now: datetime) -> bool:
    """Look at one task and suspend it when a metric is worse; True when it was suspended."""
    task = GrayscaleTask.objects.select_related(
        "target__miniprogram", "target__host_app", "version"
    ).get(pk=task_id)
    guardrail = guardrail_settings(task)
    if not guardrail.enabled:
        return False
    verdict = look(task, now=now, guardrail=guardrail)
    with transaction.atomic():
        task = task_locked(task_id)
        guardrail = Guardrail.objects.select_for_update().filter(task_id=task_id).first() or (
            Guardrail(task=task)
        )
        guardrail.checked_at = now
        guardrail.results = [c.as_json() for c in verdict.comparisons]
        guardrail.holding = not verdict.worse
        tripped = bool(verdict.worse) and task.state == State.DELIVERING
        if tripped:
            note = _trip_note(verdict.worse)
            guardrail.tripped_at = now
            guardrail.tripped_metric = verdict.worse[0].metric
            guardrail.tripped_note = note
            grayscale_transition(
                actor=None, task_id=task_id, to=State.SUSPENDED, note=note, now=now
            )
        guardrail.save()
    if tripped:
        logger.info("guardrails suspended grayscale task %s: %s", task_id, guardrail.tripped_note)
    return tripped


def guardrails_check(*, now: datetime | None = None) -> dict[str, int]:
    """The beat's pass over every delivering task (see the module doc). Returns the counts."""
    now = now or timezone.now()
    counts = {"checked": 0, "suspended": 0}
    delivering = GrayscaleTask.objects.filter(state=State.DELIVERING).exclude(
        guardrail__enabled=False
    )
    for task_id in delivering.values_list("pk", flat=True).order_by("pk"):
        counts["checked"] += 1
        counts["suspended"] += _check_one(task_id, now)
    return counts


def advance_hold(task: GrayscaleTask, now: datetime) -> str | None:
    """``releases.grayscale.extensions`` advance check: a reason to stay on this step while a
    metric is worse right now, else ``None``."""
    guardrail = guardrail_settings(task)
    if not guardrail.enabled:
        return None
    worse = look(task, now=now, guardrail=guardrail).worse
    return _trip_note(worse) if worse else None


# --- settings -----------------------------------------------------------------------------------


def _clean(margin: Any, min_samples: Any) -> tuple[Decimal, int]:
    errors: dict[str, list[str]] = {}
    try:
        margin_value = Decimal(str(margin).strip())
        if not margin_value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        margin_value = DEFAULT_MARGIN
        errors["margin_points"] = ["Give the margin as a number of percentage points, e.g. 1."]
    else:
        if margin_value < 0 or margin_value > MARGIN_MAX:
            errors["margin_points"] = [f"Give a margin from 0 to {MARGIN_MAX} percentage points."]
        margin_value = margin_value.quantize(Decimal("0.01"))
    low, high = MIN_SAMPLES_RANGE
    try:
        samples = int(str(min_samples).strip())
    except ValueError:
        samples = DEFAULT_MIN_SAMPLES
        errors["min_samples"] = [f"Give a whole number from {low} to {high:,}."]
    else:
        if not low <= samples <= high:
            errors["min_samples"] = [
                f"Give a whole number from {low} to {high:,}: below {low} samples the test "
                "says nothing."
            ]
    if errors:
        raise ValidationError(errors)
    return margin_value, samples


@transaction.atomic
def guardrail_update(
    *, actor: Membership, task: GrayscaleTask, enabled: bool, margin_points: Any, min_samples: Any
) -> Guardrail:
    """Change a task's guardrails (Owner or Admin: ``MANAGE_MINIPROGRAM``); audited on the task
    as ``grayscale.guardrail``. Refused for an ended task."""
    authz.require(actor, Cap.MANAGE_MINIPROGRAM, obj=task.target.miniprogram)
    margin, samples = _clean(margin_points, min_samples)
    task = task_locked(task.pk)
    if task.state == State.ENDED:
        raise ValidationError("This task has ended: its guardrails no longer watch anything.")
    guardrail = Guardrail.objects.select_for_update().filter(task=task).first() or Guardrail(
        task=task
    )
    before = {
        "enabled": guardrail.enabled,
        "margin_points": str(guardrail.margin_points),
        "min_samples": guardrail.min_samples,
    }
    guardrail.enabled, guardrail.margin_points, guardrail.min_samples = enabled, margin, samples
    guardrail.save()
    after = {"enabled": enabled, "margin_points": str(margin), "min_samples": samples}
    if after != before:
        words = (
            f"Guardrails {'on' if enabled else 'off'}: margin {margin} points, at least "
            f"{samples:,} samples a side."
        )
        task_audit(
            actor=actor.user,
            verb="grayscale.guardrail",
            task=task,
            before=task_snapshot(task) | {"guardrail": before},
            note=words,
        )
    return guardrail
