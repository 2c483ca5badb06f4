"""The T+1 rollups (issue 14, SPEC §9): one UTC day of raw events → :class:`DailyRollup` rows.

Everything happens in SQL: one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` per day
reads only that day's time range of ``analytics_event`` (on PostgreSQL: one partition) and
upserts on the rollup's unique key; no event is loaded into Python. Every step is a plain
aggregation (no ``count(DISTINCT …)``: its per-group sorts cost more than all the rest; see
:func:`rollup_sql`): one row per ``(app_id, environment, host_app_id, visitor, version)`` (the
one pass over the events), then the grains over those rows — on PostgreSQL ``GROUP BY GROUPING
SETS``, on SQLite a ``UNION ALL`` of ``GROUP BY``:

* per version: ``(day, app_id, host_app_id, environment, version)``;
* every version: ``version = "*"`` (:attr:`DailyRollup.ALL`);
* every host app: ``host_app_id = 0`` (:attr:`DailyRollup.ALL_HOST_APPS``) and ``version = "*"``.

Definitions (SPEC §9 and the model's docstring):

* **visitor**: ``"u:" + user_id`` when the event has a user id, else ``"d:" + device_id`` (the
  two namespaces never meet: user ``42`` and device ``42`` are two visitors), **of one host
  app**: user ids are each super app's own (user 42 of one wallet is not user 42 of another),
  so the all-host-apps uv is the sum of the host apps' uv. A user seen with and without a user
  id on one day counts as two visitors (the SDK cannot tell them apart). A visitor on two
  versions of a mini program counts once in its all-versions uv.
* **pv**: ``page_view`` events; **uv**: exact distinct visitors (any event type);
  **uv_previous**: the same key's uv on the day before, ``NULL`` when that day has no row (DoD =
  ``uv`` against it).
* **visits**: ``launch`` events; **total_users**: visits accumulated up to and including the
  day — the latest *earlier* row of the same key (however far back: not only the day before)
  plus the day's visits. A returning user counts again (the seeds' "Total Users" is not unique
  users). Because it chains from the stored rows, it survives the 3-day raw retention.
* **favorites_added / favorites_removed**: ``favorite_add`` / ``favorite_remove`` events;
  **search_users**: distinct visitors with at least one ``search`` event.
* **startups**: ``startup`` events; **startup_successes**: those with ``success``;
  **startup_duration_ms_sum**: the sum of every start-up's ``duration_ms`` (the average is
  ``startup_duration_ms_sum / startups``).
* **jsapi_calls / jsapi_successes**: ``jsapi_call`` events, and those with ``success``.
* **http_requests**: ``http_request`` events; **http_exceptions**: those that got **no answer
  (status 0) or an answer with status >= 400** (client and server errors alike: both are what
  the user of the mini program sees fail; 3xx are answers).
* **blank_screens**: ``blank_screen`` events.

Re-runnable: rolling a day up again upserts the same rows and deletes the rows of that day
whose key no longer has events, so the day ends up exactly as computed.

Because ``total_users`` (and ``uv_previous``) chain from earlier rows, :func:`rollup_range`
rolls its days up in order and then **re-chains** every later day that already has rows: their
``uv_previous`` and ``total_users`` are recomputed from the stored rows (the same rule, no raw
events needed, so it works for days past the raw retention too). A backfill therefore leaves
consistent totals; :func:`rollup_day` is ``rollup_range(day, day)``.

A day whose raw events are gone (past the 3-day retention: on PostgreSQL its partition dropped;
on SQLite its rows deleted) is **not** rolled up — an empty result would wipe its rows:
:func:`rollup_day` raises :class:`RawEventsGone`, :func:`rollup_range` skips the day, keeps its
rows and says so in its report.

Retention (:func:`rollup_delete_older_than`, daily): rows older than 90 days are deleted — except
that each all-versions key (``version = "*"``) keeps its newest row until a newer one exists, as
the carrier of its ``total_users`` (a mini program idle for three months does not start again
from zero; at most one row per mini program, host app and environment). Per-version rows go
strictly after 90 days.

Runs are serialized (a PostgreSQL transaction-level advisory lock; SQLite serializes writers),
each range in one transaction: a failure leaves the previous figures in place. On PostgreSQL
the transaction raises ``work_mem`` to :data:`WORK_MEM` so that the hash aggregations of a
day of ~10 million events stay in memory.

A version named ``*`` would share its row with the all-versions grain: SDK versions are
version numbers; the ingestion accepts any text today (a check there would close it).
"""

