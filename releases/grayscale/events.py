"""What a grayscale task's change tells the world: webhooks and notification emails (SPEC §11,
issue 11).

:func:`grayscale_changed` is called by the state door (``services.state.grayscale_transition``)
for every move, and :func:`grayscale_event` by the hotfix for ``version_replaced``. Inside the
caller's transaction it emits ``grayscale.<verb>`` to the mini program's workspace
(``webhook_emit``) and, when a task ends for any reason but a member ending it by hand (they
did it themselves), queues an email to the mini program's team (``notify.grayscale_ended``),
and so does a suspension by MPP itself (``notify.grayscale_suspended``: the guardrails).
Both go through the outbox: a rolled-back transaction sends nothing, and a dead endpoint or mail
server never blocks a publish or the beat.

An ended task's ``reason`` is finer than its stored ``end_reason``: a publish ends a task either
as its own version's **full release** or **superseded** by a higher version.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from releases.grayscale.models import GrayscaleTask
from releases.release import notify
from releases.release.selectors import release_online_get
from workspaces.models import User
from workspaces.services.webhooks import webhook_emit

State = GrayscaleTask.State
Reason = GrayscaleTask.EndReason

# The verbs of ``grayscale.<verb>`` events.
VERBS = ("started", "suspended", "resumed", "ended", "version_replaced")
# The ``reason`` of a ``grayscale.ended`` event, with the sentence an email gives.
END_REASONS: dict[str, str] = {
    "manual": "a member ended it",
    "end_time": "its end time came",
    "user_limit": "it reached its limit of users",
    "superseded": "a higher version was published there",
    "full_release": "its version was published there as a full release",
    "offline": "the mini program was taken offline from the host app",
}


def end_reason_code(task: GrayscaleTask) -> str:
    """The ``reason`` of an ended task (see the module doc); "" for an unfinished one."""
    if task.state != State.ENDED:
        return ""
    if task.end_reason == Reason.PUBLISHED:
        online = release_online_get(target=task.target)
        if online is not None and online.version_id == task.version_id:
            return "full_release"
        return "superseded"
    return str(task.end_reason or Reason.MANUAL)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def grayscale_data(
    task: GrayscaleTask,
    *,
    actor: User | None,
    note: str = "",
    reason: str = "",
    previous_version: str | None = None,
) -> dict[str, Any]:
    """The JSON body of a ``grayscale.*`` event (plain values only)."""
    target = task.target
    miniprogram = target.miniprogram
    return {
        "task_id": task.pk,
        "name": task.name,
        "state": str(task.state),
        "app_id": miniprogram.app_id,
        "miniprogram": miniprogram.name,
        "version": task.version.number,
        "previous_version": previous_version,
        "host_app_id": target.host_app_id,
        "host_app": target.host_app.name,
        "environment": str(target.environment),
        "admitted_users": task.admitted_users,
        "max_users": task.max_users,
        "percentage": str(task.percentage) if task.percentage is not None else None,
        "starts_at": _iso(task.starts_at),
        "ends_at": _iso(task.ends_at),
        "reason": reason or None,
        "note": note,
        "actor": actor.email if actor is not None else None,
        "ended_at": _iso(task.ended_at),
        "occurred_at": _iso(timezone.now()),
    }


def grayscale_event(
    *,
    task: GrayscaleTask,
    verb: str,
    actor: User | None,
    note: str = "",
    previous_version: str | None = None,
) -> None:
    """Announce that ``task`` was ``verb`` (one of :data:`VERBS`) by ``actor`` (``None``: the
    beat or the system). Call inside the transaction that made the change, after saving it."""
    if verb not in VERBS:
        raise ValueError(f"Unknown grayscale event {verb!r}.")
    reason = end_reason_code(task) if verb == "ended" else ""
    data = grayscale_data(
        task, actor=actor, note=note, reason=reason, previous_version=previous_version
    )
    webhook_emit(workspace=task.target.miniprogram.workspace, event=f"grayscale.{verb}", data=data)
    if verb == "suspended" and actor is None:  # suspended by MPP itself (the guardrails)
        notify.grayscale_suspended(task=task, note=note)
    if verb == "ended" and reason != "manual":
        notify.grayscale_ended(
            task=task, reason=END_REASONS.get(reason, reason), actor=actor, note=note
        )


def grayscale_changed(
    *, task: GrayscaleTask, previous: str, actor: User | None, note: str = ""
) -> None:
    """Announce a move through the state door (``previous`` → ``task.state``)."""
    if task.state == State.DELIVERING:
        verb = "resumed" if previous == State.SUSPENDED else "started"
    elif task.state == State.SUSPENDED:
        verb = "suspended"
    elif task.state == State.ENDED:
        verb = "ended"
    else:
        return
    grayscale_event(task=task, verb=verb, actor=actor, note=note)
