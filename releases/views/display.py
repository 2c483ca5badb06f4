"""What the version pages show, computed from rows the selectors already loaded (no queries).

Badge tones follow the console's one-colour-per-meaning rule (UI.md): grey waiting, blue in
progress, green done, amber worth a look, red failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from releases import selectors
from releases.models import PackageJob, Version
from releases.quality import PACKAGE_ADVICE
from releases.services.trial import version_pages
from workspaces.models import AuditEvent

State = PackageJob.State
Kind = PackageJob.Kind

ACTIVE = frozenset({State.QUEUED, State.RUNNING})
RULE_LABELS = {
    "package_size": _("Package size over 2 MB"),
    "large_image": _("Large images"),
    "duplicate_file": _("Duplicate files"),
    "source_map": _("Source maps shipped"),
    "eval": _("Code built from strings (eval)"),
    "dom_api": _("DOM APIs (document, window)"),
    "insecure_url": _("http:// URLs"),
    "debugger": _("debugger statements"),
}
AUDIT_LABELS = {
    "version.upload": _("Uploaded"),
    "version.scanning": _("Scan started"),
    "version.ready": _("Scanned and built: ready"),
    "version.scan_failed": _("Scan failed"),
    "version.quality_restart": _("Quality review restarted"),
}
WORKER = _("MPP worker")


def person(user: Any, fallback: str = "") -> str:
    """A user as pages name them: their name, else their email (``fallback`` when gone)."""
    if user is None:
        return fallback
    return user.name or user.email


def signed_size(delta: int) -> str:
    """``+1.2 KB`` / ``−300 bytes`` / ``0 bytes``: a size change with its sign."""
    if delta == 0:
        return filesizeformat(0)
    sign = "+" if delta > 0 else "−"
    return f"{sign}{filesizeformat(abs(delta))}"


# --- the timeline: uploaded → scanned → built → quality reviewed --------------------------------

# A step's state → (its badge's tone, its badge's text).
STEP_BADGES: dict[str, tuple[str, Any]] = {
    "done": ("green", _("Done")),
    "running": ("blue", _("Running")),
    "queued": ("blue", _("Queued")),
    "failed": ("red", _("Failed")),
    "pending": ("neutral", _("Not started")),
    "skipped": ("amber", _("Cancelled")),
}
JOB_STEP: dict[str, str] = {
    State.SUCCEEDED: "done",
    State.RUNNING: "running",
    State.QUEUED: "queued",
    State.FAILED: "failed",
    State.CANCELLED: "skipped",
}


@dataclass(frozen=True)
class Step:
    """A point of the version's life. ``kind`` names the pipeline job behind it (scan, build,
    quality; "" for the upload), so the page's script can update it as the job moves on."""

    kind: str
    label: str
    state: str  # a key of STEP_BADGES
    when: datetime | None = None
    who: str = ""
    detail: str = ""
    progress: int = 0

    @property
    def tone(self) -> str:
        return STEP_BADGES[self.state][0]

    @property
    def state_label(self) -> str:
        return str(STEP_BADGES[self.state][1])

    @property
    def is_current(self) -> bool:
        return self.state in ("running", "queued")

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "state": self.state,
            "state_label": self.state_label,
            "tone": self.tone,
            "progress": self.progress,
        }


def _latest(events: Iterable[AuditEvent], verb: str) -> AuditEvent | None:
    return next((e for e in events if e.verb == verb), None)  # events come newest first


def _actor(event: AuditEvent | None) -> str:
    if event is None:
        return ""
    if event.actor is not None:
        return person(event.actor)
    return event.actor_label if event.actor_label != "system" else str(WORKER)


def _job_step(
    kind: str, label: str, job: PackageJob | None, *, who: str = "", done: str = "", failure=""
) -> Step:
    if job is None:
        return Step(kind, label, "pending")
    state = JOB_STEP.get(job.state, "pending")
    if state == "done":
        return Step(kind, label, state, job.finished_at, who, done, 100)
    if state == "running":
        return Step(kind, label, state, job.started_at, who, "", job.progress)
    if state == "queued":
        detail = gettext("Waiting for a worker.")
        if job.error:  # given back after a transient error: it runs again
            detail = gettext("Queued again after an error: %(error)s") % {"error": job.error}
        return Step(kind, label, state, job.queued_at, who, detail)
    if state == "failed":
        return Step(kind, label, state, job.finished_at, who, failure or job.error)
    return Step(kind, label, state, job.finished_at, who)


def _jobs(version: Version) -> dict[str, PackageJob]:
    return {job.kind: job for job in version.jobs.all()}  # prefetched by the selector


