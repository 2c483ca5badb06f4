"""What a member does: create a task, suspend, resume, end it, raise its percentage, pause and
resume its schedule, and the hotfix (replace its version). Each needs MANAGE on the mini
program and locks the target first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from console.text import clean_display_text
from releases.grayscale.events import grayscale_event
from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
from releases.grayscale.services.inputs import (
    LIST_FIELDS,
    TaskInput,
    clean_input,
    clean_percentage,
    pct_text,
)
from releases.grayscale.services.state import (
    grayscale_transition,
    require_releasable,
    task_audit,
    task_locked,
    task_snapshot,
)
from releases.models import ReleaseTarget, Version
from releases.release.state import locked_target, require_can_publish, require_on
from releases.runtime.revision import runtime_revision_bump
from workspaces.authz import Cap
from workspaces.models import Membership
from workspaces.services.audit import audit_record

State = GrayscaleTask.State
Reason = GrayscaleTask.EndReason


@transaction.atomic
def grayscale_task_create(
    *,
    actor: Membership,
    target: ReleaseTarget,
    version: Version,
    data: TaskInput,
    now: datetime | None = None,
) -> GrayscaleTask:
    """Start a grayscale task of ``version`` on ``target``. Needs MANAGE on the mini program.

    Refused (nothing created): an input rule (name, times, limit, ranges, platforms, networks,
    target lists — every bad line by number —, percentage, schedule: all reported at once, by
    field), then the version rules of :func:`require_releasable`. A task whose start time has
    come starts delivering at once; otherwise it waits (pending) for the beat.
    """
    require_on(actor, Cap.MANAGE_MINIPROGRAM, target.miniprogram)
    now = now or timezone.now()
    cleaned = clean_input(data, now=now)
    target = locked_target(target.pk)
    if version.miniprogram_id != target.miniprogram_id:
        raise ValidationError("This version belongs to another mini program.")
    require_can_publish(target.miniprogram)
    require_releasable(target, version)
    lo, hi = cleaned["host_app_version"]
    task = GrayscaleTask.objects.create(
        target=target,
        version=version,
        name=cleaned["name"],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        max_users=data.max_users,
        host_app_version_min=lo,
        host_app_version_max=hi,
        platforms=cleaned["platforms"],
        networks=cleaned["networks"],
        percentage=cleaned["percentage"],
        schedule=cleaned["schedule"],
        schedule_step=0 if cleaned["schedule"] else None,
        created_by=actor.user,
        created_at=now,
    )
    GrayscaleTargetList.objects.bulk_create(
        [
            GrayscaleTargetList(task=task, kind=kind, values="\n".join(values), count=len(values))
            for field, kind in LIST_FIELDS.items()
            if (values := cleaned[field])
        ]
    )
    task = task_locked(task.pk)
    lists = {kind: len(cleaned[field]) for field, kind in LIST_FIELDS.items() if cleaned[field]}
    audit_record(
        actor=actor.user,
        verb="grayscale.create",
        workspace=target.miniprogram.workspace,
        target=task,
        after={
            **task_snapshot(task),
            "starts_at": data.starts_at.isoformat(),
            "ends_at": data.ends_at.isoformat(),
            "host_app_version": [lo, hi],
            "platforms": cleaned["platforms"],
            "networks": cleaned["networks"],
            "target_objects": lists,
            "schedule": cleaned["schedule"],
        },
    )
    if data.starts_at <= now:
        task, _ = grayscale_transition(
            actor=actor.user, task_id=task.pk, to=State.DELIVERING, note="Start time came", now=now
        )
    return task


def _task_for(actor: Membership, task_id: int) -> GrayscaleTask:
    """The task, its target locked, after the capability check (MANAGE)."""
    found = GrayscaleTask.objects.select_related("target__miniprogram").get(pk=task_id)
    require_on(actor, Cap.MANAGE_MINIPROGRAM, found.target.miniprogram)
    locked_target(found.target_id)
    return task_locked(task_id)


def _state_word(task: GrayscaleTask) -> str:
    return task.get_state_display().lower()


@transaction.atomic
def grayscale_task_suspend(*, actor: Membership, task_id: int, note: str = "") -> GrayscaleTask:
    """Stop delivering (users already admitted get the online version meanwhile). A repeat is a
    no-op; refused for a task that is pending or ended."""
    task = _task_for(actor, task_id)
    if task.state not in (State.DELIVERING, State.SUSPENDED):
        raise ValidationError(
            f"Only a delivering task can be suspended; this one is {_state_word(task)}.",
            code="state",
        )
    task, _ = grayscale_transition(actor=actor.user, task_id=task.pk, to=State.SUSPENDED, note=note)
    return task


@transaction.atomic
def grayscale_task_resume(
    *, actor: Membership, task_id: int, now: datetime | None = None
) -> GrayscaleTask:
    """Deliver again. A repeat is a no-op; refused unless suspended, and once the end time has
    passed or the user limit is reached (the beat ends such a task)."""
    task = _task_for(actor, task_id)
    now = now or timezone.now()
    if task.state not in (State.SUSPENDED, State.DELIVERING):
        raise ValidationError(
            f"Only a suspended task can be resumed; this one is {_state_word(task)}.",
            code="state",
        )
    if task.state == State.SUSPENDED and task.ends_at <= now:
        raise ValidationError(
            "The end time of this task has passed: it cannot deliver again. End it, or start a "
            "new task.",
            code="ended",
        )
    if task.state == State.SUSPENDED and task.admitted_users >= task.max_users:
        raise ValidationError(
            f"This task has reached its limit of {task.max_users} users: it cannot deliver to "
            "anyone new. End it, or start a new task.",
            code="limit",
        )
    task, _ = grayscale_transition(actor=actor.user, task_id=task.pk, to=State.DELIVERING, now=now)
    return task


@transaction.atomic
def grayscale_task_end(*, actor: Membership, task_id: int, note: str = "") -> GrayscaleTask:
    """End a task for good (its cohort goes back to the online version). A repeat is a no-op."""
    task = _task_for(actor, task_id)
    note = clean_display_text(note or "", label="The note", field="note", multiline=True)[:500]
    task, _ = grayscale_transition(
        actor=actor.user, task_id=task.pk, to=State.ENDED, note=note, end_reason=Reason.MANUAL
    )
    return task


def _require_unfinished(task: GrayscaleTask) -> None:
    if not task.is_unfinished:
        raise ValidationError(
            "This task has ended: start a new task to release in grayscale again.", code="ended"
        )


@transaction.atomic
def grayscale_task_raise_percentage(
    *, actor: Membership, task_id: int, percentage: Any
) -> GrayscaleTask:
    """Raise the share of users that may enter. The percentage may only go up (users already
    in stay in: their bucket is below the old share, so below the new one too)."""
    task = _task_for(actor, task_id)
    _require_unfinished(task)
    new = clean_percentage(percentage)
    if new is None:
        raise ValidationError({"percentage": "Give the new percentage."})
    if task.percentage is None:
        raise ValidationError(
            "This task has no percentage condition: everyone who matches its other conditions "
            "gets the version already.",
            code="no_percentage",
        )
    if new <= task.percentage:
        raise ValidationError(
            f"The percentage may only go up: it is {pct_text(task.percentage)} now.", code="down"
        )
    before = task_snapshot(task)
    task.percentage = new
    task.save(update_fields=["percentage", "updated_at"])
    task_audit(actor=actor.user, verb="grayscale.percentage", task=task, before=before)
    runtime_revision_bump()
    return task


def _require_schedule(task: GrayscaleTask) -> None:
    if task.schedule_step is None:
        raise ValidationError("This task has no staged schedule.", code="no_schedule")


@transaction.atomic
def grayscale_schedule_pause(*, actor: Membership, task_id: int) -> GrayscaleTask:
    """Hold the schedule at its current step (the task keeps delivering). A repeat is a no-op."""
    task = _task_for(actor, task_id)
    _require_unfinished(task)
    _require_schedule(task)
    if not task.schedule_paused:
        before = task_snapshot(task)
        task.schedule_paused = True
        task.save(update_fields=["schedule_paused", "updated_at"])
        task_audit(actor=actor.user, verb="grayscale.schedule_pause", task=task, before=before)
    return task


@transaction.atomic
def grayscale_schedule_resume(
    *, actor: Membership, task_id: int, now: datetime | None = None
) -> GrayscaleTask:
    """Let the schedule advance again; the current step is held in full from now. A repeat is
    a no-op."""
    task = _task_for(actor, task_id)
    _require_unfinished(task)
    _require_schedule(task)
    if task.schedule_paused:
        before = task_snapshot(task)
        task.schedule_paused = False
        if task.step_started_at is not None:
            task.step_started_at = now or timezone.now()
        task.save(update_fields=["schedule_paused", "step_started_at", "updated_at"])
        task_audit(actor=actor.user, verb="grayscale.schedule_resume", task=task, before=before)
    return task


@transaction.atomic
def grayscale_task_replace_version(
    *, actor: Membership, task_id: int, version: Version
) -> GrayscaleTask:
    """The hotfix path: while a task is unfinished, a newer version approved on the same target
    replaces the task's version for the same cohort (admitted users stay admitted and get the
    new version). Refused: an ended task, a version not newer than the task's, and the rules of
    a new task's version (approved there, not online, higher than the online version)."""
    task = _task_for(actor, task_id)
    _require_unfinished(task)
    if version.miniprogram_id != task.target.miniprogram_id:
        raise ValidationError("This version belongs to another mini program.")
    if version.semver <= task.version.semver:
        raise ValidationError(
            f"Version {version.number} is not newer than the task's version "
            f"{task.version.number}: a hotfix replaces it with a newer approved version.",
            code="not_newer",
        )
    require_can_publish(task.target.miniprogram)
    require_releasable(task.target, version)
    before = task_snapshot(task)
    previous = task.version.number
    task.version = version
    task.save(update_fields=["version", "updated_at"])
    task_audit(actor=actor.user, verb="grayscale.replace_version", task=task, before=before)
    grayscale_event(task=task, verb="version_replaced", actor=actor.user, previous_version=previous)
    runtime_revision_bump()
    return task
