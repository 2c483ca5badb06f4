"""How the audit log words the JSAPI catalogue's events (registered from ``apps.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import register_audit_target_label, register_audit_verbs


def register() -> None:
    register_audit_target_label("miniprograms.jsapi", lambda jsapi: jsapi.name)
    register_audit_target_label("miniprograms.jsapifeature", lambda feature: feature.name)
    register_audit_verbs(
        {
            "jsapi.catalogue_seed": _("{actor} set up the JSAPI catalogue"),
            "jsapi.update": _("{actor} edited the JSAPI {target}"),
            "jsapi_feature.create": _("{actor} added the JSAPI feature {target}"),
            "jsapi_feature.update": _("{actor} edited the JSAPI feature {target}"),
            "jsapi.apply": _(
                "{actor} applied for {after_subject} in {after_host_app} for {target}"
            ),
            "jsapi.revoke": _("{actor} revoked {after_subject} in {after_host_app} for {target}"),
        }
    )