# The SQL below is assembled from this module's constants only; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from analytics.models import DailyRollup
from analytics.partitions import is_partitioned, partition_name, retention_cutoff

logger = logging.getLogger(__name__)

RETENTION_DAYS = 90
EVENT_TABLE = "analytics_event"
ROLLUP_TABLE = DailyRollup._meta.db_table
LOCK_KEY = 1_400_014  # pg_advisory_xact_lock: one rollup run at a time
WORK_MEM = "512MB"  # the rollup transaction's work_mem (sorts and hashes stay in memory)
KEY = ("app_id", "host_app_id", "environment", "version")
# The summed counters, in the model's column order (uv, uv_previous and total_users aside).
COUNTERS = (
    "pv",
    "visits",
    "favorites_added",
    "favorites_removed",
    "startups",
    "startup_successes",
    "startup_duration_ms_sum",
    "jsapi_calls",
    "jsapi_successes",
    "http_requests",
    "http_exceptions",
    "blank_screens",
)
# Per visitor and key: how each counter counts the day's events (SQL over ``analytics_event``).
COUNTER_SQL = {
    "pv": "type = 'page_view'",
    "visits": "type = 'launch'",
    "favorites_added": "type = 'favorite_add'",
    "favorites_removed": "type = 'favorite_remove'",
    "startups": "type = 'startup'",
    "startup_successes": "type = 'startup' AND success",
    "jsapi_calls": "type = 'jsapi_call'",
    "jsapi_successes": "type = 'jsapi_call' AND success",
    "http_requests": "type = 'http_request'",
    "http_exceptions": "type = 'http_request' AND (status_code = 0 OR status_code >= 400)",
    "blank_screens": "type = 'blank_screen'",
}
COLUMNS = (
    "day",
    *KEY,
    "pv",
    "uv",
    "uv_previous",
    "visits",
    "total_users",
    "favorites_added",
    "favorites_removed",
    "search_users",
    "startups",
    "startup_successes",
    "startup_duration_ms_sum",
    "jsapi_calls",
    "jsapi_successes",
    "http_requests",
    "http_exceptions",
    "blank_screens",
    "computed_at",
)


class RawEventsGone(Exception):
    """The day's raw events are past retention: rolling it up would wipe its rows."""

    def __init__(self, day: date, reason: str) -> None:
        super().__init__(f"{day.isoformat()}: the raw events are gone ({reason}); rows kept")
        self.day, self.reason = day, reason


@dataclass(frozen=True)
class DayResult:
    day: date
    rows: int = 0  # rows written (inserted or updated)
    deleted: int = 0  # rows of keys without events any more
    skipped: str = ""  # why the day was not rolled up (its rows kept)


@dataclass
class RollupReport:
    days: list[DayResult] = field(default_factory=list)
    rechained: list[date] = field(default_factory=list)  # later days whose chain was redone

    @property
    def rows(self) -> int:
        return sum(result.rows for result in self.days)

    @property
    def skipped(self) -> list[DayResult]:
        return [result for result in self.days if result.skipped]


def today_utc() -> date:
    return timezone.now().astimezone(UTC).date()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _key_match(alias: str, other: str) -> str:
    return " AND ".join(f"{alias}.{column} = {other}.{column}" for column in KEY)


