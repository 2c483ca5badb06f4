"""Upload → scan → build → quality, with tasks run in-process (the worker round trip is in
test_worker_pipeline.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from miniprograms.tests.factories import create_miniprogram
from releases.models import LARGE_PACKAGE, Artifact, PackageJob, Version, VersionFloor
from releases.services.versions import (
    TOO_LARGE_MESSAGE,
    version_retry_scan,
    version_upload,
)
from releases.tests.packages import DEFAULT_FILES, with_files, zip_bytes
from workspaces.models import AuditEvent, Membership
from workspaces.services.workspaces import membership_add, workspace_create
from workspaces.tests.factories import UserFactory

Status = Version.Status
State = PackageJob.State


def upload(owner, mp, number="1.0.0", data: bytes | None = None, capture=None):
    package = ContentFile(zip_bytes() if data is None else data, name="pkg.zip")
    if capture is None:
        return version_upload(actor=owner, miniprogram=mp, number=number, package=package)
    with capture(execute=True):
        return version_upload(actor=owner, miniprogram=mp, number=number, package=package)


def stored_files(settings) -> set[str]:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def test_a_good_package_is_scanned_built_and_reviewed(
    owner, mp, django_capture_on_commit_callbacks
):
    version = upload(owner, mp, capture=django_capture_on_commit_callbacks)

    version.refresh_from_db()
    assert version.status == Status.READY
    assert version.scan_summary["subpackages"][0]["root"] == "packageA/"
    jobs = {j.kind: j for j in version.jobs.all()}
    assert {k: j.state for k, j in jobs.items()} == {
        "scan": State.SUCCEEDED,
        "build": State.SUCCEEDED,
        "quality": State.SUCCEEDED,
    }
    assert jobs["quality"].result["summary"]["scripts_searched"] == 4
    kinds = sorted((a.kind, a.root) for a in Artifact.objects.filter(version=version))
    assert kinds == [("complete", ""), ("index", ""), ("main", ""), ("subpackage", "packageA/")]
    complete = Artifact.objects.get(version=version, kind="complete")
    with complete.file.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as archive:
        assert set(archive.namelist()) == set(DEFAULT_FILES)
    verbs = list(
        AuditEvent.objects.filter(target_type="releases.version").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["version.ready", "version.scanning", "version.upload"]


def test_a_refused_package_fails_the_scan_with_the_sentence_and_can_be_retried(
    owner, mp, django_capture_on_commit_callbacks
):
    broken = zip_bytes(with_files({"pages/cart/index.js": None}))
    version = upload(owner, mp, data=broken, capture=django_capture_on_commit_callbacks)

    version.refresh_from_db()
    assert version.status == Status.SCAN_FAILED
    assert version.failure_code == "missing_file"
    assert version.failure_message == (
        "“pages/cart/index.js” is listed in app.json but missing from the package."
    )
    assert not Artifact.objects.filter(version=version).exists()
    with django_capture_on_commit_callbacks(execute=True):
        version_retry_scan(actor=owner, version=version)
    version.refresh_from_db()
    assert version.status == Status.SCAN_FAILED  # the same package fails the same way
    assert version.jobs.get(kind="scan").attempts == 1  # the retry reset the job


def test_versions_must_grow_and_the_refusal_names_the_highest(owner, mp):
    upload(owner, mp, "1.2.0")
    for number in ("1.2.0", "1.1.9", "0.9.0"):
        with pytest.raises(ValidationError) as caught:
            upload(owner, mp, number)
        assert caught.value.message_dict["version"] == [
            f"Version {number} must be greater than 1.2.0, the highest version ever uploaded "
            "for this mini program; upload 1.2.1 or higher."
        ]
    upload(owner, mp, "1.10.0")  # numeric, not lexical, order
    assert VersionFloor.objects.get(miniprogram=mp).number == "1.10.0"


def test_a_deleted_version_still_counts_as_uploaded(owner, mp):
    upload(owner, mp, "2.0.0").delete()
    with pytest.raises(ValidationError, match=r"greater than 2\.0\.0"):
        upload(owner, mp, "2.0.0")


@pytest.mark.parametrize("number", ["1.0", "1.0.0.0", "01.0.0", "a.b.c", "", "1.0.-1"])
def test_malformed_numbers_are_refused(owner, mp, number):
    with pytest.raises(ValidationError) as caught:
        upload(owner, mp, number)
    assert (
        "is not a version number: use MAJOR.MINOR.PATCH" in caught.value.message_dict["version"][0]
    )


def test_size_limits_leave_nothing_behind(owner, mp, settings):
    from releases.services import versions

    with pytest.raises(ValidationError) as caught:
        version_upload(
            actor=owner,
            miniprogram=mp,
            number="1.0.0",
            package=ContentFile(b"x", name="p.zip"),
            size=versions.UPLOAD_LIMIT,
            sha256="0" * 64,
        )
    assert caught.value.message_dict["package"] == [TOO_LARGE_MESSAGE]
    assert not Version.objects.exists()
    assert not any(f.startswith("packages/") for f in stored_files(settings))


def test_a_large_package_is_accepted_with_the_flag(owner, mp):
    version = version_upload(
        actor=owner,
        miniprogram=mp,
        number="1.0.0",
        package=ContentFile(zip_bytes(), name="p.zip"),
        size=LARGE_PACKAGE,
        sha256="0" * 64,
    )
    assert version.is_large is True


def test_a_developer_not_assigned_cannot_upload(owner, mp):
    from workspaces.authz import CapabilityDenied

    developer = membership_add(workspace=owner.workspace, user=UserFactory(), role="developer")
    with pytest.raises(CapabilityDenied):
        upload(developer, mp)
    assert not Version.objects.exists()


def test_running_a_job_twice_changes_nothing_the_second_time(
    owner, mp, django_capture_on_commit_callbacks
):
    from releases.tasks import run_job

    version = upload(owner, mp, capture=django_capture_on_commit_callbacks)
    scan = version.jobs.get(kind="scan")
    before = list(Artifact.objects.filter(version=version).values("file", "sha256"))

    assert run_job.apply(args=[scan.pk]).get() == "skipped"  # finished: nothing to claim

    assert list(Artifact.objects.filter(version=version).values("file", "sha256")) == before
    scan.refresh_from_db()
    assert scan.attempts == 1


def test_the_sweeper_fails_a_version_whose_worker_is_lost_every_time(
    owner, mp, monkeypatch, django_capture_on_commit_callbacks
):

    from django.utils import timezone

    from releases.package import jobs
    from releases.tasks import sweep_jobs

    monkeypatch.setattr(jobs, "_ring", lambda job_id: None)  # the bell rings; nobody answers
    version = upload(owner, mp, capture=django_capture_on_commit_callbacks)
    scan = version.jobs.get(kind="scan")
    start = timezone.now()
    for attempt in range(jobs.MAX_ATTEMPTS):  # claimed, then the worker dies (SIGKILL)
        assert jobs.job_claim(job_id=scan.pk, now=start + attempt * 2 * jobs.lease())
    later = start + 2 * jobs.MAX_ATTEMPTS * jobs.lease()
    monkeypatch.setattr(timezone, "now", lambda: later)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_jobs.apply().get() == {"rung": 0, "failed": 1}

    version.refresh_from_db()
    assert (version.status, version.failure_code) == (Status.SCAN_FAILED, "worker_lost")
    assert "stopped 3 times before finishing" in version.failure_message


def test_the_sweeper_runs_every_minute_from_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["releases-sweep-jobs"]
    assert entry["task"] == "releases.sweep_jobs"
    assert entry["schedule"].total_seconds() == 60


def test_the_unique_constraint_backs_the_floor_and_the_loser_leaves_no_file(owner, mp, settings):
    """A row the floor did not know about (a race past the lock) still cannot be duplicated."""
    Version.objects.create(
        workspace=mp.workspace,
        miniprogram=mp,
        number="1.0.0",
        major=1,
        minor=0,
        patch=0,
        package="packages/aa/other.zip",
        package_size=10,
        package_sha256="0" * 64,
    )
    with pytest.raises(ValidationError) as caught:
        upload(owner, mp, "1.0.0")
    assert caught.value.message_dict["version"] == [
        "Version 1.0.0 was uploaded a moment ago; use a higher one."
    ]
    assert Version.objects.filter(miniprogram=mp).count() == 1
    assert not any(f.startswith("packages/") for f in stored_files(settings))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_uploads_of_one_number_exactly_one_wins(settings):
    import threading

    from django.db import connection

    user = UserFactory()
    workspace = workspace_create(owner=user, name="Race Co", kind="tenant")
    owner = Membership.objects.get(workspace=workspace, user=user)
    mp = create_miniprogram(owner)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            version_upload(
                actor=owner,
                miniprogram=mp,
                number="3.0.0",
                package=ContentFile(zip_bytes(), name="p.zip"),
            )
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["version"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes, key=len) == [
        "ok",
        "Version 3.0.0 must be greater than 3.0.0, the highest version ever uploaded for this "
        "mini program; upload 3.0.1 or higher.",
    ]
    assert Version.objects.filter(miniprogram=mp).count() == 1
    packages = [f for f in stored_files(settings) if f.startswith("packages/")]
    assert len(packages) == 1
