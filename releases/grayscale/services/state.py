"""The rules about a task's version (passed review there, not online, higher than the online
version, not the first release), the one door for ``GrayscaleTask.state`` and what the room's
modules share (the locked task, its audit snapshot)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from releases.grayscale.admission import grayscale_cohort_forget
from releases.grayscale.events import grayscale_changed
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.selectors import (
    FIRST_RELEASE,
    NOT_APPROVED,
    NOT_HIGHER,
    ONLINE,
    grayscale_version_check,
)
from releases.models import ReleaseTarget, Version
from releases.release.state import where
from releases.runtime.revision import runtime_revision_bump
from releases.transitions import GRAYSCALE_ALLOWED
from workspaces.models import User
from workspaces.services.audit import audit_record
from workspaces.transitions import transition_needed

State = GrayscaleTask.State
Reason = GrayscaleTask.EndReason


# --- the rules about versions -------------------------------------------------------------------


def require_releasable(target: ReleaseTarget, version: Version) -> None:
    """Passed review on the target (an approved, unpublished release of it there: outside
    production approved at once), not the first release of the target (that one is a full
    release), not online, higher than the online version. The rules are
    ``selectors.grayscale_version_rule``'s, which the Releases tab's note uses as well."""
    code, online = grayscale_version_check(target=target, version=version)
    if not code:
        return
    here, number = where(target), version.number
    sentences = {
        FIRST_RELEASE: f"Nothing is online on {here} yet: the first release of a mini program is "
        f"a full release. Publish version {number} instead.",
        NOT_APPROVED: f"Version {number} has not passed review on {here}: only an approved "
        "version that is not published yet can be released in grayscale.",
        ONLINE: f"Version {number} is already online on {here}.",
        NOT_HIGHER: f"Version {number} is not higher than the online version "
        f"{online.number if online is not None else ''} on {here}: a grayscale release must be "
        "newer.",
    }
    raise ValidationError(sentences[code], code=code)


def task_snapshot(task: GrayscaleTask) -> dict[str, Any]:
    return {
        "name": task.name,
        "state": task.state,
        "version": task.version.number,
        "percentage": str(task.percentage) if task.percentage is not None else None,
        "max_users": task.max_users,
        "host_app": task.target.host_app.name,
        "environment": task.target.environment,
    }


def task_audit(
    *,
    actor: User | None,
    verb: str,
    task: GrayscaleTask,
    before: dict[str, Any] | None,
    note: str = "",
) -> None:
    after: dict[str, Any] = task_snapshot(task)
    if note:
        after["note"] = note[:500]
    audit_record(
        actor=actor,
        verb=verb,
        workspace=task.target.miniprogram.workspace,
        target=task,
        before=before,
        after=after,
    )


def task_locked(task_id: int) -> GrayscaleTask:
    return (
        GrayscaleTask.objects.select_for_update(of=("self",))
        .select_related("version", "target__miniprogram__workspace", "target__host_app")
        .get(pk=task_id)
    )


# --- the state door ----------------------------------------------------------------------------


@transaction.atomic
def grayscale_transition(
    *,
    actor: User | None,
    task_id: int,
    to: str,
    note: str = "",
    end_reason: str = "",
    now: datetime | None = None,
) -> tuple[GrayscaleTask, bool]:
    """The one door for ``GrayscaleTask.state``: returns (task, changed).

    Locks the row; a same-state request is a no-op (a double click, a beat re-run); anything the
    table does not allow raises ``InvalidTransition``. Ending records ``end_reason`` and the
    time; a first start holds the schedule's first step from now. Audited as
    ``grayscale.<state>`` with ``note`` and announced (``events.grayscale_changed``: webhooks, and
    the team's email when a task ends by itself); the runtime revision moves when delivery starts
    or stops.
    Callers apply the rules first.
    """
    task = task_locked(task_id)
    if not transition_needed(GRAYSCALE_ALLOWED, task.state, to):
        return task, False
    now = now or timezone.now()
    before = task_snapshot(task)
    previous, task.state = task.state, to
    fields = ["state", "updated_at"]
    if to == State.DELIVERING and task.schedule_step is not None and task.step_started_at is None:
        task.step_started_at = now
        fields.append("step_started_at")
    if to == State.ENDED:
        task.end_reason = end_reason or Reason.MANUAL
        task.ended_at = now
        fields += ["end_reason", "ended_at"]
        transaction.on_commit(lambda: grayscale_cohort_forget(task_id))
    task.save(update_fields=fields)
    task_audit(actor=actor, verb=f"grayscale.{to}", task=task, before=before, note=note)
    grayscale_changed(task=task, previous=previous, actor=actor, note=note)
    if State.DELIVERING in (previous, to):
        runtime_revision_bump()
    return task, True
