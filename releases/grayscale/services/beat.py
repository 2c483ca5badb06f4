"""The beat's tick (every minute): end tasks on their end time or user limit, start pending
tasks on their start time, advance staged schedules. Each task is locked and checked again, so
a re-run changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from releases.grayscale.extensions import advance_hold_reason
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.services.state import (
    grayscale_transition,
    task_audit,
    task_locked,
    task_snapshot,
)
from releases.runtime.revision import runtime_revision_bump

State = GrayscaleTask.State
Reason = GrayscaleTask.EndReason


def _end_if(task_id: int, *, reason: str, now: datetime) -> bool:
    with transaction.atomic():
        task = task_locked(task_id)
        if not task.is_unfinished:
            return False
        due = (
            task.ends_at <= now
            if reason == Reason.END_TIME
            else (task.state != State.PENDING and task.admitted_users >= task.max_users)
        )
        if not due:
            return False
        note = (
            "The end time came."
            if reason == Reason.END_TIME
            else (f"{task.max_users} users reached the limit.")
        )
        _, changed = grayscale_transition(
            actor=None, task_id=task_id, to=State.ENDED, end_reason=reason, note=note, now=now
        )
        return changed


def _start_if(task_id: int, *, now: datetime) -> bool:
    with transaction.atomic():
        task = task_locked(task_id)
        if task.state != State.PENDING or task.starts_at > now or task.ends_at <= now:
            return False
        _, changed = grayscale_transition(
            actor=None, task_id=task_id, to=State.DELIVERING, note="Start time came", now=now
        )
        return changed


def _advance_if(task_id: int, *, now: datetime) -> bool:
    """Move a delivering task's schedule to its next step once the current one was held long
    enough (and the schedule is not paused), and only while no advance check
    (``releases.grayscale.extensions``: the guardrails) gives a reason to hold. Steps at or
    below a percentage raised by hand are skipped. One step per tick."""
    with transaction.atomic():
        task = task_locked(task_id)
        if (
            task.state != State.DELIVERING
            or task.schedule_step is None
            or task.schedule_paused
            or task.step_started_at is None
        ):
            return False
        steps = task.schedule
        step = task.schedule_step
        if step >= len(steps) - 1:
            return False
        if now < task.step_started_at + timedelta(hours=float(steps[step][1])):
            return False
        if advance_hold_reason(task, now):  # e.g. the guardrails see the cohort doing worse
            return False
        current = task.percentage or Decimal(0)
        following = [i for i in range(step + 1, len(steps)) if Decimal(steps[i][0]) > current]
        before = task_snapshot(task)
        if not following:
            task.schedule_step = len(steps) - 1
            task.save(update_fields=["schedule_step", "updated_at"])
            return False
        nxt = following[0]
        task.schedule_step = nxt
        task.percentage = Decimal(steps[nxt][0])
        task.step_started_at = now
        task.save(update_fields=["schedule_step", "percentage", "step_started_at", "updated_at"])
        note = "Reached 100 %: the full release can be published." if task.reached_full else ""
        task_audit(actor=None, verb="grayscale.advance", task=task, before=before, note=note)
        runtime_revision_bump()
        return True


def grayscale_tick(*, now: datetime | None = None) -> dict[str, int]:
    """The beat's pass (every minute): end tasks whose end time passed or whose users reached
    the limit, start pending tasks whose start time came, advance schedules. Each task is
    locked and checked again before it moves, so a re-run (or two beats at once) changes
    nothing more. Returns the counts."""
    now = now or timezone.now()
    counts = {"ended": 0, "started": 0, "advanced": 0}
    unfinished = GrayscaleTask.objects.filter(state__in=GrayscaleTask.UNFINISHED)
    for pk in unfinished.filter(ends_at__lte=now).values_list("pk", flat=True):
        counts["ended"] += _end_if(pk, reason=Reason.END_TIME, now=now)
    over = unfinished.exclude(state=State.PENDING).filter(admitted_users__gte=F("max_users"))
    for pk in over.values_list("pk", flat=True):
        counts["ended"] += _end_if(pk, reason=Reason.USER_LIMIT, now=now)
    due = GrayscaleTask.objects.filter(state=State.PENDING, starts_at__lte=now, ends_at__gt=now)
    for pk in due.values_list("pk", flat=True):
        counts["started"] += _start_if(pk, now=now)
    moving = GrayscaleTask.objects.filter(
        state=State.DELIVERING, schedule_step__isnull=False, schedule_paused=False
    )
    for pk in moving.values_list("pk", flat=True):
        counts["advanced"] += _advance_if(pk, now=now)
    return counts
