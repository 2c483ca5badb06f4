"""Upload versions and move them through their lifecycle (one door: ``version_transition``)."""

from __future__ import annotations

import hashlib
import os
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction

from miniprograms.models import MiniProgram
from releases.models import PackageJob, Version, VersionFloor
from releases.package import jobs
from releases.package.versioning import SemVer, parse_version
from releases.transitions import ALLOWED
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership, User
from workspaces.services.audit import audit_record
from workspaces.transitions import transition_needed

MB = 1024 * 1024
UPLOAD_LIMIT = 100 * MB  # ≥ this is refused (SPEC §5)
NOTES_MAX = 1000
TOO_LARGE_MESSAGE = (
    "Source package size is abnormal (too large), please check and reconfigure before retrying"
)
NOT_A_ZIP_MESSAGE = (
    "The file is not a zip archive. Upload the package exported by the IDE or `mpp upload` "
    "(a .zip file)."
)
# A zip ends with its end-of-central-directory record: 22 bytes and a comment of up to 65,535.
EOCD_SIGNATURE = b"PK\x05\x06"
EOCD_SIZE = 22
EOCD_TAIL = EOCD_SIZE + 0xFFFF  # 65,557: the most that must be read to find it
LARGE_WARNING = (
    "The source package is large, which may hurt user experience. Consider subpackage "
    "loading or reducing the package size."
)


@transaction.atomic
def version_transition(
    *, actor: User | None, version_id: int, to: str, note: str = "", **fields: str
) -> tuple[Version, bool]:
    """Move a version to ``to`` (the table in transitions.py); returns (version, changed).

    A same-state request is a no-op (a double submit, a task redelivered); anything the table
    does not allow raises. ``fields`` are saved with it (``failure_code``, ``failure_message``).
    """
    version = (
        Version.objects.select_for_update(of=("self",))
        .select_related("miniprogram")
        .get(pk=version_id)
    )
    if not transition_needed(ALLOWED, version.status, to):
        return version, False
    previous = version.status
    version.status = to
    for name, value in fields.items():
        setattr(version, name, value)
    version.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        actor=actor,
        verb=f"version.{to}",
        workspace=version.workspace,
        target=version,
        before={"status": previous},
        after={"status": to, "number": version.number, "note": note[:500], **fields},
    )
    return version, True


