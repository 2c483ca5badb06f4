"""Writing batches of rows: PostgreSQL ``COPY`` through a staging table, or one SQLite insert.

A :class:`Chunk` is what the web process hands off (in the Redis stream, or directly in the
embedded default): the events and the log lines of one request as ``COPY`` text
(:func:`analytics.batch.copy_text`), with the earliest and latest timestamp in it.

On PostgreSQL :func:`chunks_write` ``COPY``s every chunk into per-connection temporary staging
tables, then moves them with one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per table, in the
caller's transaction: a redelivered chunk (same ``(occurred_at, event_id)``) inserts nothing,
and rows of days past retention are left out. On SQLite it is one ``INSERT OR IGNORE`` per
table (``bulk_create``), never row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any
from uuid import UUID

from django.db import connections, transaction

from analytics.batch import EVENT_COLUMNS, LOG_COLUMNS, Batch, copy_rows, copy_text, ms_datetime
from analytics.partitions import is_partitioned, partitions_ensure_days, retention_cutoff


@dataclass(frozen=True)
class Chunk:
    events: bytes  # COPY text of ``EVENT_COLUMNS`` (occurred_at as epoch ms)
    logs: bytes  # COPY text of ``LOG_COLUMNS``
    first_ms: int
    last_ms: int
    count: int

    @classmethod
    def of(cls, batch: Batch) -> Chunk:
        return cls(
            events=copy_text(batch.events),
            logs=copy_text(batch.logs, LOG_COLUMNS),
            first_ms=batch.first_ms,
            last_ms=batch.last_ms,
            count=batch.accepted,
        )

    def fields(self) -> dict[str, bytes | int]:
        """As a Redis stream entry."""
        return {
            "e": self.events,
            "l": self.logs,
            "a": self.first_ms,
            "z": self.last_ms,
            "n": self.count,
        }

    @classmethod
    def from_fields(cls, fields: dict[bytes, bytes]) -> Chunk:
        return cls(
            events=fields.get(b"e", b""),
            logs=fields.get(b"l", b""),
            first_ms=int(fields[b"a"]),
            last_ms=int(fields[b"z"]),
            count=int(fields[b"n"]),
        )


# Staging tables: the target's columns with ``occurred_at`` as epoch milliseconds (converted in
# SQL, exactly) and no constraint; temporary (one per connection), emptied before each use.
_TYPES = {
    "occurred_at": "bigint",
    "event_id": "uuid",
    "host_app_id": "bigint",
    "status_code": "smallint",
    "success": "boolean",
    "duration_ms": "integer",
    "level": "smallint",
}
TARGETS = (("analytics_event", EVENT_COLUMNS), ("analytics_logline", LOG_COLUMNS))


def _stage_ddl(table: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(f'"{c}" {_TYPES.get(c, "text")}' for c in columns)
    return f"CREATE TEMP TABLE IF NOT EXISTS {table}_stage ({cols})"


def _move_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(
        "TIMESTAMPTZ 'epoch' + \"occurred_at\" * INTERVAL '1 millisecond'"
        if c == "occurred_at"
        else f'"{c}"'
        for c in columns
    )
    return (  # table and column names are this module's constants
        f"INSERT INTO {table} ({names}) SELECT {values} FROM {table}_stage "  # noqa: S608
        "WHERE occurred_at >= %s ON CONFLICT DO NOTHING"
    )


def _days(chunks: list[Chunk], cutoff_ms: int) -> set[Any]:
    days = set()
    for chunk in chunks:
        if not chunk.count:
            continue
        first, last = ms_datetime(max(chunk.first_ms, cutoff_ms)), ms_datetime(chunk.last_ms)
        day = first.astimezone(UTC).date()
        while day <= last.astimezone(UTC).date():
            days.add(day)
            day += timedelta(days=1)
    return days


def chunks_write(chunks: list[Chunk], *, using: str = "default") -> int:
    """Write the chunks in one transaction; returns how many rows were new (a redelivered
    row counts zero)."""
    chunks = [chunk for chunk in chunks if chunk.count]
    if not chunks:
        return 0
    connection = connections[using]
    cutoff_ms = int(retention_cutoff().timestamp() * 1000)
    if not is_partitioned(connection):
        events = [row for chunk in chunks for row in copy_rows(chunk.events)]
        logs = [row for chunk in chunks for row in copy_rows(chunk.logs)]
        return _write_sqlite(events, logs, cutoff_ms=cutoff_ms, using=using)
    partitions_ensure_days(_days(chunks, cutoff_ms), using=using)
    inserted = 0
    with transaction.atomic(using=using):
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor:
            for index, (table, columns) in enumerate(TARGETS):
                parts = [chunk.logs if index else chunk.events for chunk in chunks]
                if not any(parts):
                    continue
                cursor.execute(_stage_ddl(table, columns))
                cursor.execute(f"TRUNCATE {table}_stage")
                with cursor.copy(f"COPY {table}_stage FROM STDIN") as copy:
                    for part in parts:
                        if part:
                            copy.write(part)
                cursor.execute(_move_sql(table, columns), [cutoff_ms])
                inserted += max(cursor.rowcount, 0)
    return inserted


def _convert(columns: tuple[str, ...], values: list[Any]) -> dict[str, Any]:
    row = dict(zip(columns, values, strict=True))
    row["occurred_at"] = ms_datetime(int(row["occurred_at"]))
    row["event_id"] = UUID(row["event_id"])
    row["host_app_id"] = int(row["host_app_id"])
    for name in ("status_code", "duration_ms", "level"):
        if row.get(name) is not None:
            row[name] = int(row[name])
    if row.get("success") is not None:
        row["success"] = row["success"] in (True, "t")
    return row


def _write_sqlite(events: list[Any], logs: list[Any], *, cutoff_ms: int, using: str) -> int:
    from analytics.models import Event, LogLine

    connection = connections[using]
    with transaction.atomic(using=using):
        connection.ensure_connection()
        before = connection.connection.total_changes
        for model, columns, rows in ((Event, EVENT_COLUMNS, events), (LogLine, LOG_COLUMNS, logs)):
            objs: list[Any] = [
                model(**_convert(columns, list(values)))
                for values in rows
                if int(values[0]) >= cutoff_ms
            ]
            if objs:
                model.objects.using(using).bulk_create(objs, batch_size=500, ignore_conflicts=True)
        return connection.connection.total_changes - before  # INSERT OR IGNORE: new rows only


def batch_store(batch: Batch, *, using: str = "default") -> int:
    """The embedded default (no Redis): write the request's rows now, in one transaction;
    returns how many were new."""
    if is_partitioned(connections[using]):
        return chunks_write([Chunk.of(batch)], using=using)
    cutoff_ms = int(retention_cutoff().timestamp() * 1000)
    return _write_sqlite(batch.events, batch.logs, cutoff_ms=cutoff_ms, using=using)
