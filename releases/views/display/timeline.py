"""A version's life on its page: uploaded → scanned → built → quality reviewed, each step with
who and when, and the version's audit rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from console.formats import file_size
from releases import selectors
from releases.models import PackageJob, Version
from releases.services.trial import version_pages
from releases.views.display.status import Step, job_step, jobs_by_kind
from workspaces.models import AuditEvent

Kind = PackageJob.Kind

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


def _latest(events: Iterable[AuditEvent], verb: str) -> AuditEvent | None:
    return next((e for e in events if e.verb == verb), None)  # events come newest first


def _actor(event: AuditEvent | None) -> str:
    if event is None:
        return ""
    if event.actor is not None:
        return person(event.actor)
    return event.actor_label if event.actor_label != "system" else str(WORKER)


def timeline(version: Version, events: list[AuditEvent]) -> list[Step]:
    """Uploaded → scanned → built → quality reviewed, each with who and when.

    Who: the uploader; the scan is started by whoever uploaded or retried it (the latest
    ``version.scanning`` audit row); build and review run on the worker, and a restarted review
    names who restarted it. When: the upload, then each job's start (running), or finish.
    """
    jobs = jobs_by_kind(version)
    upload = _latest(events, "version.upload")
    uploader = person(version.uploaded_by, _actor(upload))
    steps = [
        Step(
            "",
            gettext("Uploaded"),
            "done",
            version.created_at,
            uploader,
            file_size(version.package_size),
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
        job_step(
            Kind.SCAN,
            gettext("Scanned"),
            jobs.get(Kind.SCAN),
            who=scan_who,
            done=scanned,
            failure=failure,
        ),
        job_step(
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
        job_step(
            Kind.QUALITY,
            gettext("Quality reviewed"),
            jobs.get(Kind.QUALITY),
            who=quality_who,
            done=reviewed,
        )
    )
    return steps


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
