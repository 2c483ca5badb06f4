"""The job ledger: worker work on a version, claimed with a lease (STYLE.md §7).

With Redis as broker a worker killed with SIGKILL can lose its message or hold it for the whole
visibility timeout, and a task that outlives that timeout is delivered twice. So the broker only
rings the doorbell ("job N may have work"); the row decides:

* :func:`job_enqueue` puts a job in ``queued`` (a retry resets it) and rings after commit. The
  ring never fails the caller: with the broker down it is logged (with the job id) and the
  job stays queued for the sweeper, so an enqueue cannot undo the write that queued it.
* :func:`job_claim` moves ``queued`` — or ``running`` with an *expired* lease — to ``running``
  with a fresh lease token, in one conditional UPDATE. Exactly one concurrent caller wins; the
  others get ``None`` and return.
* :func:`job_heartbeat` extends the lease while the work runs (only for the current token).
* :func:`job_complete` / :func:`job_fail` finish it, again only for the current token: a run
  whose lease was taken over cannot overwrite the newer run's result.
* :func:`jobs_sweep` (beat, every minute) rings again for queued jobs nobody took and for
  running jobs whose lease expired, and fails jobs that used all their attempts.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console.outbox import ring
from releases.models import PackageJob

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 300
MAX_ATTEMPTS = 3
STALE_QUEUED = timedelta(minutes=2)  # a queued job nobody claimed: ring the bell again

Job = PackageJob
State = PackageJob.State


def lease() -> timedelta:
    """A job's lease (``PACKAGE_JOB_LEASE_SECONDS``, read at each call); heartbeats extend it."""
    return timedelta(seconds=getattr(settings, "PACKAGE_JOB_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def _ring(job_id: int) -> None:
    from releases.tasks import run_job  # tasks import this module

    ring(run_job, job_id, what=f"package job {job_id}")


def job_enqueue(*, version_id: int, kind: str) -> PackageJob:
    """Queue (or re-queue) the ``kind`` job of a version; the task is sent after commit.

    A job that is queued or running already is left as it is (a double click).
    """
    with transaction.atomic():
        job, created = Job.objects.select_for_update().get_or_create(
            version_id=version_id, kind=kind
        )
        if not created and job.state in (State.QUEUED, State.RUNNING):
            return job
        if not created:
            job.state, job.attempts, job.progress = State.QUEUED, 0, 0
            job.lease_token, job.lease_expires_at = "", None
            job.result, job.error = None, ""
            job.queued_at, job.started_at, job.finished_at = timezone.now(), None, None
            job.save()
        transaction.on_commit(lambda: _ring(job.pk))
    return job


def job_claim(*, job_id: int, now=None) -> str | None:
    """Take the job for this run: returns the lease token, or ``None`` if someone else has it
    (or it is finished, cancelled or out of attempts)."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    claimed = (
        Job.objects.filter(pk=job_id, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(state=State.QUEUED) | Q(state=State.RUNNING, lease_expires_at__lt=now))
        .update(
            state=State.RUNNING,
            lease_token=token,
            lease_expires_at=now + lease(),
            attempts=F("attempts") + 1,
            started_at=now,
            error="",
        )
    )
    return token if claimed == 1 else None


def job_heartbeat(*, job_id: int, token: str, progress: int | None = None) -> bool:
    """Extend the lease (and record progress 0–100); ``False`` if the lease was lost."""
    changes: dict[str, Any] = {"lease_expires_at": timezone.now() + lease()}
    if progress is not None:
        changes["progress"] = max(0, min(100, int(progress)))
    updated = Job.objects.filter(pk=job_id, state=State.RUNNING, lease_token=token).update(
        **changes
    )
    return updated == 1


def _finish(*, job_id: int, token: str, state: str, **changes: Any) -> bool:
    now = timezone.now()
    updated = Job.objects.filter(pk=job_id, state=State.RUNNING, lease_token=token).update(
        state=state, finished_at=now, lease_expires_at=now, **changes
    )
    return updated == 1


def job_complete(*, job_id: int, token: str, result: dict[str, Any] | None = None) -> bool:
    """Mark the job succeeded with its result; ``False`` if this run no longer holds it."""
    return _finish(job_id=job_id, token=token, state=State.SUCCEEDED, result=result, progress=100)


def job_fail(*, job_id: int, token: str, error: str, result: dict | None = None) -> bool:
    """Mark the job failed for good (a permanent error, e.g. a refused package)."""
    return _finish(job_id=job_id, token=token, state=State.FAILED, error=error, result=result)


def job_release(*, job_id: int, token: str, error: str) -> bool:
    """Give the job back after a transient error: queued again (the sweeper or a retry rings)."""
    updated = Job.objects.filter(pk=job_id, state=State.RUNNING, lease_token=token).update(
        state=State.QUEUED, lease_token="", lease_expires_at=None, error=error[:2000]
    )
    return updated == 1


def job_cancel(*, version_id: int, kind: str) -> bool:
    """Cancel a queued or running job (a running one notices at its next heartbeat)."""
    updated = Job.objects.filter(
        version_id=version_id, kind=kind, state__in=[State.QUEUED, State.RUNNING]
    ).update(state=State.CANCELLED, finished_at=timezone.now(), lease_expires_at=None)
    return updated == 1


def jobs_sweep(
    *, now=None, on_exhausted: Callable[[PackageJob], None] | None = None
) -> dict[str, int]:
    """Ring again for stuck jobs; fail those out of attempts. Safe to run any time, twice.

    ``on_exhausted`` lets the caller move the job's version to its failure state through the
    version's own service (the ledger knows nothing about versions' statuses).
    """
    now = now or timezone.now()
    expired = Q(state=State.RUNNING, lease_expires_at__lt=now)
    stale = Q(state=State.QUEUED, queued_at__lt=now - STALE_QUEUED)
    exhausted_ids = list(
        Job.objects.filter(expired, attempts__gte=MAX_ATTEMPTS).values_list("pk", flat=True)
    )
    for job_id in exhausted_ids:
        failed = (
            Job.objects.filter(pk=job_id)
            .filter(expired)
            .update(
                state=State.FAILED,
                finished_at=now,
                error=f"Gave up after {MAX_ATTEMPTS} attempts: the worker stopped each time.",
            )
        )
        if failed and on_exhausted is not None:
            on_exhausted(Job.objects.select_related("version").get(pk=job_id))
    rung = list(
        Job.objects.filter(expired | stale)
        .exclude(pk__in=exhausted_ids)
        .values_list("pk", flat=True)
    )
    # Bump queued_at so a job is rung once per STALE_QUEUED window, not every minute.
    Job.objects.filter(pk__in=rung, state=State.QUEUED).update(queued_at=now)
    for job_id in rung:
        transaction.on_commit(functools.partial(_ring, job_id))
    if rung or exhausted_ids:
        logger.info("jobs_sweep: rang %d job(s), failed %d", len(rung), len(exhausted_ids))
    return {"rung": len(rung), "failed": len(exhausted_ids)}
