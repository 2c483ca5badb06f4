"""Uploads while the broker is down, and job errors a user may read.

With Redis unreachable the scan's doorbell cannot be published. That must not undo the upload
that committed: the answer is a success, the package stays stored, the job stays queued, and
once the broker is back the ledger's sweeper rings again and the version gets ready. These
tests commit for real (``transaction=True``), so the after-commit publish happens inside the
upload as in production; the ``broker_down`` fixture points Celery at a closed port.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from releases.models import PackageJob, Version, VersionFloor
from releases.package import jobs
from releases.tasks import run_job
from releases.tests.factories import GOOD, upload_version
from workspaces.models import Membership
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

Status = Version.Status
State = PackageJob.State


@pytest.fixture
def owner(transactional_db) -> Membership:
    """Overrides the shared ``owner``: these tests need real commits (on-commit publishing)."""
    return MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")


def _package() -> io.BytesIO:
    buffer = io.BytesIO(GOOD)
    buffer.name = "app.zip"
    return buffer


def _sweep_after_the_outage() -> None:
    """What beat does every minute, a few minutes later (the queued job is stale by then)."""
    from releases.services import pipeline

    jobs.jobs_sweep(
        now=timezone.now() + timedelta(minutes=5), on_exhausted=pipeline.version_fail_exhausted
    )


def _assert_kept_and_queued(version: Version) -> PackageJob:
    assert version.status == Status.SCANNING
    with version.package.open("rb") as stored:
        assert stored.read() == GOOD  # the package was not deleted
    assert VersionFloor.objects.get(miniprogram=version.miniprogram).number == "1.0.0"
    job = PackageJob.objects.get(version=version, kind=PackageJob.Kind.SCAN)
    assert (job.state, job.attempts) == (State.QUEUED, 0)
    return job


def test_an_api_upload_while_the_broker_is_down_succeeds_and_is_scanned_once_it_is_back(
    owner, mp, broker_down, caplog
):
    _token, raw = token_create(user=owner.user, name="CLI")
    url = f"/api/v1/workspaces/{mp.workspace.slug}/miniprograms/{mp.app_id}/versions"

    with caplog.at_level(logging.WARNING, logger="console.outbox"):
        response = APIClient().post(
            url,
            {"version": "1.0.0", "notes": "", "package": _package()},
            format="multipart",
            headers={"Authorization": f"Bearer {raw}"},
        )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == Status.SCANNING
    job = _assert_kept_and_queued(Version.objects.get())
    assert f"package job {job.pk}" in caplog.text  # the lost doorbell is logged with the job

    broker_down()  # the broker is back (tasks run in-process again)
    _sweep_after_the_outage()

    version = Version.objects.get()
    assert version.status == Status.READY
    assert set(version.jobs.values_list("kind", "state")) == {
        ("scan", State.SUCCEEDED),
        ("build", State.SUCCEEDED),
        ("quality", State.SUCCEEDED),
    }


def test_a_console_upload_while_the_broker_is_down_opens_the_version_page(owner, mp, broker_down):
    client = Client()
    client.force_login(owner.user)

    response = client.post(
        reverse("releases:upload", args=[mp.workspace.slug, mp.app_id]),
        {"version": "1.0.0", "notes": "", "package": _package()},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "releases:version", args=[mp.workspace.slug, mp.app_id, "1.0.0"]
    )
    _assert_kept_and_queued(Version.objects.get())
    broker_down()
    _sweep_after_the_outage()
    assert Version.objects.get().status == Status.READY


def test_a_job_whose_package_file_is_missing_fails_with_a_sentence_without_server_paths(
    owner, mp, settings, caplog
):
    version = upload_version(owner, mp, "1.0.0")  # committed: its pipeline ran in-process
    version.package.storage.delete(version.package.name)  # the file is lost on the server
    Version.objects.filter(pk=version.pk).update(status=Status.SCANNING)

    with caplog.at_level(logging.ERROR, logger="releases.tasks"):
        scan = jobs.job_enqueue(version_id=version.pk, kind=PackageJob.Kind.SCAN)  # runs now
    assert run_job(scan.pk) == "skipped"  # a second ring changes nothing

    scan.refresh_from_db()
    version.refresh_from_db()
    assert scan.state == State.FAILED
    assert version.status == Status.SCAN_FAILED
    for text in (scan.error, version.failure_message):
        assert "could not be found" in text
        assert str(settings.MEDIA_ROOT) not in text and "/" not in text
        assert "Errno" not in text
    assert str(settings.MEDIA_ROOT) in caplog.text  # the detail is in the server's log