def _sha256_and_size(package: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    package.seek(0)
    while chunk := package.read(MB):
        digest.update(chunk)
        size += len(chunk)
    package.seek(0)
    return digest.hexdigest(), size


def is_zip(package: IO[bytes]) -> bool:
    """Whether the file ends with a zip's end-of-central-directory record (reads at most the
    last 65,557 bytes). The scan checks the rest; this only keeps a file that cannot be a zip
    from taking a version number."""
    end = package.seek(0, os.SEEK_END)
    package.seek(max(0, end - EOCD_TAIL))
    tail = package.read(EOCD_TAIL)
    package.seek(0)
    start = tail.rfind(EOCD_SIGNATURE)
    while start >= 0:
        if start + EOCD_SIZE <= len(tail):
            comment_length = int.from_bytes(tail[start + 20 : start + 22], "little")
            if start + EOCD_SIZE + comment_length <= len(tail):
                return True
        start = tail.rfind(EOCD_SIGNATURE, 0, start)
    return False


def _not_greater(number: SemVer, floor: VersionFloor) -> ValidationError:
    highest = SemVer(floor.major, floor.minor, floor.patch)
    return ValidationError(
        {
            "version": f"Version {number} must be greater than {highest}, the highest version "
            f"ever uploaded for this mini program; upload {highest.next_patch()} or higher."
        }
    )


def version_upload(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    number: str,
    package: IO[bytes],
    notes: str = "",
    size: int | None = None,
    sha256: str | None = None,
) -> Version:
    """Store an uploaded package as a new version and queue its scan. Needs DEVELOP.

    Refused (``ValidationError``, nothing stored): a malformed number, a number not greater than
    the highest ever uploaded (named in the message), a package of 100 MB or more (the
    product's exact sentence), an empty file, a file that is not a zip (no end-of-central-
    directory record), over-long notes. ``size``/``sha256`` are given when the upload handler
    measured the stream already; otherwise the file is read once.
    The file is copied to storage in chunks (never whole in memory); if the transaction does
    not commit, the stored file is deleted before the error propagates. Once it has committed
    the file is the version's and stays, whatever happens after (the scan job is rung after
    commit; with the broker down the job ledger's sweeper rings it later).
    """
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    semver = parse_version(number)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError(
            {"notes": f"The notes are {len(notes)} characters; keep them to {NOTES_MAX}."}
        )
    if size is None or sha256 is None:
        sha256, size = _sha256_and_size(package)
    if size >= UPLOAD_LIMIT:
        raise ValidationError({"package": TOO_LARGE_MESSAGE})
    if size == 0:
        raise ValidationError({"package": "The package is empty."})
    if not is_zip(package):
        raise ValidationError({"package": NOT_A_ZIP_MESSAGE})
    stored = None
    committed: list[bool] = []  # set by an on-commit callback: the rows (and the file) are kept
    try:
        with transaction.atomic():
            VersionFloor.objects.get_or_create(miniprogram=miniprogram)
            floor = VersionFloor.objects.select_for_update().get(miniprogram=miniprogram)
            if floor.has_any and semver <= (floor.major, floor.minor, floor.patch):
                raise _not_greater(semver, floor)
            version = Version(
                workspace=miniprogram.workspace,
                miniprogram=miniprogram,
                number=str(semver),
                major=semver.major,
                minor=semver.minor,
                patch=semver.patch,
                notes=notes,
                package_size=size,
                package_sha256=sha256,
                uploaded_by=actor.user,
            )
            package.seek(0)
            version.package.save("package.zip", File(package), save=False)
            stored = version.package.name
            transaction.on_commit(lambda: committed.append(True))
            try:
                with transaction.atomic():
                    version.save()
            except IntegrityError as exc:
                raise ValidationError(
                    {"version": f"Version {semver} was uploaded a moment ago; use a higher one."}
                ) from exc
            floor.major, floor.minor, floor.patch, floor.has_any = (*semver, True)
            floor.save()
            audit_record(
                actor=actor.user,
                verb="version.upload",
                workspace=miniprogram.workspace,
                target=version,
                after={
                    "app_id": miniprogram.app_id,
                    "number": version.number,
                    "size": size,
                    "sha256": sha256,
                    "large": version.is_large,
                },
            )
            version, _ = version_transition(
                actor=actor.user, version_id=version.pk, to=Version.Status.SCANNING
            )
            jobs.job_enqueue(version_id=version.pk, kind=PackageJob.Kind.SCAN)
    except BaseException:
        if stored and not committed:
            Version._meta.get_field("package").storage.delete(stored)
        raise
    return version


def version_retry_scan(*, actor: Membership, version: Version) -> Version:
    """Re-run the scan of a version whose scan failed. Needs DEVELOP on its mini program."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, version.miniprogram)
    if version.status != Version.Status.SCAN_FAILED:
        raise ValidationError("Only a version whose scan failed can be scanned again.")
    with transaction.atomic():
        version, changed = version_transition(
            actor=actor.user,
            version_id=version.pk,
            to=Version.Status.SCANNING,
            note="retry",
            failure_code="",
            failure_message="",
        )
        if changed:
            for kind in (PackageJob.Kind.BUILD, PackageJob.Kind.QUALITY):
                jobs.job_cancel(version_id=version.pk, kind=kind)
            jobs.job_enqueue(version_id=version.pk, kind=PackageJob.Kind.SCAN)
    return version


def version_restart_quality(*, actor: Membership, version: Version) -> Version:
    """Cancel a running quality review and start it again (it never blocks a release)."""
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, version.miniprogram)
    if version.status != Version.Status.READY:
        raise ValidationError("The quality review runs once the package is scanned and built.")
    with transaction.atomic():
        jobs.job_cancel(version_id=version.pk, kind=PackageJob.Kind.QUALITY)
        jobs.job_enqueue(version_id=version.pk, kind=PackageJob.Kind.QUALITY)
        audit_record(
            actor=actor.user,
            verb="version.quality_restart",
            workspace=version.workspace,
            target=version,
        )
    return version
