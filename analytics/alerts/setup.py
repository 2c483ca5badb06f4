"""What alerts plug into the lower apps (called from ``AnalyticsConfig.ready``): how the audit
log words their events, and the webhook events endpoints may subscribe to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from workspaces.auditlog import EventWords, register_audit_target_label, register_audit_verbs


def _rule_sentence(words: EventWords) -> str:
    metric = words.after.get("metric") or words.before.get("metric") or ""
    from analytics.alerts.rules import SPECS

    label = SPECS[metric].label.lower() if metric in SPECS else metric
    where = " on one host app" if words.after.get("host_app") else ""
    verb = "reset" if words.verb.endswith(".reset") else "changed"
    return f"{words.actor} {verb} the {label} alert rule{where} of {words.target}"


def register() -> None:
    from analytics.alerts import notify

    notify.register_webhook_events()
    register_audit_target_label(
        "analytics.alert",
        lambda alert: f"the {alert.get_metric_display().lower()} alert of {alert.miniprogram.name}",
    )
    register_audit_verbs(
        {
            "alert_rule.update": _rule_sentence,
            "alert_rule.reset": _rule_sentence,
            "alert.mute": _("{actor} muted {target} until {after_muted_until}"),
            "alert.unmute": _("{actor} unmuted {target}"),
            "alert.acknowledge": _("{actor} acknowledged {target}"),
        }
    )
