"""How the audit log words the releases app's events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import register_audit_target_label, register_audit_verbs


def register() -> None:
    register_audit_target_label(
        "releases.version", lambda v: f"version {v.number} of {v.miniprogram.name}"
    )
    register_audit_target_label(
        "releases.release",
        lambda r: (
            f"version {r.version.number} of {r.target.miniprogram.name} to "
            f"{r.target.host_app.name} ({r.target.get_environment_display()})"
        ),
    )
    register_audit_target_label(
        "releases.grayscaletask",
        lambda t: (
            f"grayscale task “{t.name}” of {t.target.miniprogram.name} on "
            f"{t.target.host_app.name} ({t.target.get_environment_display()})"
        ),
    )
    register_audit_verbs(
        {
            "grayscale.create": _("{actor} created {target}"),
            "grayscale.delivering": _("{actor} started delivering {target}"),
            "grayscale.suspended": _("{actor} suspended {target}"),
            "grayscale.ended": _("{actor} ended {target}"),
            "grayscale.percentage": _("{actor} raised the percentage of {target}"),
            "grayscale.advance": _("{actor} advanced the schedule of {target}"),
            "grayscale.guardrail": _("{actor} changed the guardrails of {target}"),
            "grayscale.schedule_pause": _("{actor} paused the schedule of {target}"),
            "grayscale.schedule_resume": _("{actor} resumed the schedule of {target}"),
            "grayscale.replace_version": _("{actor} replaced the version of {target} (hotfix)"),
            "release.submit": _("{actor} submitted {target}"),
            "release.auto_approve": _("{actor} approved {target} automatically (not production)"),
            "release.approved": _("{actor} recorded the approval of {target}"),
            "release.rejected": _("{actor} recorded the rejection of {target}"),
            "release.withdrawn": _("{actor} withdrew {target}"),
            "release.cancelled": _("{actor} cancelled {target}"),
            "release.released": _("{actor} published {target}: it is online"),
            "release.archived": _("{actor} archived {target}: a newer release replaced it"),
            "release.rollback": _("{actor} rolled back to {target}"),
            "version.upload": _("{actor} uploaded {target}"),
            "version.scanning": _("{actor} sent {target} to be scanned"),
            "version.ready": _("{actor} finished checking {target}: it is ready"),
            "version.scan_failed": _("{actor} found problems with {target}: the scan failed"),
            "version.quality_restart": _("{actor} restarted the quality review of {target}"),
            "miniprogram.trial_configure": _(
                "{actor} set the trial of {target} to version {after_version}"
            ),
            "miniprogram.trial_clear": _("{actor} cleared the trial version of {target}"),
        }
    )
