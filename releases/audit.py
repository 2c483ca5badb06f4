"""How the audit log words the releases app's events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import register_audit_target_label, register_audit_verbs


def register() -> None:
    register_audit_target_label(
        "releases.version", lambda v: f"version {v.number} of {v.miniprogram.name}"
    )
    register_audit_verbs(
        {
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