def timeline(version: Version, events: list[AuditEvent]) -> list[Step]:
    """Uploaded → scanned → built → quality reviewed, each with who and when.

    Who: the uploader; the scan is started by whoever uploaded or retried it (the latest
    ``version.scanning`` audit row); build and review run on the worker, and a restarted review
    names who restarted it. When: the upload, then each job's start (running), or finish.
    """
    jobs = _jobs(version)
    upload = _latest(events, "version.upload")
    uploader = person(version.uploaded_by, _actor(upload))
    steps = [
        Step(
            "",
            gettext("Uploaded"),
            "done",
            version.created_at,
            uploader,
            filesizeformat(version.package_size),
            100,
        )
    ]
    scanning = _latest(events, "version.scanning")
    scan_who = _actor(scanning) or uploader
    if scanning is not None and (scanning.after or {}).get("note") == "retry":
        scan_who = gettext("retried by %(who)s") % {"who": scan_who}
    summary = version.scan_summary or {}
    scanned = ""
    if summary:
        files, pages = summary.get("file_count", 0), len(version_pages(version))
        subpackages = len(summary.get("subpackages") or [])
        scanned = ", ".join(
            [
                ngettext("%(n)s file", "%(n)s files", files) % {"n": files},
                ngettext("%(n)s page", "%(n)s pages", pages) % {"n": pages},
                ngettext("%(n)s subpackage", "%(n)s subpackages", subpackages) % {"n": subpackages},
            ]
        )
    failure = version.failure_message
    steps += [
        _job_step(
            Kind.SCAN,
            gettext("Scanned"),
            jobs.get(Kind.SCAN),
            who=scan_who,
            done=scanned,
            failure=failure,
        ),
        _job_step(
            Kind.BUILD,
            gettext("Built"),
            jobs.get(Kind.BUILD),
            who=str(WORKER),
            done=gettext("Complete and subpackaged forms stored."),
            failure=failure,
        ),
    ]
    restart = _latest(events, "version.quality_restart")
    quality_who = str(WORKER)
    if restart is not None:
        quality_who = gettext("restarted by %(who)s") % {"who": _actor(restart)}
    report = selectors.version_quality_report(version)
    reviewed = ""
    if report is not None:
        warnings, infos = report["summary"]["warnings"], report["summary"]["infos"]
        reviewed = ", ".join(
            [
                ngettext("%(n)s warning", "%(n)s warnings", warnings) % {"n": warnings},
                ngettext("%(n)s note", "%(n)s notes", infos) % {"n": infos},
            ]
        )
    steps.append(
        _job_step(
            Kind.QUALITY,
            gettext("Quality reviewed"),
            jobs.get(Kind.QUALITY),
            who=quality_who,
            done=reviewed,
        )
    )
    return steps


def is_active(version: Version) -> bool:
    """Will something still change without anyone acting (a step queued or running)?"""
    if version.status in (Version.Status.UPLOADED, Version.Status.SCANNING):
        return True
    return any(job.state in ACTIVE for job in version.jobs.all())


def current_stage(version: Version) -> tuple[str, int]:
    """While a version is uploaded or scanning: what runs now ("Scanning", "Building") and its
    progress in percent, as the versions table shows it; ``("", 0)`` otherwise."""
    if version.status not in (Version.Status.UPLOADED, Version.Status.SCANNING):
        return "", 0
    jobs = _jobs(version)
    build, scan = jobs.get(Kind.BUILD), jobs.get(Kind.SCAN)
    if build is not None and build.state in ACTIVE:
        return gettext("Building"), build.progress
    return gettext("Scanning"), scan.progress if scan is not None else 0


def status_json(version: Version) -> dict[str, Any]:
    """The small answer the version page and the versions list poll every two seconds while
    something runs (``stage``: the list's status cell while scanning, else ``None``)."""
    jobs = _jobs(version)
    stage, progress = current_stage(version)
    return {
        "number": version.number,
        "status": version.status,
        "status_label": str(version.get_status_display()),
        "tone": version.status_tone,
        "active": is_active(version),
        "failure": version.failure_message or None,
        "stage": {"label": stage, "progress": progress} if stage else None,
        "steps": [
            _job_step(kind, str(label), jobs.get(kind)).as_json() for kind, label in Kind.choices
        ],
    }


def status_signature(data: dict[str, Any]) -> str:
    """What the page's script compares to notice that a step finished (see version.js)."""
    return data["status"] + "|" + ",".join(f"{s['kind']}:{s['state']}" for s in data["steps"])


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    label: str
    who: str


def audit_rows(events: list[AuditEvent]) -> list[AuditRow]:
    return [
        AuditRow(
            event=e,
            label=str(AUDIT_LABELS.get(e.verb, e.verb)),
            who=_actor(e) or str(WORKER),
        )
        for e in events
    ]


# --- the versions table ------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    """A row of the versions table: the version with its status and quality columns."""

    version: Version
    tone: str
    step: str  # while scanning: what runs now ("Scanning", "Building"), with ``progress``
    progress: int
    quality_state: str  # "" (not queued yet) or the quality job's state
    warnings: int
    infos: int
    # While something is queued or running: what the list's script compares its polls with
    # (the status signature, as on the version page); "" once nothing will change by itself.
    signature: str = ""

    @property
    def is_active(self) -> bool:
        return bool(self.signature)

    @property
    def findings(self) -> int:
        return self.warnings + self.infos

    @property
    def is_reviewing(self) -> bool:
        return self.quality_state in ACTIVE