def _previous_sql(alias: str) -> tuple[str, str]:
    """(uv of the day before, total_users of the latest earlier row) of ``alias``'s key, as
    correlated subqueries; parameters: the day before, then the day."""
    match = _key_match("p", alias)
    uv = f"(SELECT p.uv FROM {ROLLUP_TABLE} p WHERE {match} AND p.day = %s)"
    total = (
        f"COALESCE((SELECT p.total_users FROM {ROLLUP_TABLE} p WHERE {match} AND p.day < %s"
        " ORDER BY p.day DESC LIMIT 1), 0)"
    )
    return uv, total


def _grouping_sets(postgresql: bool, select: str, source: str, sets: list[str]) -> str:
    """``select`` (with ``{host}``, ``{version}`` and ``{over_versions}`` in it) over ``source``
    per grouping set (the first the finest, without ``version`` the rest): PostgreSQL's
    ``GROUPING SETS`` in one pass, elsewhere a ``UNION ALL`` of ``GROUP BY``."""
    all_hosts, every_version = DailyRollup.ALL_HOST_APPS, f"'{DailyRollup.ALL}'"
    if postgresql:
        columns = select.format(
            host=f"CASE WHEN GROUPING(host_app_id) = 1 THEN {all_hosts} ELSE host_app_id END",
            version=f"CASE WHEN GROUPING(version) = 1 THEN {every_version} ELSE version END",
            over_versions="GROUPING(version)",
        )
        groups = ", ".join(f"({group})" for group in sets)
        return f"SELECT {columns} FROM {source} GROUP BY GROUPING SETS ({groups})"
    parts = []
    for group in sets:
        per_version = "version" in group.split(", ")
        columns = select.format(
            host="host_app_id" if "host_app_id" in group.split(", ") else str(all_hosts),
            version="version" if per_version else every_version,
            over_versions="0" if per_version else "1",
        )
        parts.append(f"SELECT {columns} FROM {source} GROUP BY {group}")
    return "\nUNION ALL\n".join(parts)


def rollup_sql(connection: BaseDatabaseWrapper) -> str:
    """The day's upsert; parameters (in order): the day's start and end (``occurred_at``), the
    day, the day before, the day, the run's timestamp.

    Every step is a plain aggregation (PostgreSQL hashes them; no ``count(DISTINCT …)``, whose
    per-group sorts cost more than the rest): ``pairs`` has one row per mini program,
    environment, host app, visitor and version with that visitor's counts; ``counters`` sums
    them per grain (per version, ``count(*)`` is the uv); ``people`` has one row per visitor of
    a host app over every version, so its counts are the all-versions uv and search users. A
    visitor belongs to one host app (user ids are each host app's own): the all-host-apps uv is
    the sum of the host apps' uv."""
    postgresql = connection.vendor == "postgresql"
    visitor = "CASE WHEN user_id <> '' THEN 'u:' || user_id ELSE 'd:' || device_id END"
    counts = ",\n".join(
        f"CAST(count(*) FILTER (WHERE {condition}) AS integer) AS {name}"
        for name, condition in COUNTER_SQL.items()
    )
    pairs = f"""
        SELECT app_id, environment, host_app_id, {visitor} AS visitor, version,
        {counts},
        sum(duration_ms) FILTER (WHERE type = 'startup') AS startup_duration_ms_sum,
        CAST(count(*) FILTER (WHERE type = 'search') AS integer) AS searches
        FROM {EVENT_TABLE}
        WHERE occurred_at >= %s AND occurred_at < %s
        GROUP BY app_id, environment, host_app_id, visitor, version"""
    people = """
        SELECT app_id, environment, host_app_id, max(searches) AS searches
        FROM pairs GROUP BY app_id, environment, host_app_id, visitor"""
    sums = ", ".join(f"COALESCE(sum({name}), 0) AS {name}" for name in COUNTERS)
    head = "app_id, environment, {host} AS host_app_id"
    visitors = "count(*) AS uv, count(*) FILTER (WHERE searches > 0) AS search_users"
    counters = _grouping_sets(
        postgresql,
        f"{head}, {{version}} AS version, {{over_versions}} AS over_versions, {visitors}, {sums}",
        "pairs",
        [
            "app_id, environment, host_app_id, version",
            "app_id, environment, host_app_id",
            "app_id, environment",
        ],
    )
    people_grains = _grouping_sets(
        postgresql,
        f"{head}, {visitors}",
        "people",
        ["app_id, environment, host_app_id", "app_id, environment"],
    )
    merged = ", ".join(
        f"CASE WHEN c.over_versions = 1 THEN p.{name} ELSE c.{name} END AS {name}"
        for name in ("uv", "search_users")
    )
    grains = f"""
        SELECT c.app_id, c.environment, c.host_app_id, c.version, {merged},
        {", ".join(f"c.{name}" for name in COUNTERS)}
        FROM counters c LEFT JOIN people_grains p ON c.over_versions = 1
        AND p.app_id = c.app_id AND p.environment = c.environment
        AND p.host_app_id = c.host_app_id"""
    uv_previous, total_before = _previous_sql("g")
    values = ", ".join(
        {
            "day": "%s",
            "uv_previous": uv_previous,
            "total_users": f"{total_before} + g.visits",
            "computed_at": "%s",
        }.get(column, f"g.{column}")
        for column in COLUMNS
    )
    updates = ", ".join(
        f"{column} = excluded.{column}" for column in COLUMNS if column not in ("day", *KEY)
    )
    ctes = ", ".join(
        f"{name} AS ({sql})"
        for name, sql in (
            ("pairs", pairs),
            ("people", people),
            ("counters", counters),
            ("people_grains", people_grains),
            ("grains", grains),
        )
    )
    return f"""
        INSERT INTO {ROLLUP_TABLE} ({", ".join(COLUMNS)})
        WITH {ctes}
        SELECT {values} FROM grains g WHERE true
        ON CONFLICT ({", ".join(KEY)}, day) DO UPDATE SET {updates}"""


