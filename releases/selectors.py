"""Reads of the releases app (STYLE.md §3): scoped to one mini program, related rows up front.

The caller has already fetched and authorized the mini program (``access_miniprogram``); every
lookup here is *inside* it, so a version number of another mini program is simply not found.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import IntegerField, Prefetch, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext

from miniprograms.models import MiniProgram
from releases.models import (
    Artifact,
    PackageJob,
    Release,
    ReleaseTarget,
    TrialVersion,
    Version,
    VersionFloor,
)
from releases.package.diff import PackageDiff, diff_packages
from releases.package.versioning import parse_version
from workspaces.models import AuditEvent

# The order a version's work happens in (the ledger's rows sort by name otherwise).
JOB_ORDER: dict[str, int] = {
    PackageJob.Kind.SCAN: 0,
    PackageJob.Kind.BUILD: 1,
    PackageJob.Kind.QUALITY: 2,
}
ARTIFACT_ORDER: dict[str, int] = {
    Artifact.Kind.COMPLETE: 0,
    Artifact.Kind.MAIN: 1,
    Artifact.Kind.SUBPACKAGE: 2,
    Artifact.Kind.INDEX: 3,
}


def version_list(*, miniprogram: MiniProgram) -> QuerySet[Version]:
    """The versions of a mini program, highest number first (a stable, unique order)."""
    return (
        Version.objects.filter(miniprogram=miniprogram)
        .select_related("uploaded_by")
        .order_by("-major", "-minor", "-patch")
    )


def version_get(*, miniprogram: MiniProgram, number: str) -> Version | None:
    """One version of the mini program by its number (``"1.2.3"``), with its jobs and
    artifacts prefetched; ``None`` when the mini program has no such version."""
    return (
        Version.objects.filter(miniprogram=miniprogram, number=number)
        .select_related("uploaded_by", "miniprogram")
        .prefetch_related(
            Prefetch("jobs", queryset=PackageJob.objects.order_by("kind")),
            Prefetch("artifacts", queryset=Artifact.objects.order_by("kind", "root")),
        )
        .first()
    )


def version_jobs(version: Version) -> list[PackageJob]:
    """The version's jobs in pipeline order (scan, build, quality), from the prefetch."""
    return sorted(version.jobs.all(), key=lambda job: JOB_ORDER.get(job.kind, 9))


def version_artifacts(version: Version) -> list[Artifact]:
    """The built files: the complete package, the main package, subpackages, the index."""
    return sorted(version.artifacts.all(), key=lambda a: (ARTIFACT_ORDER.get(a.kind, 9), a.root))


def version_artifact_get(*, version: Version, kind: str, root: str = "") -> Artifact | None:
    """One built file of the version; a subpackage is named by its root (``packageA/``, the
    trailing slash optional)."""
    if kind == Artifact.Kind.SUBPACKAGE and root and not root.endswith("/"):
        root += "/"
    return next((a for a in version.artifacts.all() if (a.kind, a.root) == (kind, root)), None)


def _quality_job(version: Version) -> PackageJob | None:
    return next((j for j in version.jobs.all() if j.kind == PackageJob.Kind.QUALITY), None)


def version_quality_report(version: Version) -> dict[str, Any] | None:
    """The full quality report (the quality job's result), or ``None`` until a review finished
    (never run, queued, running, cancelled or failed)."""
    job = _quality_job(version)
    if job is None or job.state != PackageJob.State.SUCCEEDED or not job.result:
        return None
    if "summary" not in job.result:  # {"skipped": …}: the version was not ready when it ran
        return None
    return job.result


def version_previous(version: Version) -> Version | None:
    """The highest version of the same mini program below ``version`` (what a diff compares
    against by default); ``None`` for the first."""
    below = Version.objects.filter(miniprogram_id=version.miniprogram_id).exclude(pk=version.pk)
    candidates = below.filter(major__lt=version.major) | below.filter(
        major=version.major, minor__lt=version.minor
    )
    candidates |= below.filter(major=version.major, minor=version.minor, patch__lt=version.patch)
    return candidates.order_by("-major", "-minor", "-patch").first()


def version_diff_base(*, version: Version, against: str = "") -> Version | None:
    """The version a diff of ``version`` compares with: one rule for the console and the API.

    ``against`` names it: a version number of the same mini program (``v1.2.0`` and surrounding
    spaces are read as ``1.2.0``), higher or lower, but not ``version`` itself. Left empty, it is
    the version just below (:func:`version_previous`: the highest lower number, whatever its
    status), and ``None`` when ``version`` is the first. A named version that cannot be compared
    with is refused, never replaced by the default, so the caller never shows a diff against a
    version nobody asked for: ``ValidationError({"against": sentence})`` when the text is not a
    version number, names no version of this mini program, or names ``version`` itself.
    """
    if not against.strip():
        return version_previous(version)
    try:
        number = str(parse_version(against))
    except ValidationError as exc:
        raise ValidationError({"against": exc.message_dict["version"]}) from exc
    if number == version.number:
        raise ValidationError(
            {
                "against": gettext("Compare version %(number)s with another version.")
                % {"number": version.number}
            }
        )
    base = Version.objects.filter(miniprogram_id=version.miniprogram_id, number=number).first()
    if base is None:
        raise ValidationError(
            {
                "against": gettext("This mini program has no version %(number)s.")
                % {"number": number}
            }
        )
    return base


def _layout(version: Version) -> tuple[str, list[str]]:
    """Where the package's files start in the zip and its subpackage roots, as scanned."""
    summary = version.scan_summary or {}
    roots = [sub["root"] for sub in summary.get("subpackages") or []]
    return summary.get("root_prefix", ""), roots