def version_row(version: Version) -> VersionRow:
    """From :func:`releases.selectors.version_list_with_jobs` rows (annotated jobs)."""
    jobs = _jobs(version)
    step, progress = current_stage(version)
    quality = jobs.get(Kind.QUALITY)
    return VersionRow(
        version=version,
        tone=version.status_tone,
        step=step,
        progress=progress,
        quality_state=quality.state if quality is not None else "",
        warnings=getattr(quality, "quality_warnings", None) or 0,
        infos=getattr(quality, "quality_infos", None) or 0,
        signature=status_signature(status_json(version)) if is_active(version) else "",
    )


# --- package sizes against the 2 MB advice ------------------------------------------------------


@dataclass(frozen=True)
class SizeBar:
    label: str
    size: int
    file_count: int
    page_count: int
    percent: float  # of the chart's scale
    is_over: bool


@dataclass(frozen=True)
class SizeChart:
    bars: list[SizeBar]
    advice: int
    advice_percent: float
    total: int

    @property
    def advice_label(self) -> str:
        return f"{self.advice / (1024 * 1024):g} MB"  # "2 MB", as the product documents say


def size_chart(version: Version) -> SizeChart | None:
    """The main package and each subpackage against the 2 MB advice (``None`` before a scan).

    The scale is the largest part or 125 % of the advice, whichever is bigger, so the advice
    line sits inside the chart and a part over it visibly crosses it.
    """
    summary = version.scan_summary
    if not summary:
        return None
    main = summary.get("main") or {}
    parts = [
        (
            gettext("Main package"),
            main.get("size", 0),
            main.get("file_count", 0),
            len(summary.get("pages") or []),
        )
    ]
    parts += [
        (sub["root"], sub.get("size", 0), sub.get("file_count", 0), len(sub.get("pages") or []))
        for sub in summary.get("subpackages") or []
    ]
    scale = max([PACKAGE_ADVICE * 5 // 4, *(size for _label, size, _f, _p in parts)])
    bars = [
        SizeBar(label, size, files, pages, round(100 * size / scale, 1), size > PACKAGE_ADVICE)
        for label, size, files, pages in parts
    ]
    return SizeChart(
        bars=bars,
        advice=PACKAGE_ADVICE,
        advice_percent=round(100 * PACKAGE_ADVICE / scale, 1),
        total=summary.get("total_size", 0),
    )


# --- the quality report ------------------------------------------------------------------------


@dataclass
class FindingGroup:
    rule: str
    label: str
    level: str  # the group's most serious: warning before info
    count: int  # every finding of the rule (the report lists at most 50 of one rule)
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tone(self) -> str:
        return "amber" if self.level == "warning" else "blue"

    @property
    def is_truncated(self) -> bool:
        return self.count > len(self.findings)


def finding_groups(report: dict[str, Any]) -> list[FindingGroup]:
    """The findings grouped by rule, warnings first, each group with its total count."""
    counts = report.get("summary", {}).get("by_rule", {})
    groups: dict[str, FindingGroup] = {}
    for finding in report.get("findings") or []:
        rule = finding["rule"]
        group = groups.get(rule)
        if group is None:
            group = groups[rule] = FindingGroup(
                rule=rule,
                label=str(RULE_LABELS.get(rule, rule)),
                level=finding["level"],
                count=counts.get(rule, 0),
            )
        if finding["level"] == "warning":
            group.level = "warning"
        group.findings.append(finding)
    for group in groups.values():
        group.count = max(group.count, len(group.findings))
    return sorted(groups.values(), key=lambda g: (g.level != "warning", g.label))


# --- the package diff --------------------------------------------------------------------------


@dataclass(frozen=True)
class PartRow:
    label: str
    old: int
    new: int
    delta: int
    delta_label: str
    old_percent: float
    new_percent: float


def part_rows(parts: list[dict[str, Any]]) -> list[PartRow]:
    """Size per part before and after, with bars on one scale (the largest of all)."""
    scale = max([1, *(max(p["old"], p["new"]) for p in parts)])
    return [
        PartRow(
            label=gettext("Main package") if p["part"] == "main" else p["part"],
            old=p["old"],
            new=p["new"],
            delta=p["delta"],
            delta_label=signed_size(p["delta"]),
            old_percent=round(100 * p["old"] / scale, 1),
            new_percent=round(100 * p["new"] / scale, 1),
        )
        for p in parts
    ]


@dataclass(frozen=True)
class FileRow:
    path: str
    old: int | None
    new: int | None
    delta_label: str
    delta: int


def file_rows(changes: Iterable[Any]) -> list[FileRow]:
    return [FileRow(c.path, c.old_size, c.new_size, signed_size(c.delta), c.delta) for c in changes]
