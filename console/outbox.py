"""The outbox: side effects queued after a commit survive a broker outage (STYLE.md §7).

A service that wants something done once its transaction commits (send an email, remove a
deleted mini program's files) must not lose it when Redis is down, and must not undo its own
committed write because the broker refused a message. So the database keeps the promise and
the broker is only a doorbell, as in the package job ledger (``releases/package/jobs.py``):

* :func:`outbox_enqueue` writes an :class:`~console.models.OutboxMessage` row (handler name,
  JSON kwargs) *inside the caller's transaction* — a rolled-back transaction sends nothing —
  and rings the doorbell after commit. :func:`ring` publishes the task and, when the broker is
  unreachable, logs and returns: the row is still pending and the sweeper will ring again.
* ``console.outbox_deliver`` (the worker task) calls :func:`outbox_deliver`, which *claims* the
  row with one conditional UPDATE (pending and due, or running with an expired lease → running
  with a fresh lease token). A redelivered message or a second ring claims nothing, so the
  handler runs once per attempt.
* The registered handler runs; the row becomes ``done``. If the handler raises, the row goes
  back to ``pending`` with ``last_error`` and a ``next_attempt_at`` backed off exponentially
  (capped at :data:`MAX_BACKOFF`); after :data:`MAX_ATTEMPTS` it is ``failed`` and logged as an
  error. A worker that dies mid-run leaves a ``running`` row whose lease expires.
* :func:`outbox_sweep` (beat, every minute) rings again for pending rows that are due and were
  not claimed within :data:`RING_AGAIN` (the doorbell was lost or the broker was down) and for
  running rows whose lease expired, and fails those out of attempts.

Handlers are registered by name with :func:`handler` (``@outbox.handler("console.send_email")``)
in their app's ``tasks`` module; a name ``"<app>.<verb>"`` not registered yet is looked up by
importing ``<app>.tasks``. Handlers take the JSON kwargs and must be safe to run twice (a worker
may die after the side effect and before the row is marked done).

With ``CELERY_TASK_ALWAYS_EAGER`` (the embedded default, no Redis) the after-commit ring runs
the delivery in-process, so the side effect happens right after the commit, as before.
"""

from __future__ import annotations

import functools
import importlib
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=10)  # above the slowest handler (tasks' hard time limit is 6 minutes)
RING_AGAIN = timedelta(minutes=1)  # a due row nobody claimed this long after its ring: ring again
SWEEP_BATCH = 500
KEEP_DONE = timedelta(days=7)  # delivered rows are kept a week (to answer "was it sent?")
KEEP_FAILED = timedelta(days=30)  # rows given up on stay a month for an operator to look at

State = OutboxMessage.State
Handler = Callable[..., Any]
_handlers: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated callable as the outbox handler called ``name``."""

    def register(func: Handler) -> Handler:
        _handlers[name] = func
        return func

    return register


def _handler_for(name: str) -> Handler | None:
    if name not in _handlers:
        try:
            importlib.import_module(f"{name.partition('.')[0]}.tasks")
        except ImportError:
            return None
    return _handlers.get(name)


def ring(task: Task, *args: Any, what: str, countdown: float | None = None) -> bool:
    """Publish ``task(*args)`` as a doorbell; ``False`` (logged, not raised) when the broker
    refused it. Only for tasks whose work is kept in a database row that a sweeper re-rings.

    Run eagerly (no broker), an exception is the task's own and propagates.
    """
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception as exc:
        if task.app.conf.task_always_eager:
            raise
        logger.warning(
            "ring: could not publish %s for %s (%s); the sweeper will ring again",
            task.name,
            what,
            exc,
        )
        return False
    return True


def _ring(message_id: int, countdown: float | None = None) -> None:
    from console.tasks import outbox_deliver  # the task module imports this one

    ring(outbox_deliver, message_id, what=f"outbox message {message_id}", countdown=countdown)


def outbox_enqueue(*, task: str, kwargs: dict[str, Any]) -> OutboxMessage:
    """Record the side effect ``task(**kwargs)`` in the current transaction; ring after commit.

    ``task`` must be a registered handler's name and ``kwargs`` plain JSON.
    """
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(functools.partial(_ring, message.pk))
    return message


def outbox_claim(*, message_id: int, now=None) -> str | None:
    """Take the row for this run: the lease token, or ``None`` when it is not due, is being
    run by someone else, is finished or out of attempts."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(state=State.PENDING, next_attempt_at__lte=now)
            | Q(state=State.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            state=State.RUNNING,
            lease_token=token,
            lease_expires_at=now + LEASE,
            attempts=F("attempts") + 1,
        )
    )
    return token if claimed == 1 else None