def version_diff(*, old: Version, new: Version) -> PackageDiff:
    """Files added, removed and changed from ``old`` to ``new``, and size deltas per part.

    Reads only the two zips' central directories (``releases.package.diff``), straight from storage.
    """
    old_prefix, old_roots = _layout(old)
    new_prefix, new_roots = _layout(new)
    with old.package.open("rb") as before, new.package.open("rb") as after:
        return diff_packages(
            before,
            after,
            old_prefix=old_prefix,
            new_prefix=new_prefix,
            old_roots=old_roots,
            new_roots=new_roots,
        )


def trial_get(*, miniprogram: MiniProgram) -> TrialVersion | None:
    """The mini program's trial version (with its version and who set it), or ``None``."""
    return (
        TrialVersion.objects.filter(miniprogram=miniprogram)
        .select_related("version", "updated_by")
        .first()
    )


# --- the console's version pages ---------------------------------------------------------------


def version_list_with_jobs(*, miniprogram: MiniProgram) -> QuerySet[Version]:
    """:func:`version_list` with each version's jobs prefetched for a table: their state and
    progress, and the quality review's finding counts (``quality_warnings``/``quality_infos``,
    read from its report in SQL; the reports themselves are not loaded)."""
    jobs = (
        PackageJob.objects.defer("result")
        .annotate(
            quality_warnings=Cast(KT("result__summary__warnings"), IntegerField()),
            quality_infos=Cast(KT("result__summary__infos"), IntegerField()),
        )
        .order_by("kind")
    )
    return version_list(miniprogram=miniprogram).prefetch_related(Prefetch("jobs", queryset=jobs))


def version_newest(*, miniprogram: MiniProgram, ready: bool = False) -> Version | None:
    """The highest version of the mini program (the development version), or the highest one
    that is ready with ``ready=True``; ``None`` when there is none."""
    versions = version_list(miniprogram=miniprogram)
    if ready:
        versions = versions.filter(status=Version.Status.READY)
    return versions.first()


def version_ready_list(*, miniprogram: MiniProgram, limit: int = 50) -> list[Version]:
    """The newest ready versions (what a trial version can be), with their scan summaries."""
    return list(version_list(miniprogram=miniprogram).filter(status=Version.Status.READY)[:limit])


def version_numbers(*, miniprogram: MiniProgram) -> list[str]:
    """Every version number of the mini program, highest first (a diff's "against" choices)."""
    return list(version_list(miniprogram=miniprogram).values_list("number", flat=True))


def version_floor_number(*, miniprogram: MiniProgram) -> str | None:
    """The highest version ever uploaded (rejected and deleted ones included), or ``None``."""
    floor = VersionFloor.objects.filter(miniprogram=miniprogram, has_any=True).first()
    return floor.number if floor is not None else None


def version_audit_list(version: Version) -> QuerySet[AuditEvent]:
    """The audit records of one version (upload, scan, retries, quality restarts), newest
    first."""
    return (
        AuditEvent.objects.filter(
            workspace_id=version.workspace_id,
            target_type=Version._meta.label_lower,
            target_id=str(version.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


RECENT_VERSIONS_DAYS = 7


def version_recent_for_member(*, member, limit: int = 5) -> tuple[list[Version], int]:
    """The newest uploads of mini programs ``member`` may see (dashboard): up to ``limit`` of
    them with their mini program, and how many were uploaded in the last seven days.

    Filtered by the version's own workspace, so both queries walk the ``(workspace,
    -created_at)`` index and stop after ``limit`` rows / at the week's start, however many
    versions the workspace holds; only a member who sees less than every mini program (a
    Developer's assigned ones) adds the visibility condition.
    """
    from datetime import timedelta

    from django.utils import timezone

    from miniprograms.selectors import miniprogram_visible
    from workspaces import authz
    from workspaces.authz import Cap

    visible = Version.objects.filter(workspace_id=member.workspace_id)
    if not authz.has_role_cap(member, Cap.VIEW_MINIPROGRAM):
        visible = visible.filter(miniprogram__in=miniprogram_visible(member=member).values("pk"))
    recent = list(
        visible.select_related("miniprogram", "uploaded_by").order_by("-created_at", "-id")[:limit]
    )
    since = timezone.now() - timedelta(days=RECENT_VERSIONS_DAYS)
    return recent, visible.filter(created_at__gte=since).count()


# --- releases -----------------------------------------------------------------------------------


def release_target_list(*, miniprogram: MiniProgram) -> list[ReleaseTarget]:
    """The mini program's release targets, by host app and environment, each with ``online``
    (its released release or ``None``) and ``open_release`` (under review or approved, or
    ``None``), versions loaded: two queries whatever the number of targets."""
    targets: list[ReleaseTarget] = list(
        ReleaseTarget.objects.filter(miniprogram=miniprogram)
        .select_related("host_app")
        .prefetch_related(
            Prefetch(
                "releases",
                queryset=Release.objects.filter(
                    state__in=(Release.State.RELEASED, *Release.OPEN_STATES)
                ).select_related("version", "approval", "submitted_by", "published_by"),
                to_attr="current_releases",
            )
        )
    )
    for target in targets:
        current: list[Release] = target.current_releases  # type: ignore[attr-defined]
        target.online = next(  # type: ignore[attr-defined]
            (r for r in current if r.state == Release.State.RELEASED), None
        )
        target.open_release = next(  # type: ignore[attr-defined]
            (r for r in current if r.is_open), None
        )
    return targets


def release_history(*, target: ReleaseTarget) -> QuerySet[Release]:
    """Every release of a target, newest first, with who and which version replaced which."""
    return Release.objects.filter(target=target).select_related(
        "version", "replaces__version", "submitted_by", "published_by", "approval"
    )