def rechain_sql() -> str:
    """One day's ``uv_previous`` and ``total_users`` recomputed from the stored rows (the same
    rule as the rollup's); parameters: the day before, the day, the day."""
    uv_previous, total_before = _previous_sql("r")
    return (
        f"UPDATE {ROLLUP_TABLE} AS r SET uv_previous = {uv_previous}, "
        f"total_users = {total_before} + r.visits WHERE r.day = %s"
    )


def raw_events_gone(day: date, *, using: str = "default") -> str:
    """Why the raw events of ``day`` can no longer be rolled up, or ``""`` when they can:
    on PostgreSQL the day's partition does not exist (dropped past retention, or never
    created: no event could be stored); on SQLite the day is past the raw retention and holds
    no event (its rows were deleted)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if is_partitioned(connection):
            name = partition_name(EVENT_TABLE, day)
            cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name])
            if cursor.fetchone() is None:
                return f"partition {name} does not exist: dropped past the 3-day retention"
            return ""
        if _day_start(day) >= retention_cutoff():
            return ""
        start, end = _adapted_range(connection, day)
        cursor.execute(
            f"SELECT 1 FROM {EVENT_TABLE} WHERE occurred_at >= %s AND occurred_at < %s LIMIT 1",
            [start, end],
        )
        if cursor.fetchone() is None:
            return "past the 3-day retention and no event left"
        return ""


def _adapted_range(connection: BaseDatabaseWrapper, day: date) -> tuple[Any, Any]:
    ops = connection.ops
    return (
        ops.adapt_datetimefield_value(_day_start(day)),
        ops.adapt_datetimefield_value(_day_start(day + timedelta(days=1))),
    )


def _rollup_one(day: date, stamp: datetime, connection: BaseDatabaseWrapper) -> DayResult:
    ops = connection.ops
    start, end = _adapted_range(connection, day)
    day_value = ops.adapt_datefield_value(day)
    stamp_value = ops.adapt_datetimefield_value(stamp)
    with connection.cursor() as cursor:
        cursor.execute(
            rollup_sql(connection),
            [
                start,
                end,
                day_value,
                ops.adapt_datefield_value(day - timedelta(days=1)),
                day_value,
                stamp_value,
            ],
        )
        written = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {ROLLUP_TABLE} WHERE day = %s AND computed_at <> %s",
            [day_value, stamp_value],
        )
        deleted = cursor.rowcount
    return DayResult(day=day, rows=written, deleted=deleted)


def _rechain_after(day: date, connection: BaseDatabaseWrapper) -> list[date]:
    """Redo the chain (uv_previous, total_users) of every day after ``day`` with rows, in
    order; returns those days."""
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT day FROM {ROLLUP_TABLE} WHERE day > %s ORDER BY day",
            [ops.adapt_datefield_value(day)],
        )
        days = [
            value if isinstance(value, date) else date.fromisoformat(str(value))
            for (value,) in cursor.fetchall()
        ]
        sql = rechain_sql()
        for later in days:
            value = ops.adapt_datefield_value(later)
            cursor.execute(
                sql, [ops.adapt_datefield_value(later - timedelta(days=1)), value, value]
            )
    return days


def rollup_range_report(first: date, last: date, *, using: str = "default") -> RollupReport:
    """Roll up every day from ``first`` to ``last`` (UTC, inclusive) in order, then re-chain
    the later days that already have rows; one transaction. Days whose raw events are gone are
    skipped (their rows kept) and listed in the report. Raises ``ValueError`` for an empty
    range or a day after today (UTC; today itself is allowed and partial)."""
    if first > last:
        raise ValueError(f"the range is empty: {first.isoformat()} is after {last.isoformat()}")
    if last > today_utc():
        raise ValueError(f"{last.isoformat()} is in the future")
    connection = connections[using]
    report = RollupReport()
    stamp = timezone.now()
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        day = first
        while day <= last:
            reason = raw_events_gone(day, using=using)
            if reason:
                logger.warning("rollup %s skipped: %s", day.isoformat(), reason)
                report.days.append(DayResult(day=day, skipped=reason))
            else:
                report.days.append(_rollup_one(day, stamp, connection))
            day += timedelta(days=1)
        report.rechained = _rechain_after(last, connection)
    logger.info(
        "rollup %s..%s: %d rows, %d days skipped, %d later days re-chained",
        first.isoformat(),
        last.isoformat(),
        report.rows,
        len(report.skipped),
        len(report.rechained),
    )
    return report


def rollup_range(first: date, last: date, *, using: str = "default") -> int:
    """:func:`rollup_range_report`; returns the rows written."""
    return rollup_range_report(first, last, using=using).rows


def rollup_day(day: date, *, using: str = "default") -> int:
    """Roll up one UTC day (and re-chain the later days with rows); returns the rows written.
    Raises :class:`RawEventsGone` when the day's raw events are past retention."""
    report = rollup_range_report(day, day, using=using)
    if report.skipped:
        raise RawEventsGone(day, report.skipped[0].skipped)
    return report.rows


def rollup_delete_older_than(
    *, days: int = RETENTION_DAYS, today: date | None = None, using: str = "default"
) -> int:
    """Delete the rollup rows of days before ``today - days`` (the last ``days`` days are
    kept), except the newest row of each all-versions key (it carries ``total_users``) until a
    newer row of that key exists. Returns the rows deleted."""
    cutoff = (today or today_utc()) - timedelta(days=days)
    newer = (
        f"SELECT 1 FROM {ROLLUP_TABLE} n WHERE {_key_match('n', ROLLUP_TABLE)} "
        f"AND n.day > {ROLLUP_TABLE}.day"
    )
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ROLLUP_TABLE} WHERE day < %s AND (version <> %s OR EXISTS ({newer}))",
            [connection.ops.adapt_datefield_value(cutoff), DailyRollup.ALL],
        )
        deleted = cursor.rowcount
    if deleted:
        logger.info("rollup retention: %d rows before %s deleted", deleted, cutoff.isoformat())
    return deleted
