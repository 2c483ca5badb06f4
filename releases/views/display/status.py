"""A version's pipeline as its pages show it: each step's badge, what runs now, the live answer
the pages poll, and the flash after an upload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from releases.models import PackageJob, Version

State = PackageJob.State
Kind = PackageJob.Kind

ACTIVE = frozenset({State.QUEUED, State.RUNNING})

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


def upload_outcome(version: Version) -> tuple[int, str]:
    """The flash after an upload (message level, sentence), told from the version's status
    now: the scan may already have ended by the time the upload is answered."""
    values = {"number": version.number}
    if version.status == Version.Status.SCAN_FAILED:
        return messages.ERROR, gettext(
            "Version %(number)s is uploaded, but its scan failed: see the reason below."
        ) % values
    if version.status == Version.Status.READY:
        return messages.SUCCESS, gettext(
            "Version %(number)s is uploaded, scanned and built: it is ready."
        ) % values
    return messages.SUCCESS, gettext(
        "Version %(number)s is uploaded. Its package is being scanned and built."
    ) % values


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


def job_step(
    kind: str, label: str, job: PackageJob | None, *, who: str = "", done: str = "", failure=""
) -> Step:
    """The step of one pipeline job (``pending`` before the job exists)."""
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


def jobs_by_kind(version: Version) -> dict[str, PackageJob]:
    return {job.kind: job for job in version.jobs.all()}  # prefetched by the selector


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
    jobs = jobs_by_kind(version)
    build, scan = jobs.get(Kind.BUILD), jobs.get(Kind.SCAN)
    if build is not None and build.state in ACTIVE:
        return gettext("Building"), build.progress
    return gettext("Scanning"), scan.progress if scan is not None else 0


def status_json(version: Version) -> dict[str, Any]:
    """The small answer the version page and the versions list poll every two seconds while
    something runs (``stage``: the list's status cell while scanning, else ``None``)."""
    jobs = jobs_by_kind(version)
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
            job_step(kind, str(label), jobs.get(kind)).as_json() for kind, label in Kind.choices
        ],
    }


def status_signature(data: dict[str, Any]) -> str:
    """What the page's script compares to notice that a step finished (see version.js)."""
    return data["status"] + "|" + ",".join(f"{s['kind']}:{s['state']}" for s in data["steps"])
