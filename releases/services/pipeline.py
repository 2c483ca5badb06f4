"""The worker's side of the package pipeline: scan → build → quality review.

Each ``*_run`` function is called by ``releases.tasks.run_job`` with a job it has *claimed*
(``releases.package.jobs.job_claim``) and its lease token. It reloads what it needs, returns quietly
when the version is no longer in the expected state, and finishes the job only while it still
holds the lease, so a second concurrent run of the same job changes nothing.
"""

from __future__ import annotations

import functools
import logging
import secrets
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.core.files import File
from django.db import transaction

from releases.models import Artifact, PackageJob, Version
from releases.package import jobs
from releases.package.builder import build_package
from releases.package.quality import review_package
from releases.package.scanner import PackageRejected, ScanResult, scan_package
from releases.services.versions import version_transition

logger = logging.getLogger(__name__)
SPOOL = 8 * 1024 * 1024  # parts under this stay in memory while built; larger ones spill to disk


class LeaseLost(Exception):
    """Another run took the job over (this one's lease expired): stop without writing."""


def _job(job_id: int) -> PackageJob:
    return PackageJob.objects.select_related("version__miniprogram").get(pk=job_id)


def _fail_version(version_id: int, *, code: str, message: str) -> None:
    version = Version.objects.filter(pk=version_id).first()
    if version is not None and version.status == Version.Status.SCANNING:
        version_transition(
            actor=None,
            version_id=version_id,
            to=Version.Status.SCAN_FAILED,
            failure_code=code,
            failure_message=message,
        )


def _scan(version: Version) -> ScanResult:
    with version.package.open("rb") as package:
        return scan_package(package)


def scan_run(*, job_id: int, token: str) -> None:
    """Scan the package; refuse it (version → scan failed, with the sentence) or queue the build."""
    job = _job(job_id)
    version = job.version
    if version.status != Version.Status.SCANNING:
        logger.info("scan_run: version %s is %s; nothing to do", version.pk, version.status)
        jobs.job_complete(job_id=job_id, token=token, result={"skipped": version.status})
        return
    try:
        result = _scan(version)
    except PackageRejected as exc:
        with transaction.atomic():
            if jobs.job_fail(
                job_id=job_id, token=token, error=exc.message, result={"code": exc.code}
            ):
                _fail_version(version.pk, code=exc.code, message=exc.message)
        return
    summary = result.as_json()
    with transaction.atomic():
        if not jobs.job_complete(job_id=job_id, token=token, result=summary):
            raise LeaseLost(job_id)
        Version.objects.filter(pk=version.pk).update(scan_summary=summary)
        jobs.job_enqueue(version_id=version.pk, kind=PackageJob.Kind.BUILD)


def _store_parts(version: Version, parts: list[Any], saved: list[str]) -> list[str]:
    """Save each built part under a generated key (appended to ``saved`` at once) and upsert its
    Artifact row; returns the keys the rows pointed to before (a rebuild), to delete later."""
    old: list[str] = []
    field = Artifact._meta.get_field("file")
    storage = field.storage
    batch = secrets.token_hex(8)
    for part in parts:
        suffix = "json" if part.kind == "index" else "zip"
        label = part.root.strip("/").replace("/", "-") or part.kind
        key = storage.save(f"artifacts/{version.pk}/{batch}/{label}.{suffix}", File(part.data_file))
        saved.append(key)
        existing = Artifact.objects.filter(version=version, kind=part.kind, root=part.root).first()
        if existing is not None:
            if existing.file.name:
                old.append(existing.file.name)
            existing.file, existing.size, existing.sha256 = key, part.size, part.sha256
            existing.save(update_fields=["file", "size", "sha256"])
        else:
            Artifact.objects.create(
                version=version,
                kind=part.kind,
                root=part.root,
                file=key,
                size=part.size,
                sha256=part.sha256,
            )
    return old


def build_run(*, job_id: int, token: str) -> None:
    """Build both delivery forms, store them, mark the version ready, queue the quality review."""
    job = _job(job_id)
    version = job.version
    if version.status != Version.Status.SCANNING:
        jobs.job_complete(job_id=job_id, token=token, result={"skipped": version.status})
        return
    storage = Artifact._meta.get_field("file").storage
    with ExitStack() as stack, version.package.open("rb") as package:
        scan = scan_package(package)  # the layout again (cheap next to the copy; no stale data)

        def make_file():
            return stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL))

        parts = build_package(package, scan, make_file=make_file)
        jobs.job_heartbeat(job_id=job_id, token=token, progress=50)
        stored: list[str] = []
        try:
            with transaction.atomic():
                old = _store_parts(version, parts, stored)
                if not jobs.job_complete(
                    job_id=job_id,
                    token=token,
                    result={p.kind + (f":{p.root}" if p.root else ""): p.size for p in parts},
                ):
                    raise LeaseLost(job_id)
                version_transition(actor=None, version_id=version.pk, to=Version.Status.READY)
                jobs.job_enqueue(version_id=version.pk, kind=PackageJob.Kind.QUALITY)
                for key in old:
                    transaction.on_commit(functools.partial(storage.delete, key))
        except BaseException:
            for key in stored:  # the rows rolled back: their new files must not stay behind
                storage.delete(key)
            raise


def quality_run(*, job_id: int, token: str) -> None:
    """Review the package; a cancelled review stops at its next progress report."""
    job = _job(job_id)
    version = job.version
    if version.status != Version.Status.READY:
        jobs.job_complete(job_id=job_id, token=token, result={"skipped": version.status})
        return

    def progress(percent: int) -> bool:
        return jobs.job_heartbeat(job_id=job_id, token=token, progress=percent)

    with version.package.open("rb") as package:
        scan = scan_package(package)
        report = review_package(package, scan, progress=progress)
    if report.get("cancelled"):
        logger.info("quality_run: job %s was cancelled or taken over", job_id)
        return
    jobs.job_complete(job_id=job_id, token=token, result=report)


def version_fail_exhausted_with(job: PackageJob, message: str, code: str = "internal") -> None:
    """A scan or build that cannot finish fails its version (a quality review fails alone)."""
    if job.kind in (PackageJob.Kind.SCAN, PackageJob.Kind.BUILD):
        _fail_version(job.version_id, code=code, message=message)


def version_fail_exhausted(job: PackageJob) -> None:
    """The sweeper gave up on a job (its worker was lost every time)."""
    version_fail_exhausted_with(
        job,
        f"The {job.get_kind_display().lower()} stopped {jobs.MAX_ATTEMPTS} times before "
        "finishing (the worker was lost each time). Retry the scan; if it happens again, the "
        "package may be too big for the worker.",
        code="worker_lost",
    )


HANDLERS: dict[str, Callable[..., None]] = {
    PackageJob.Kind.SCAN: scan_run,
    PackageJob.Kind.BUILD: build_run,
    PackageJob.Kind.QUALITY: quality_run,
}
