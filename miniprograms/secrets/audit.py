"""How the audit log words AppSecret events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import register_audit_verbs


def register() -> None:
    register_audit_verbs(
        {
            "miniprogram.appsecret_generate": _("{actor} generated the AppSecret of {target}"),
            "miniprogram.appsecret_reset": _("{actor} reset the AppSecret of {target}"),
            "miniprogram.appsecret_freeze": _("{actor} froze the AppSecret of {target}"),
            "miniprogram.appsecret_unfreeze": _("{actor} unfroze the AppSecret of {target}"),
            "miniprogram.oauth_settings": _(
                "{actor} set the access token lifetime of {target} to {after_access_token_ttl} s"
            ),
        }
    )
