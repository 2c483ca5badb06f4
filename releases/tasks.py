"""Celery entry points of the releases app (STYLE.md §7): the doorbell and the sweeper.

``run_job`` is rung with a job id; the job row decides whether there is work (the ledger in
``releases/package/jobs.py``). Transient errors (storage unreachable) give the job back and ring
again later; a bug fails the job and its version with a sentence, never leaving it "scanning". What
the user reads (the job's ``error``, the version's failure message) is a sentence without server
paths or hosts; the exception itself goes to the log.
"""

from __future__ import annotations

import logging

from celery import shared_task

from console.outbox import ring
from releases.models import PackageJob
from releases.package import jobs

logger = logging.getLogger(__name__)

TRANSIENT = (ConnectionError, TimeoutError)
RETRY_DELAYS = (10, 60, 300)


@shared_task(name="releases.run_job", bind=True, soft_time_limit=900, time_limit=960)
def run_job(self, job_id: int) -> str:
    from releases.services import pipeline  # services import this module's callers

    token = jobs.job_claim(job_id=job_id)
    if token is None:
        logger.info("run_job: job %s is taken, finished or gone; nothing to do", job_id)
        return "skipped"
    job = PackageJob.objects.filter(pk=job_id).only("kind", "attempts", "version_id").first()
    if job is None:
        return "gone"
    handler = pipeline.HANDLERS[job.kind]
    try:
        handler(job_id=job_id, token=token)
    except pipeline.LeaseLost:
        logger.warning("run_job: lost the lease of job %s; the newer run finishes it", job_id)
        return "lease_lost"
    except TRANSIENT as exc:
        delay = RETRY_DELAYS[min(job.attempts, len(RETRY_DELAYS) - 1)]
        error = (
            f"The package storage could not be reached (job {job_id}); the "
            f"{job.get_kind_display().lower()} runs again in {delay} seconds."
        )
        jobs.job_release(job_id=job_id, token=token, error=error)
        logger.warning("run_job: job %s hit %r; ringing again in %ss", job_id, exc, delay)
        ring(run_job, job_id, what=f"package job {job_id}", countdown=delay)
        return "retry"
    except FileNotFoundError:
        # The exception's text names the server path: it goes to the log, a sentence to the user.
        logger.exception("run_job: job %s found no package file", job_id)
        message = (
            f"The stored package of this version could not be found (job {job_id}); "
            "upload the package again as a new version."
        )
        if jobs.job_fail(job_id=job_id, token=token, error=message):
            pipeline.version_fail_exhausted_with(job, message, code="package_missing")
        return "failed"
    except Exception:
        logger.exception("run_job: job %s failed", job_id)
        message = (
            f"The {job.get_kind_display().lower()} stopped with an internal error "
            f"(job {job_id}); retry the scan."
        )
        if jobs.job_fail(job_id=job_id, token=token, error=message):
            pipeline.version_fail_exhausted_with(job, message)
        return "failed"
    return "done"


@shared_task(name="releases.sweep_jobs")
def sweep_jobs() -> dict[str, int]:
    """Every minute: ring again for stuck jobs, give up on those out of attempts."""
    from releases.services import pipeline

    return jobs.jobs_sweep(on_exhausted=pipeline.version_fail_exhausted)
