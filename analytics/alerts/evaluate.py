"""The periodic evaluation of the alert rules (issue 15): every 5 minutes, the last 30 minutes.

**The window.** ``alerts_evaluate`` (beat: ``analytics.alerts_evaluate`` every
:data:`EVERY`) reads the raw events (``analytics_event``, kept 3 days) of the last
:data:`WINDOW` before ``now``: a sliding window, so a problem is seen within 5 minutes of
reaching its sample size and stays visible while half an hour of traffic says so. Only
**production** events count (:data:`ENVIRONMENT`): testers' sandbox traffic must not page the
team. The grain is the mini program on one host app (an event's ``app_id`` and
``host_app_id``): a rule for the mini program applies on every host app, a host app's own rule
replaces it there.

**In SQL, once.** One ``GROUP BY app_id, host_app_id`` over the window's rows (the range on
``occurred_at`` is the leading column of the primary key, and on PostgreSQL it prunes the daily
partitions to one or two) counts everything the five rules need; the p90 of the start-up
duration is ``percentile_cont(0.9) WITHIN GROUP`` in the same statement on PostgreSQL, and on
SQLite (no ordered-set aggregates) a second statement that ranks the durations with window
functions and interpolates the same way (:func:`startup_p90_sqlite`).

**Deciding.** For each (mini program, host app, metric) seen in the window, and for each alert
firing now (its traffic may have stopped), :func:`analytics.alerts.rules.crosses` decides; a
change of state goes through :func:`analytics.alerts.services.alert_fire` /
:func:`~analytics.alerts.services.alert_resolve` (the one door: row lock, history, notification
through the outbox). A firing alert that still fires gets the new numbers. Running it twice
for the same ``now`` changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from analytics.alerts.models import Alert, AlertRule, Metric
from analytics.alerts.rules import METRICS, EffectiveRule, Measure, crosses, default_rule
from analytics.models import Event
from miniprograms.models import MiniProgram
from workspaces.models import HostApp

logger = logging.getLogger(__name__)

WINDOW = timedelta(minutes=30)
EVERY = timedelta(minutes=5)
ENVIRONMENT = "production"
P90 = 0.9  # the start-up duration's statistic (see analytics.alerts.rules)

T = Event.Type
COUNTED_TYPES = (T.JSAPI_CALL, T.HTTP_REQUEST, T.STARTUP, T.LAUNCH, T.BLANK_SCREEN)


@dataclass(frozen=True)
class WindowFigures:
    """What one mini program on one host app did in the window (production events)."""

    app_id: str
    host_app_id: int
    jsapi_calls: int = 0
    jsapi_successes: int = 0
    http_requests: int = 0
    http_exceptions: int = 0
    startups: int = 0
    startup_successes: int = 0
    timed_startups: int = 0  # successful start-ups with a duration: the p90's samples
    startup_p90_ms: float | None = None
    launches: int = 0
    blank_screens: int = 0

    def measure(self, metric: str) -> Measure:
        if metric == Metric.JSAPI_SUCCESS:
            return Measure(samples=self.jsapi_calls, part=self.jsapi_successes)
        if metric == Metric.HTTP_EXCEPTION:
            return Measure(samples=self.http_requests, part=self.http_exceptions)
        if metric == Metric.STARTUP_SUCCESS:
            return Measure(samples=self.startups, part=self.startup_successes)
        if metric == Metric.STARTUP_DURATION:
            return Measure(samples=self.timed_startups, value=self.startup_p90_ms)
        if metric == Metric.BLANK_SCREEN:
            return Measure(samples=self.launches, part=self.blank_screens)
        raise ValueError(f"Unknown metric {metric!r}.")


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


# The exception definition of the T+1 rollup: no answer (0) or an HTTP error status.
HTTP_EXCEPTION_SQL = "(status_code = 0 OR status_code >= 400)"
TIMED_STARTUP_SQL = "type = 'startup' AND success AND duration_ms IS NOT NULL"


def _where() -> str:
    types = ", ".join(f"'{t.value}'" for t in COUNTED_TYPES)
    return f"occurred_at >= %s AND occurred_at < %s AND environment = %s AND type IN ({types})"


def _params(start: datetime, end: datetime) -> list[Any]:
    ops = connection.ops
    return [ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end), ENVIRONMENT]


def window_figures(*, start: datetime, end: datetime) -> list[WindowFigures]:
    """Every (mini program, host app) with production events in ``[start, end)``, with the
    counts of the five rules: one grouped statement (plus the p90's on SQLite)."""
    table = Event._meta.db_table
    is_postgres = connection.vendor == "postgresql"
    p90 = (
        f"percentile_cont({P90}) WITHIN GROUP (ORDER BY duration_ms) "
        f"FILTER (WHERE {TIMED_STARTUP_SQL})"
        if is_postgres
        else "NULL"
    )
    sql = f"""
        SELECT app_id, host_app_id,
            {_count("type = 'jsapi_call'")},
            {_count("type = 'jsapi_call' AND success")},
            {_count("type = 'http_request'")},
            {_count("type = 'http_request' AND " + HTTP_EXCEPTION_SQL)},
            {_count("type = 'startup'")},
            {_count("type = 'startup' AND success")},
            {_count(TIMED_STARTUP_SQL)},
            {p90},
            {_count("type = 'launch'")},
            {_count("type = 'blank_screen'")}
        FROM {table}
        WHERE {_where()}
        GROUP BY app_id, host_app_id
    """  # noqa: S608 - the table and conditions are constants; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(start, end))
        rows = cursor.fetchall()
    p90s = {} if is_postgres else startup_p90_sqlite(start=start, end=end)
    found = []
    for row in rows:
        app_id, host_app_id = row[0], int(row[1])
        n = [int(v or 0) for v in row[2:12]]  # the counts (the p90's place, [7], unused)
        p90_value = row[9] if is_postgres else p90s.get((app_id, host_app_id))
        found.append(
            WindowFigures(
                app_id,
                host_app_id,
                jsapi_calls=n[0],
                jsapi_successes=n[1],
                http_requests=n[2],
                http_exceptions=n[3],
                startups=n[4],
                startup_successes=n[5],
                timed_startups=n[6],
                startup_p90_ms=float(p90_value) if p90_value is not None else None,
                launches=n[8],
                blank_screens=n[9],
            )
        )
    return found


def startup_p90_sqlite(*, start: datetime, end: datetime) -> dict[tuple[str, int], float]:
    """``percentile_cont(0.9)`` of the successful start-ups' durations per (mini program, host
    app), on SQLite: rank the durations (0-based ``i`` of ``n``), take the two around the
    position ``0.9 × (n − 1)`` and interpolate linearly — PostgreSQL's formula. The position is
    computed in integers (``9 × (n − 1) / 10`` and its remainder), so it is exact."""
    table = Event._meta.db_table
    sql = f"""
        WITH ranked AS (
            SELECT app_id, host_app_id, duration_ms AS v,
                ROW_NUMBER() OVER (
                    PARTITION BY app_id, host_app_id ORDER BY duration_ms
                ) - 1 AS i,
                COUNT(*) OVER (PARTITION BY app_id, host_app_id) AS n
            FROM {table}
            WHERE {_where()} AND {TIMED_STARTUP_SQL}
        )
        SELECT app_id, host_app_id, n,
            MAX(CASE WHEN i = (9 * (n - 1)) / 10 THEN v END),
            MAX(CASE WHEN i = (9 * (n - 1)) / 10 + 1 THEN v END)
        FROM ranked
        GROUP BY app_id, host_app_id, n
    """  # noqa: S608 - constants only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(start, end))
        rows = cursor.fetchall()
    found: dict[tuple[str, int], float] = {}
    for app_id, host_app_id, n, low, high in rows:
        remainder = (9 * (int(n) - 1)) % 10
        value = float(low)
        if remainder and high is not None:
            value = float(low) + (float(high) - float(low)) * remainder / 10
        found[(app_id, int(host_app_id))] = value
    return found


# --- the rules that apply -------------------------------------------------------------------


def effective_rules(rules: list[AlertRule], *, host_app_id: int) -> dict[str, EffectiveRule]:
    """Per metric, the rule of a mini program (``rules``: its rows) on ``host_app_id``: the
    host app's own row, else the mini program's, else the default."""
    chosen = {metric: default_rule(metric) for metric in METRICS}
    for rule in sorted(rules, key=lambda r: r.host_app_id is not None):
        if rule.host_app_id is not None and rule.host_app_id != host_app_id:
            continue
        chosen[rule.metric] = EffectiveRule(
            metric=rule.metric,
            is_enabled=rule.is_enabled,
            threshold=rule.threshold,
            min_samples=rule.min_samples,
            source="host app" if rule.host_app_id is not None else "mini program",
        )
    return chosen


# --- the run -----------------------------------------------------------------------------------


@dataclass
class EvaluationResult:
    start: datetime
    end: datetime
    groups: int = 0  # (mini program, host app) pairs with events in the window
    fired: list[int] = field(default_factory=list)  # alert ids
    resolved: list[int] = field(default_factory=list)
    updated: int = 0  # firing alerts that still fire (numbers refreshed)


def alerts_evaluate(*, now: datetime | None = None) -> EvaluationResult:
    """Evaluate every rule of every mini program with production events in the window ending
    at ``now`` (default: the current time), and every firing alert. Safe to run twice."""
    from analytics.alerts import services  # services import this module's constants

    end = now or timezone.now()
    start = end - WINDOW
    result = EvaluationResult(start=start, end=end)
    figures = {(f.app_id, f.host_app_id): f for f in window_figures(start=start, end=end)}
    result.groups = len(figures)
    firing = list(
        Alert.objects.filter(state=Alert.State.FIRING).values_list(
            "miniprogram_id", "miniprogram__app_id", "host_app_id"
        )
    )
    app_ids = {app_id for app_id, _ in figures} | {app_id for _, app_id, _ in firing}
    miniprograms = {
        mp.app_id: mp for mp in MiniProgram.objects.filter(app_id__in=app_ids).only("id", "app_id")
    }
    host_ids = {host for _, host in figures} | {host for _, _, host in firing}
    existing_hosts = set(HostApp.objects.filter(pk__in=host_ids).values_list("pk", flat=True))
    mp_ids = [mp.pk for mp in miniprograms.values()]
    rules_of: dict[int, list[AlertRule]] = {}
    for rule in AlertRule.objects.filter(miniprogram_id__in=mp_ids):
        rules_of.setdefault(rule.miniprogram_id, []).append(rule)
    alerts = {
        (a.miniprogram_id, a.host_app_id, a.metric): a
        for a in Alert.objects.filter(miniprogram_id__in=mp_ids)
    }
    keys = set(figures) | {(app_id, host) for _, app_id, host in firing}
    for app_id, host_app_id in sorted(keys):
        mp = miniprograms.get(app_id)
        if mp is None or host_app_id not in existing_hosts:
            continue  # events of a deleted mini program or host app: nobody to alert
        window = figures.get((app_id, host_app_id)) or WindowFigures(app_id, host_app_id)
        chosen = effective_rules(rules_of.get(mp.pk, []), host_app_id=host_app_id)
        for metric, effective in chosen.items():
            measure = window.measure(metric)
            alert = alerts.get((mp.pk, host_app_id, metric))
            firing_id = (
                alert.pk if alert is not None and alert.state == Alert.State.FIRING else None
            )
            if crosses(effective, measure):
                if firing_id is not None:
                    services.alert_refresh(
                        alert_id=firing_id, rule=effective, measure=measure, start=start, end=end
                    )
                    result.updated += 1
                    continue
                changed = services.alert_fire(
                    miniprogram_id=mp.pk,
                    host_app_id=host_app_id,
                    rule=effective,
                    measure=measure,
                    start=start,
                    end=end,
                )
                if changed is not None:
                    result.fired.append(changed.pk)
            elif firing_id is not None:
                resolved = services.alert_resolve(
                    alert_id=firing_id, rule=effective, measure=measure, start=start, end=end
                )
                if resolved is not None:
                    result.resolved.append(resolved.pk)
    if result.fired or result.resolved:
        logger.info(
            "alerts_evaluate: %d groups, %d fired, %d resolved",
            result.groups,
            len(result.fired),
            len(result.resolved),
        )
    return result
