"""What an alert tells the world when it fires or resolves (issue 15, SPEC §9, §11).

* Email, one per person, to the mini program's team: the active Owner and Admins of its
  workspace (the roles that manage every mini program) and the Developers assigned to it — the
  same people release and grayscale notices go to (``releases.release.notify.team``, rewritten
  here because analytics sits below releases).
* The webhook ``alert.firing`` / ``alert.resolved`` to the mini program's workspace
  (``webhook_emit``: one delivery row per subscribed endpoint).

Both are rows of the caller's transaction (the outbox): a rolled-back evaluation sends nothing,
and a broker outage delays them instead of losing them. Each carries :func:`chart_link`, the
absolute address of the chart of that metric around the time it fired.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from analytics.alerts.models import Alert, AlertChange, Metric
from analytics.alerts.rules import SPECS
from miniprograms.models import MiniProgram, MiniProgramUserObjectPermission
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import User
from workspaces.services import approval_notices
from workspaces.services.webhooks import webhook_emit, webhook_event_register

TEMPLATES = "analytics"
FIRING, RESOLVED = "alert.firing", "alert.resolved"
EVENTS: dict[str, Any] = {
    FIRING: _("An alert rule of a mini program fired"),
    RESOLVED: _("A firing alert of a mini program resolved"),
}


def register_webhook_events() -> None:
    """Let endpoints subscribe to the alert events (called from ``AnalyticsConfig.ready``)."""
    for code, sentence in EVENTS.items():
        webhook_event_register(code, str(sentence))


def team(*, miniprogram: MiniProgram) -> list[User]:
    """Active Owner and Admins of the mini program's workspace, and its assigned Developers."""
    workspace = miniprogram.workspace
    roles = authz.roles_with(Cap.MANAGE_MINIPROGRAM, workspace.kind)
    assigned = MiniProgramUserObjectPermission.objects.filter(
        content_object=miniprogram, permission__codename=authz.codename(Cap.DEVELOP_MINIPROGRAM)
    ).values("user_id")
    return approval_notices.active_members(
        workspace, Q(memberships__role__in=roles) | Q(pk__in=assigned)
    )


def _absolute(name: str, args: list[Any], query: str = "") -> str | None:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{settings.SITE_URL}{path}{query}"


# The series of the real-time chart that shows each metric's events.
CHART_SERIES = {
    Metric.HTTP_EXCEPTION: "http_exceptions",
    Metric.STARTUP_SUCCESS: "startups",
    Metric.STARTUP_DURATION: "startups",
    Metric.BLANK_SCREEN: "blank_screens",
}


def chart_link(alert: Alert) -> str:
    """The chart of the alert's metric around the time it fired: the real-time page of that
    UTC day on its host app (production), drawing the metric's series, with the hour; for the
    JSAPI rule the JSAPI calls page of that day. The mini program's Alerts section when those
    pages are not there."""
    mp = alert.miniprogram
    args = [mp.workspace.slug, mp.app_id]
    at = alert.fired_at.astimezone(UTC)
    scope = f"day={at:%Y-%m-%d}&host_app={alert.host_app_id}&environment=production"
    if alert.metric == Metric.JSAPI_SUCCESS:
        link = _absolute("analytics:jsapis", args, f"?{scope}&hour={at.hour}")
    else:
        series = CHART_SERIES[Metric(alert.metric)]
        link = _absolute("analytics:realtime", args, f"?{scope}&chart={series}&hour={at.hour}")
    return link or _absolute("analytics:alerts", args, f"#alert-{alert.pk}") or settings.SITE_URL


def alerts_link(alert: Alert) -> str:
    mp = alert.miniprogram
    return (
        _absolute("analytics:alerts", [mp.workspace.slug, mp.app_id], f"#alert-{alert.pk}")
        or settings.SITE_URL
    )


def _number(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit == "ms" else f"{text} %"


def alert_data(alert: Alert, change: AlertChange) -> dict[str, Any]:
    """The JSON body of an ``alert.*`` event (plain values only)."""
    spec = SPECS[alert.metric]
    mp = alert.miniprogram
    return {
        "alert_id": alert.pk,
        "state": str(alert.state),
        "metric": alert.metric,
        "metric_label": spec.label,
        "app_id": mp.app_id,
        "miniprogram": mp.name,
        "host_app_id": alert.host_app_id,
        "host_app": alert.host_app.name,
        "environment": "production",
        "value": str(change.value) if change.value is not None else None,
        "unit": spec.unit,
        "operator": spec.operator,
        "threshold": str(change.threshold),
        "samples": change.samples,
        "min_samples": change.min_samples,
        "window_start": change.window_start.isoformat(),
        "window_end": change.window_end.isoformat(),
        "fired_at": alert.fired_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "chart_url": chart_link(alert),
        "alert_url": alerts_link(alert),
    }


def alert_notify(*, alert: Alert, change: AlertChange) -> int:
    """Announce ``change`` (fired or resolved) of ``alert``: the webhook and one email per
    person of the team. Call inside the transaction that recorded it. Returns emails queued."""
    firing = change.kind == AlertChange.Kind.FIRED
    data = alert_data(alert, change)
    webhook_emit(
        workspace=alert.miniprogram.workspace, event=FIRING if firing else RESOLVED, data=data
    )
    spec = SPECS[alert.metric]
    context = {
        **data,
        "value_text": _number(change.value, spec.unit),
        "threshold_text": _number(change.threshold, spec.unit),
        "samples_label": spec.samples_label,
        "window_minutes": int((change.window_end - change.window_start).total_seconds() // 60),
        "site_url": settings.SITE_URL,
    }
    template = f"{TEMPLATES}/alerts_email_{'firing' if firing else 'resolved'}"
    return approval_notices.email_send(
        template=template, recipients=team(miniprogram=alert.miniprogram), context=context
    )
