"""Reads of alerts (issue 15): a mini program's rules, alerts and history; a workspace's list.

Who sees what follows the mini program (the delivery log's rules): everyone who sees it reads
its alerts and rules; the tenant of a host app reading a merchant's mini program sees only the
alerts (and host-app rules) of its own host apps — ``host_app_ids`` narrows every read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from analytics.alerts.models import Alert, AlertChange, AlertRule
from analytics.alerts.rules import METRICS, SPECS, EffectiveRule, RuleSpec, default_rule
from console.api import ID_MAX
from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_hosted_by, miniprogram_visible
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import HostApp, Membership, Workspace

RECENT = timedelta(hours=24)  # the Overview card's "last 24 hours"


@dataclass(frozen=True)
class RuleRow:
    """One metric's rule on one scope (the mini program, or one host app) for the rules table."""

    spec: RuleSpec
    rule: EffectiveRule
    host_app: HostApp | None  # None: the mini program's rule (every host app)
    is_own: bool  # a row of this scope overrides (else inherited: defaults or the mini program's)

    @property
    def metric(self) -> str:
        return self.spec.metric.value

    @property
    def default(self) -> EffectiveRule:
        return default_rule(self.metric)


def host_scope(*, workspace: Workspace, is_hosted: bool) -> list[int] | None:
    """The host apps a viewer is limited to: the tenant's own for a hosted mini program,
    ``None`` (no limit) for the workspace's own mini programs."""
    if not is_hosted:
        return None
    return list(HostApp.objects.filter(workspace=workspace).values_list("pk", flat=True))


def alert_host_apps(*, miniprogram: MiniProgram, host_app_ids: list[int] | None) -> list[HostApp]:
    """The host apps the mini program is released to (active or offline), within the scope."""
    qs = HostApp.objects.filter(miniprogram_targets__miniprogram=miniprogram)
    if host_app_ids is not None:
        qs = qs.filter(pk__in=host_app_ids)
    return list(qs.distinct().order_by("name", "pk"))


def alert_rule_rows(
    *, miniprogram: MiniProgram, host_apps: list[HostApp]
) -> tuple[list[RuleRow], dict[int, list[RuleRow]]]:
    """The mini program's rule per metric, and per host app the rows that differ from it (a
    host app's own rule); one query."""
    rows = list(
        AlertRule.objects.filter(miniprogram=miniprogram).filter(
            Q(host_app__isnull=True) | Q(host_app__in=host_apps)
        )
    )
    own = {r.metric: r for r in rows if r.host_app_id is None}
    base: list[RuleRow] = []
    for metric in METRICS:
        row = own.get(metric)
        rule = (
            EffectiveRule(metric, row.is_enabled, row.threshold, row.min_samples, "mini program")
            if row is not None
            else default_rule(metric)
        )
        base.append(RuleRow(SPECS[metric], rule, None, row is not None))
    per_host: dict[int, list[RuleRow]] = {}
    hosts = {h.pk: h for h in host_apps}
    for r in rows:
        if r.host_app_id is None or r.host_app_id not in hosts:
            continue
        rule = EffectiveRule(r.metric, r.is_enabled, r.threshold, r.min_samples, "host app")
        per_host.setdefault(r.host_app_id, []).append(
            RuleRow(SPECS[r.metric], rule, hosts[r.host_app_id], True)
        )
    for host_rows in per_host.values():
        host_rows.sort(key=lambda row: METRICS.index(row.metric))
    return base, per_host


def alert_rule_get(
    *, miniprogram: MiniProgram, metric: str, host_app_id: int | None
) -> AlertRule | None:
    return AlertRule.objects.filter(
        miniprogram=miniprogram, metric=metric, host_app_id=host_app_id
    ).first()


def _alerts(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    return qs.select_related(
        "host_app", "miniprogram__workspace", "muted_by", "acknowledged_by"
    ).order_by("state", "-fired_at", "-id")  # "firing" sorts before "resolved"


def alert_list(
    *, miniprogram: MiniProgram, host_app_ids: list[int] | None = None, state: str = ""
) -> QuerySet[Alert]:
    """The mini program's alerts, firing first then newest first."""
    qs = Alert.objects.filter(miniprogram=miniprogram)
    if host_app_ids is not None:
        qs = qs.filter(host_app_id__in=host_app_ids)
    if state:
        qs = qs.filter(state=state)
    return _alerts(qs)


def alert_get(
    *, miniprogram: MiniProgram, alert_id: int, host_app_ids: list[int] | None = None
) -> Alert | None:
    if not 0 < alert_id <= ID_MAX:
        return None  # names nothing (and would overflow a bigint lookup)
    return (
        alert_list(miniprogram=miniprogram, host_app_ids=host_app_ids).filter(pk=alert_id).first()
    )


def alert_history(
    *,
    miniprogram: MiniProgram,
    host_app_ids: list[int] | None = None,
    alert_id: int | None = None,
) -> QuerySet[AlertChange]:
    """Every firing and resolution of the mini program's alerts, newest first."""
    qs = AlertChange.objects.filter(alert__miniprogram=miniprogram)
    if host_app_ids is not None:
        qs = qs.filter(alert__host_app_id__in=host_app_ids)
    if alert_id is not None:
        qs = qs.filter(alert_id=alert_id)
    return qs.select_related("alert__host_app").order_by("-created_at", "-id")


def _workspace_alerts(member: Membership) -> QuerySet[Alert]:
    """Alerts of the mini programs ``member`` sees: the workspace's own (all of them, or a
    Developer's assigned ones) and, in a tenant, the merchant mini programs on its host apps
    (only the alerts of its own host apps)."""
    own = miniprogram_visible(member=member).values("pk")
    condition = Q(miniprogram_id__in=own)
    tenant = member.workspace
    if (
        member.is_active
        and tenant.is_tenant
        and Cap.VIEW_MINIPROGRAM in authz.HOST_CAPS
        and authz.has_role_cap(member, Cap.VIEW_MINIPROGRAM)
    ):
        hosted = miniprogram_hosted_by(host_workspace=tenant).values("pk")
        condition |= Q(miniprogram_id__in=hosted, host_app__workspace=tenant)
    return Alert.objects.filter(condition)


def workspace_alert_list(
    *, member: Membership, state: str = "", metric: str = ""
) -> QuerySet[Alert]:
    """The workspace's alert list (console and API): firing first, newest first."""
    qs = _workspace_alerts(member)
    if state:
        qs = qs.filter(state=state)
    if metric:
        qs = qs.filter(metric=metric)
    return _alerts(qs)


@dataclass(frozen=True)
class AlertSummary:
    firing: int  # firing now
    recent: list[Alert]  # fired in the last 24 hours (or firing now), newest first, a few


def alert_summary(
    *, member: Membership, limit: int = 5, now: datetime | None = None
) -> AlertSummary:
    """The Overview's Alerts card: how many fire now, and the newest of the last 24 hours."""
    now = now or timezone.now()
    qs = _workspace_alerts(member)
    firing = qs.filter(state=Alert.State.FIRING).count()
    recent = list(
        _alerts(qs.filter(Q(state=Alert.State.FIRING) | Q(fired_at__gte=now - RECENT)))[:limit]
    )
    return AlertSummary(firing=firing, recent=recent)
