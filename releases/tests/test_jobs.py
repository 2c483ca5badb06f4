"""The job ledger: one conditional UPDATE claims a job; leases expire; the sweeper rings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from miniprograms.tests.factories import create_miniprogram
from releases.models import PackageJob, Version
from releases.package import jobs
from workspaces.models import Membership
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import UserFactory

State = PackageJob.State


@pytest.fixture
def version(db) -> Version:
    user = UserFactory()
    workspace = workspace_create(owner=user, name="Ledger Co", kind="tenant")
    owner = Membership.objects.get(workspace=workspace, user=user)
    mp = create_miniprogram(owner)
    return Version.objects.create(
        workspace=workspace,
        miniprogram=mp,
        number="1.0.0",
        major=1,
        minor=0,
        patch=0,
        package="packages/x/y.zip",
        package_size=10,
        package_sha256="0" * 64,
    )


@pytest.fixture
def rung(monkeypatch) -> list[int]:
    """Job ids whose doorbell rang (the task itself is not under test here)."""
    calls: list[int] = []
    monkeypatch.setattr(jobs, "_ring", calls.append)
    return calls


def test_enqueue_rings_after_commit_and_a_second_enqueue_is_a_no_op(
    version, rung, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(version_id=version.pk, kind="scan")
        assert rung == []  # not before the commit
    assert rung == [job.pk]
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs.job_enqueue(version_id=version.pk, kind="scan")
    assert again.pk == job.pk and rung == [job.pk]  # queued already: nothing new


def test_exactly_one_claim_wins(version, rung, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(version_id=version.pk, kind="scan")
    first = jobs.job_claim(job_id=job.pk)
    second = jobs.job_claim(job_id=job.pk)
    assert first is not None and second is None
    job.refresh_from_db()
    assert (job.state, job.attempts, job.lease_token) == (State.RUNNING, 1, first)


def test_an_expired_lease_can_be_taken_over_and_the_old_run_cannot_finish(
    version, rung, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(version_id=version.pk, kind="scan")
    old = jobs.job_claim(job_id=job.pk)
    later = timezone.now() + jobs.lease() + timedelta(seconds=1)
    new = jobs.job_claim(job_id=job.pk, now=later)
    assert new is not None and new != old
    assert jobs.job_heartbeat(job_id=job.pk, token=old) is False
    assert jobs.job_complete(job_id=job.pk, token=old, result={"by": "old"}) is False
    assert jobs.job_complete(job_id=job.pk, token=new, result={"by": "new"}) is True
    job.refresh_from_db()
    assert (job.state, job.result, job.attempts, job.progress) == (
        State.SUCCEEDED,
        {"by": "new"},
        2,
        100,
    )
    assert jobs.job_claim(job_id=job.pk, now=later) is None  # finished: nothing to claim


def test_the_lease_follows_the_setting_read_at_each_claim_and_heartbeat(
    version, rung, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(version_id=version.pk, kind="scan")
    settings.PACKAGE_JOB_LEASE_SECONDS = 7
    now = timezone.now()
    token = jobs.job_claim(job_id=job.pk, now=now)
    job.refresh_from_db()
    assert job.lease_expires_at == now + timedelta(seconds=7)

    settings.PACKAGE_JOB_LEASE_SECONDS = 600
    assert jobs.job_heartbeat(job_id=job.pk, token=token) is True
    job.refresh_from_db()
    assert job.lease_expires_at - timezone.now() > timedelta(seconds=590)
    assert jobs.job_claim(job_id=job.pk, now=now + timedelta(seconds=8)) is None  # extended


def test_release_requeues_and_fail_is_final(version, rung, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(version_id=version.pk, kind="build")
    token = jobs.job_claim(job_id=job.pk)
    assert jobs.job_release(job_id=job.pk, token=token, error="storage timed out")
    job.refresh_from_db()
    assert (job.state, job.error) == (State.QUEUED, "storage timed out")
    token = jobs.job_claim(job_id=job.pk)
    assert jobs.job_fail(job_id=job.pk, token=token, error="refused")
    job.refresh_from_db()
    assert (job.state, job.error, job.attempts) == (State.FAILED, "refused", 2)


def test_sweeper_rings_expired_and_stale_jobs_and_fails_exhausted_ones(
    version, rung, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scan = jobs.job_enqueue(version_id=version.pk, kind="scan")
        quality = jobs.job_enqueue(version_id=version.pk, kind="quality")
    rung.clear()
    now = timezone.now()
    for attempt in range(jobs.MAX_ATTEMPTS):  # the scan's worker dies every time
        assert jobs.job_claim(job_id=scan.pk, now=now + attempt * (jobs.lease() * 2))
    exhausted: list[PackageJob] = []
    later = now + jobs.lease() * 2 * jobs.MAX_ATTEMPTS

    with django_capture_on_commit_callbacks(execute=True):
        counts = jobs.jobs_sweep(now=later, on_exhausted=exhausted.append)

    assert counts == {"rung": 1, "failed": 1}
    assert rung == [quality.pk]  # queued for minutes, never claimed: rung again
    assert [j.pk for j in exhausted] == [scan.pk]
    scan.refresh_from_db()
    assert scan.state == State.FAILED and "Gave up after 3 attempts" in scan.error
    with django_capture_on_commit_callbacks(execute=True):  # a second sweep right away
        assert jobs.jobs_sweep(now=later) == {"rung": 0, "failed": 0}


def test_cancel_stops_a_queued_job(version, rung, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_enqueue(version_id=version.pk, kind="quality")
    assert jobs.job_cancel(version_id=version.pk, kind="quality") is True
    assert jobs.job_claim(job_id=job.pk) is None
    with django_capture_on_commit_callbacks(execute=True):  # re-submitting restarts it
        jobs.job_enqueue(version_id=version.pk, kind="quality")
    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.QUEUED, 0)