def backoff(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … capped at an hour."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def outbox_deliver(*, message_id: int) -> str:
    """Run one pending row's handler if this call claims it; returns what happened."""
    token = outbox_claim(message_id=message_id)
    if token is None:
        logger.info("outbox_deliver: message %s is not due, taken, finished or gone", message_id)
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message_id, state=State.RUNNING, lease_token=token)
    func = _handler_for(message.task)
    if func is None:
        logger.error("outbox_deliver: message %s names no handler %r", message_id, message.task)
        mine.update(
            state=State.FAILED,
            finished_at=timezone.now(),
            last_error=f"No outbox handler is registered as {message.task!r}.",
        )
        return "failed"
    try:
        func(**message.kwargs)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        now = timezone.now()
        if message.attempts >= MAX_ATTEMPTS:
            logger.error(
                "outbox_deliver: giving up on %s #%s after %d attempts: %s",
                message.task,
                message_id,
                message.attempts,
                error,
            )
            mine.update(state=State.FAILED, finished_at=now, last_error=error)
            return "failed"
        wait = backoff(message.attempts)
        logger.warning(
            "outbox_deliver: %s #%s failed (attempt %d), retrying in %ss: %s",
            message.task,
            message_id,
            message.attempts,
            int(wait.total_seconds()),
            error,
        )
        if mine.update(
            state=State.PENDING,
            next_attempt_at=now + wait,
            lease_token="",
            lease_expires_at=None,
            last_error=error,
        ):
            _ring(message_id, countdown=wait.total_seconds())
        return "retry"
    mine.update(state=State.DONE, finished_at=timezone.now(), lease_expires_at=None)
    return "done"


def outbox_sweep(*, now=None) -> dict[str, int]:
    """Ring again for rows not done (lost doorbell, broker outage, dead worker); fail those out
    of attempts. Safe to run any time, twice."""
    now = now or timezone.now()
    expired = Q(state=State.RUNNING, lease_expires_at__lt=now)
    exhausted = OutboxMessage.objects.filter(expired, attempts__gte=MAX_ATTEMPTS)
    failed = exhausted.update(
        state=State.FAILED,
        finished_at=now,
        last_error=f"Gave up after {MAX_ATTEMPTS} attempts: the worker stopped each time.",
    )
    if failed:
        logger.error("outbox_sweep: gave up on %d message(s) whose worker was lost", failed)
    stale = Q(state=State.PENDING, next_attempt_at__lte=now - RING_AGAIN)
    rung = list(
        OutboxMessage.objects.filter(stale | expired)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Still due (claimable), but not rung again for another RING_AGAIN: a busy worker's backlog
    # is not multiplied every minute.
    OutboxMessage.objects.filter(pk__in=rung, state=State.PENDING).update(next_attempt_at=now)
    for message_id in rung:
        transaction.on_commit(functools.partial(_ring, message_id))
    purged = _purge(now=now)
    if rung or failed or purged:
        logger.info(
            "outbox_sweep: rang %d message(s), failed %d, purged %d", len(rung), failed, purged
        )
    return {"rung": len(rung), "failed": failed, "purged": purged}


def _purge(*, now) -> int:
    """Forget finished rows past their keeping time, a bounded batch per sweep."""
    old = Q(state=State.DONE, finished_at__lt=now - KEEP_DONE) | Q(
        state=State.FAILED, finished_at__lt=now - KEEP_FAILED
    )
    ids = list(OutboxMessage.objects.filter(old).values_list("pk", flat=True)[:SWEEP_BATCH])
    if not ids:
        return 0
    deleted, _ = OutboxMessage.objects.filter(pk__in=ids).delete()
    return deleted
