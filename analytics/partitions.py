"""Daily partitions of the raw tables and their retention (3 days).

On PostgreSQL ``analytics_event`` and ``analytics_logline`` are ``PARTITION BY RANGE
(occurred_at)``, one partition per UTC day named ``<table>_pYYYYMMDD``: the migration creates
the parents and the days around "today"; :func:`partitions_ensure` (beat, hourly) creates the
days ahead, and every writer ensures the days of what it writes (:func:`partitions_ensure_days`)
so a late beat never refuses a batch; :func:`partitions_drop_older_than` (beat, hourly) drops
whole days past retention — a ``DROP TABLE``, no row-by-row ``DELETE`` and no bloat. On SQLite
the tables are plain and retention deletes the rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

logger = logging.getLogger(__name__)

RETENTION_DAYS = 3
DAYS_AHEAD = 2
TABLES = ("analytics_event", "analytics_logline")
PARTITION_RE = re.compile(r"(analytics_event|analytics_logline)_p([0-9]{8})")


def is_partitioned(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def tables_create(schema_editor: BaseDatabaseSchemaEditor, models: Iterable[type]) -> None:
    """Create the raw tables (the migration's database side): partitioned parents on
    PostgreSQL, with their indexes (inherited by every partition) and the days around today;
    plain tables elsewhere."""
    connection = schema_editor.connection
    for model in models:
        if not is_partitioned(connection):
            schema_editor.create_model(model)
            continue
        sql, params = schema_editor.table_sql(model)
        schema_editor.execute(f"{sql} PARTITION BY RANGE (occurred_at)", params or None)
        for index in model._meta.indexes:  # type: ignore[attr-defined]
            schema_editor.add_index(model, index)
    partitions_ensure(using=connection.alias)


def partitions_ensure_days(days: Iterable[date], *, using: str = "default") -> list[str]:
    """Create the missing daily partitions of both tables for ``days``; returns the names
    created (none on SQLite). Safe beside a concurrent writer doing the same."""
    connection = connections[using]
    if not is_partitioned(connection):
        return []
    wanted = {partition_name(table, day): (table, day) for table in TABLES for day in set(days)}
    if not wanted:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s)", [list(wanted)])
        missing = sorted(set(wanted) - {row[0] for row in cursor.fetchall()})
        created = []
        for name in missing:
            table, day = wanted[name]
            start, end = _day_start(day), _day_start(day + timedelta(days=1))
            try:
                with transaction.atomic(using=using):
                    cursor.execute(
                        f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                    )
            except DatabaseError:  # a concurrent writer created it between our look and now
                logger.info("partition %s: created concurrently", name)
                continue
            created.append(name)
    if created:
        logger.info("analytics partitions created: %s", ", ".join(created))
    return created


def partitions_ensure(
    *, days_ahead: int = DAYS_AHEAD, today: date | None = None, using: str = "default"
) -> list[str]:
    """Make sure every day from the oldest one kept (``RETENTION_DAYS`` back) to
    ``days_ahead`` days after ``today`` (UTC) has its partitions; returns the names created."""
    today = today or timezone.now().astimezone(UTC).date()
    days = [today + timedelta(days=n) for n in range(-RETENTION_DAYS, days_ahead + 1)]
    return partitions_ensure_days(days, using=using)


def retention_cutoff(*, days: int = RETENTION_DAYS, now: datetime | None = None) -> datetime:
    """The start of the oldest day kept: every event of the last ``days`` days is on or
    after it (so is every event the endpoint accepts)."""
    now = now or timezone.now()
    return _day_start((now - timedelta(days=days)).astimezone(UTC).date())


def partitions_drop_older_than(
    *, days: int = RETENTION_DAYS, now: datetime | None = None, using: str = "default"
) -> int:
    """Forget raw events and log lines older than ``days`` days: on PostgreSQL drop the
    partitions of the days that ended before then (returns how many tables were dropped), on
    SQLite delete the rows before the cutoff's day (returns how many rows were deleted)."""
    cutoff = retention_cutoff(days=days, now=now)
    connection = connections[using]
    if not is_partitioned(connection):
        from analytics.models import Event, LogLine

        deleted = 0
        for model in (Event, LogLine):
            deleted += model.objects.using(using).filter(occurred_at__lt=cutoff).delete()[0]
        return deleted
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
            "WHERE parent.relname = ANY(%s)",
            [list(TABLES)],
        )
        for (name,) in cursor.fetchall():
            match = PARTITION_RE.fullmatch(name)
            if match is None:
                continue
            day = datetime.strptime(match[2], "%Y%m%d").date()
            if _day_start(day + timedelta(days=1)) <= cutoff:
                cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
                dropped.append(name)
    if dropped:
        logger.info("analytics partitions dropped: %s", ", ".join(sorted(dropped)))
    return len(dropped)
