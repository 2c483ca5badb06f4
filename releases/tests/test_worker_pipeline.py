"""The package pipeline on real components: Redis, ``celery -A console worker``, the database.

test_pipeline.py runs the tasks in-process; these prove that an upload's scan, build and quality
review travel through the broker to a real worker, that running a finished job again changes
nothing, and that a worker killed with SIGKILL in the middle of a scan loses nothing for good:
its message is gone (acks late, no redelivery before the broker's visibility timeout), the job's
lease expires, the sweeper rings again and a new worker finishes the version.
"""

from __future__ import annotations

import hashlib
import time
import zipfile
from datetime import timedelta

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils import timezone

from releases.models import Artifact, PackageJob, Version
from releases.services.versions import version_upload
from releases.tasks import run_job, sweep_jobs
from releases.tests.packages import DEFAULT_FILES, large_package, zip_bytes
from workspaces.models import AuditEvent

pytestmark = pytest.mark.services
# The worker reads what the test committed (the project conftest puts back the industry
# taxonomy that a transactional test's flush removes).
LIVE = pytest.mark.django_db(transaction=True)

Status = Version.Status
State = PackageJob.State
LEASE_SECONDS = 3  # the killed worker's lease: the sweeper may hand its job over 3 s after


def _run_job_lines(log: str, outcome: str = "") -> list[str]:
    """The worker's "Task releases.run_job[…] succeeded …" lines (ending in ``outcome``)."""
    return [
        line
        for line in log.splitlines()
        if "Task releases.run_job[" in line and " succeeded in " in line and outcome in line
    ]


def _finished(version: Version) -> bool:
    """The version is ready and its three jobs are done (or it failed: the test then says so)."""
    version.refresh_from_db()
    if version.status == Status.SCAN_FAILED:
        pytest.fail(f"the scan failed: {version.failure_code}: {version.failure_message}")
    states = set(version.jobs.values_list("state", flat=True))
    return (
        version.status == Status.READY
        and version.jobs.count() == 3
        and states <= {State.SUCCEEDED, State.FAILED}
    )


def _snapshot(version: Version) -> dict:
    """Everything a job run could change."""
    version.refresh_from_db()
    return {
        "version": (version.status, version.scan_summary, version.updated_at),
        "jobs": list(
            version.jobs.order_by("kind").values(
                "kind", "state", "attempts", "result", "error", "lease_token", "finished_at"
            )
        ),
        "artifacts": list(
            Artifact.objects.filter(version=version)
            .order_by("kind", "root")
            .values("kind", "root", "file", "size", "sha256")
        ),
        "audit": AuditEvent.objects.filter(target_type="releases.version").count(),
    }


def _read(field_file) -> bytes:
    with field_file.open("rb") as fh:
        return fh.read()


@LIVE
def test_an_upload_is_scanned_built_and_reviewed_by_the_worker_and_a_rerun_changes_nothing(
    live_worker, owner, mp
):
    version = version_upload(
        actor=owner,
        miniprogram=mp,
        number="1.0.0",
        package=ContentFile(zip_bytes(), name="pkg.zip"),
    )

    live_worker.wait_for(lambda: _finished(version), timeout=60, what="the version to be ready")
    assert len(_run_job_lines(live_worker.log(), "'done'")) == 3  # scan, build, quality
    jobs = {job.kind: job for job in version.jobs.all()}
    assert {kind: (job.state, job.attempts) for kind, job in jobs.items()} == {
        "scan": (State.SUCCEEDED, 1),
        "build": (State.SUCCEEDED, 1),
        "quality": (State.SUCCEEDED, 1),
    }
    assert jobs["quality"].result["summary"]["scripts_searched"] == 4
    assert version.scan_summary["file_count"] == len(DEFAULT_FILES)
    complete = Artifact.objects.get(version=version, kind="complete")
    with complete.file.open("rb") as fh, zipfile.ZipFile(fh) as archive:
        assert set(archive.namelist()) == set(DEFAULT_FILES)
    before = _snapshot(version)

    scan = jobs["scan"]
    for _ in range(2):
        run_job.delay(scan.pk)
    live_worker.wait_for(
        lambda: len(_run_job_lines(live_worker.log(), "'skipped'")) == 2,
        what="two more runs of the scan job",
    )

    assert _snapshot(version) == before
    assert "ERROR" not in live_worker.log()


@LIVE
def test_a_worker_killed_mid_scan_is_replaced_and_the_version_still_becomes_ready(
    spawn_worker, owner, mp, tmp_path
):
    # ~95 MB, 5,000 files: the scan reads it for about a second, long enough to be caught.
    package = large_package(tmp_path / "big.zip", compresslevel=1)
    env = {"PACKAGE_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    first = spawn_worker(env=env)

    with package.open("rb") as fh:
        version = version_upload(
            actor=owner, miniprogram=mp, number="1.0.0", package=File(fh, name="big.zip")
        )
    scan = version.jobs.get(kind="scan")

    def scan_state() -> str:
        scan.refresh_from_db()
        return scan.state

    first.wait_for(
        lambda: scan_state() == State.RUNNING,
        timeout=30,
        interval=0.01,
        what="the first worker to claim the scan",
    )
    first.kill()

    scan.refresh_from_db()
    assert (scan.state, scan.attempts) == (State.RUNNING, 1), (
        "the scan ended before the worker was killed; the package must be bigger"
    )
    assert scan.lease_expires_at - scan.started_at <= timedelta(seconds=LEASE_SECONDS)
    version.refresh_from_db()
    assert version.status == Status.SCANNING
    assert not Artifact.objects.filter(version=version).exists()
    assert "Task releases.run_job[" in first.log()  # it had received the job...
    assert _run_job_lines(first.log()) == []  # ...and never finished it

    second = spawn_worker(env=env)
    # The killed worker's message is not redelivered (acks late: it would wait for the broker's
    # one-hour visibility timeout); the job waits for its lease to expire and the sweeper.
    time.sleep(max(0.0, (scan.lease_expires_at - timezone.now()).total_seconds()) + 0.5)
    scan.refresh_from_db()
    assert (scan.state, scan.attempts) == (State.RUNNING, 1)
    assert _run_job_lines(second.log()) == []

    assert sweep_jobs.apply().get() == {"rung": 1, "failed": 0}

    second.wait_for(lambda: _finished(version), timeout=180, what="the version to be ready")
    jobs = {job.kind: job for job in version.jobs.all()}
    assert {kind: (job.state, job.attempts) for kind, job in jobs.items()} == {
        "scan": (State.SUCCEEDED, 2),  # the killed attempt, then the new worker's
        "build": (State.SUCCEEDED, 1),
        "quality": (State.SUCCEEDED, 1),
    }
    assert len(_run_job_lines(second.log(), "'done'")) == 3
    assert version.package_size == package.stat().st_size
    assert version.scan_summary["file_count"] == 5000
    artifacts = {(a.kind, a.root): a for a in Artifact.objects.filter(version=version)}
    assert sorted(artifacts) == [
        ("complete", ""),
        ("index", ""),
        ("main", ""),
        ("subpackage", "packageA/"),
        ("subpackage", "packageB/"),
    ]
    for artifact in artifacts.values():  # stored, whole, and the recorded hash is the content's
        data = _read(artifact.file)
        assert (len(data), hashlib.sha256(data).hexdigest()) == (artifact.size, artifact.sha256)
    with zipfile.ZipFile(package) as source:
        names = sorted(source.namelist())
    with artifacts[("complete", "")].file.open("rb") as fh, zipfile.ZipFile(fh) as complete:
        assert sorted(complete.namelist()) == names
        assert complete.testzip() is None
