"""Reads of releases for the console's pages (STYLE.md §3): the Releases tab's matrix and
history, where each version is online or in review, the mini program's release summary and a
version's release timeline.

Every read is inside one mini program the caller has already fetched and authorized
(``access_miniprogram``) and costs a fixed number of queries, whatever the number of host apps,
targets, versions or releases (the pages' query-count tests hold them to it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from miniprograms.models import MiniProgram, MiniProgramHostApp
from releases.grayscale.models import GrayscaleTask
from releases.models import Release, ReleaseTarget, TrialVersion, Version
from workspaces.models import AuditEvent

State = Release.State
Env = ReleaseTarget.Environment

# What a release shows of itself in a list: the version, where, and who acted.
_RELATED = (
    "version",
    "target__host_app__workspace",
    "replaces__version",
    "submitted_by",
    "published_by",
    "approval__decided_by",
)
CURRENT_STATES = (State.RELEASED, *Release.OPEN_STATES)


def _host_offline() -> Exists:
    """Whether the mini program was taken offline from the release's host app (annotated as
    ``host_offline``: a release online there is no longer delivered)."""
    return Exists(
        MiniProgramHostApp.objects.filter(
            miniprogram_id=OuterRef("target__miniprogram_id"),
            host_app_id=OuterRef("target__host_app_id"),
            status=MiniProgramHostApp.Status.OFFLINE,
        )
    )


# --- the Releases tab ---------------------------------------------------------------------------


def release_host_apps(*, miniprogram: MiniProgram) -> list[MiniProgramHostApp]:
    """The host apps the mini program is released to ("Release to"), offline ones included,
    by name, each with its host app and the tenant that owns it: one query."""
    return list(
        MiniProgramHostApp.objects.filter(miniprogram=miniprogram)
        .select_related("host_app__workspace")
        .order_by("host_app__name", "id")
    )


def release_matrix_targets(*, miniprogram: MiniProgram) -> list[ReleaseTarget]:
    """The mini program's release targets, each with ``online`` (its released release or
    ``None``) and ``open_release`` (under review or approved, or ``None``); the releases carry
    their version, the version they replaced, who submitted and published them and the
    approval's decider: two queries whatever the number of targets."""
    current = Release.objects.filter(state__in=CURRENT_STATES).select_related(
        "version", "replaces__version", "submitted_by", "published_by", "approval__decided_by"
    )
    targets: list[ReleaseTarget] = list(
        ReleaseTarget.objects.filter(miniprogram=miniprogram)
        .select_related("host_app__workspace")
        .prefetch_related(Prefetch("releases", queryset=current, to_attr="current_releases"))
        .order_by("host_app__name", "environment", "id")
    )
    for target in targets:
        releases: list[Release] = target.current_releases  # type: ignore[attr-defined]
        target.online = next(  # type: ignore[attr-defined]
            (r for r in releases if r.state == State.RELEASED), None
        )
        target.open_release = next(  # type: ignore[attr-defined]
            (r for r in releases if r.is_open), None
        )
    return targets


def release_history_list(
    *, miniprogram: MiniProgram, target_id: int | None = None
) -> QuerySet[Release]:
    """Every release of the mini program (or of one of its targets), newest first, with the
    version, where, the version it replaced, who submitted and published it and the review's
    decider: one query per page, whatever the number of rows."""
    releases = Release.objects.filter(target__miniprogram=miniprogram)
    if target_id is not None:
        releases = releases.filter(target_id=target_id)
    return releases.select_related(*_RELATED).order_by("-created_at", "-id")


def release_get(*, miniprogram: MiniProgram, release_id: int) -> Release | None:
    """One release of the mini program (``None`` when it has none by that id), with its version,
    target and the release online before it."""
    return (
        Release.objects.filter(pk=release_id, target__miniprogram=miniprogram)
        .select_related(*_RELATED)
        .first()
    )


def release_target_get(*, miniprogram: MiniProgram, target_id: int) -> ReleaseTarget | None:
    """One release target of the mini program (``None`` when it has none by that id)."""
    return (
        ReleaseTarget.objects.filter(pk=target_id, miniprogram=miniprogram)
        .select_related("host_app")
        .first()
    )


def release_online_get(*, target: ReleaseTarget) -> Release | None:
    """The release online on ``target`` (with the version it replaced), or ``None``."""
    return (
        Release.objects.filter(target=target, state=State.RELEASED)
        .select_related("version", "replaces__version")
        .first()
    )


# --- where versions are --------------------------------------------------------------------------


def release_current_by_version(*, versions: Iterable[Version]) -> dict[int, list[Release]]:
    """For each of ``versions`` (a page of the versions table), its releases online or in
    progress, by host app and environment, each annotated ``host_offline``: one query for all
    rows."""
    ids = [v.pk for v in versions]
    found: dict[int, list[Release]] = defaultdict(list)
    if not ids:
        return found
    releases = (
        Release.objects.filter(version_id__in=ids, state__in=CURRENT_STATES)
        .select_related("target__host_app")
        .annotate(host_offline=_host_offline())
        .order_by("target__host_app__name", "target__environment", "id")
    )
    for release in releases:
        found[release.version_id].append(release)
    return found


@dataclass(frozen=True)
class ReleaseSummary:
    """What a mini program has online and in review (the Overview and the Versions tab's
    strip): one reading, so both pages always agree."""

    production: list[Release]  # online in production, one per host app (delivered ones)
    elsewhere: Release | None  # the newest online outside production, when none is in production
    in_review: list[Release]  # waiting for the tenant's review
    approved: list[Release]  # approved, waiting to be published
    last_released_at: datetime | None  # when a version last went online in production

    @property
    def online(self) -> list[Release]:
        """Production's online releases, else the newest online elsewhere, else nothing."""
        if self.production:
            return self.production
        return [self.elsewhere] if self.elsewhere is not None else []


