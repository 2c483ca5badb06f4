"""How the audit log words environment-variable events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import register_audit_verbs


def register() -> None:
    register_audit_verbs(
        {
            "miniprogram.env_update": _(
                "{actor} changed the {after_environment} environment variables of {target}"
            ),
        }
    )