def release_summary(*, miniprogram: MiniProgram) -> ReleaseSummary:
    """The mini program's online and in-flight releases: one query.

    A release online in a host app the mini program was taken offline from is not delivered, so
    it does not count as online. ``last_released_at`` is the mini program's ``released_at``: the
    release services derive it from the production releases after every publish and rollback
    (``release_state_refresh``), so it is never set apart from them.
    """
    releases: list[Release] = list(
        Release.objects.filter(target__miniprogram=miniprogram, state__in=CURRENT_STATES)
        .select_related("version", "target__host_app__workspace")
        .annotate(host_offline=_host_offline())
        .order_by("target__host_app__name", "target__environment", "id")
    )
    online = [
        r
        for r in releases
        if r.state == State.RELEASED and not r.host_offline  # type: ignore[attr-defined]
    ]
    production = [r for r in online if r.target.environment == Env.PRODUCTION]
    others = sorted(
        (r for r in online if r.target.environment != Env.PRODUCTION),
        key=lambda r: (r.published_at or r.created_at, r.pk),
        reverse=True,
    )
    return ReleaseSummary(
        production=production,
        elsewhere=None if production or not others else others[0],
        in_review=[r for r in releases if r.state == State.UNDER_REVIEW],
        approved=[r for r in releases if r.state == State.APPROVED],
        last_released_at=miniprogram.released_at,
    )


# --- one version's releases (its page's timeline) ------------------------------------------------


@dataclass
class VersionReleases:
    """The releases of one version, oldest first, with what the timeline needs to say who and
    when: the release that replaced each archived one, and each release's audit rows."""

    releases: list[Release]
    replaced_by: dict[int, Release] = field(default_factory=dict)
    events: dict[int, list[AuditEvent]] = field(default_factory=dict)


def version_releases(*, version: Version) -> VersionReleases:
    """Every release of ``version`` (to any target, rollbacks included), oldest first: three
    queries whatever their number."""
    releases = list(
        Release.objects.filter(version=version)
        .select_related(*_RELATED)
        .order_by("created_at", "id")
    )
    if not releases:
        return VersionReleases(releases=[])
    ids = [r.pk for r in releases]
    replaced_by = {
        r.replaces_id: r
        for r in Release.objects.filter(replaces_id__in=ids).select_related("version")
        if r.replaces_id is not None
    }
    events: dict[int, list[AuditEvent]] = defaultdict(list)
    rows = (
        AuditEvent.objects.filter(
            workspace_id=version.workspace_id,
            target_type=Release._meta.label_lower,
            target_id__in=[str(pk) for pk in ids],
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    for event in rows:
        events[int(event.target_id)].append(event)
    return VersionReleases(releases=releases, replaced_by=replaced_by, events=dict(events))


# --- grayscale tasks on the console's pages ---------------------------------------------------


def release_grayscale_by_target(*, miniprogram: MiniProgram) -> dict[int, list[GrayscaleTask]]:
    """The grayscale tasks of every target of the mini program, newest first, each with its
    version: one query, whatever the number of targets and tasks (the Releases tab)."""
    found: dict[int, list[GrayscaleTask]] = defaultdict(list)
    tasks = (
        GrayscaleTask.objects.filter(target__miniprogram=miniprogram)
        .select_related("version")
        .order_by("-created_at", "-id")
    )
    for task in tasks:
        found[task.target_id].append(task)
    return found


def release_grayscale_versions(*, target: ReleaseTarget) -> list[Version]:
    """The versions a grayscale task on ``target`` may deliver (and a hotfix may switch to):
    approved there and not published, higher than the version online there, newest first.
    Empty when nothing is online (the first release of a target is a full release). Two
    queries."""
    online = release_online_get(target=target)
    if online is None:
        return []
    floor = (online.version.major, online.version.minor, online.version.patch)
    approved = (
        Release.objects.filter(target=target, state=State.APPROVED)
        .select_related("version")
        .order_by("-version__major", "-version__minor", "-version__patch")
    )
    return [
        r.version for r in approved if (r.version.major, r.version.minor, r.version.patch) > floor
    ]


def release_grayscale_audit_list(*, task: GrayscaleTask, workspace_id: int) -> QuerySet[AuditEvent]:
    """The audit records of one grayscale task (created, each state change and action), newest
    first, with who acted: one query."""
    return (
        AuditEvent.objects.filter(
            workspace_id=workspace_id,
            target_type=GrayscaleTask._meta.label_lower,
            target_id=str(task.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def release_trial_for_tester(*, miniprogram: MiniProgram, account: str) -> Version | None:
    """The trial version ``account`` opens when it is on the tester whitelist (the runtime gives
    it before any grayscale or online version in production), else ``None``: one query."""
    if not account:
        return None
    trial = (
        TrialVersion.objects.filter(
            miniprogram=miniprogram,
            miniprogram__testers__account=account,
        )
        .select_related("version")
        .first()
    )
    return trial.version if trial is not None else None


def release_host_app_link(*, target: ReleaseTarget) -> MiniProgramHostApp | None:
    """The mini program's link to the target's host app ("Release to"), or ``None``."""
    return MiniProgramHostApp.objects.filter(
        miniprogram_id=target.miniprogram_id, host_app_id=target.host_app_id
    ).first()
