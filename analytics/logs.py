"""The real-time log query (issue 14, SPEC §7 "Real-time logs"): a mini program's log lines of
the last 3 days, filtered, newest first, a page at a time.

Pages are **keyset** pages over the table's key ``(occurred_at, event_id)``, descending: the
next page starts after the last line shown (:class:`Cursor`), so a page costs the same at any
depth — no ``OFFSET``, and no ``COUNT`` of millions of lines (the page tells only whether more
follow). Lines sharing a timestamp are ordered by their event id, so none is shown twice or
skipped across pages.

Every filter has an access path on PostgreSQL (migration ``0003_log_search``): the time range
on ``(app_id, occurred_at)``; level, GUID, page, OS and the versions each on
``(app_id, <column>, occurred_at)``; message text on a GIN index of ``(app_id, message
trigrams)`` (``pg_trgm`` with ``btree_gin``, for ``ILIKE``), so a word common in other mini
programs never floods the bitmap. SQLite takes the same filters (``LIKE``, which is
case-insensitive for ASCII only). User text is escaped, so ``%`` and ``_`` match themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import F, Lookup, Q, QuerySet, Value
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import LogLine
from analytics.partitions import retention_cutoff
from analytics.realtime import Scope

L = LogLine.Level
LEVEL_CHOICES: list[tuple[int, str]] = [
    (L.INFO, "info+"),
    (L.WARN, "warn+"),
    (L.ERROR, "error+"),
]  # "all" is no minimum
TEXT_MAX = 200
FIELD_MAX = {"guid": 64, "page": 256, "platform": 32, "os_version": 32}
VERSION_MAX = 32
FUTURE_SLACK = timedelta(minutes=5)  # the SDK may send lines this far ahead of our clock


@dataclass(frozen=True)
class LogFilters:
    """What the viewer asked for; empty strings and ``None`` filter nothing. Times are aware."""

    since: datetime | None = None
    until: datetime | None = None
    min_level: int | None = None
    platform: str = ""
    os_version: str = ""
    guid: str = ""
    page: str = ""
    text: str = ""
    base_version: str = ""
    client_version: str = ""

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in self.__dataclass_fields__)


def earliest(*, now: datetime | None = None) -> datetime:
    """The oldest time a line can still be kept: the start of the UTC day 3 days back."""
    return retention_cutoff(now=now)


def log_range_check(
    *, since: datetime | None, until: datetime | None, now: datetime | None = None
) -> None:
    """The rule of the time range, for the form and the API alike: inside the last 3 days and
    in order. Raises ``ValidationError`` keyed by field."""
    now = now or timezone.now()
    first = earliest(now=now)
    errors: dict[str, str] = {}
    shown = f"{first:%Y-%m-%d %H:%M} UTC"
    if since is not None and since < first:
        errors["since"] = _("Logs are kept 3 days: the earliest start is %(first)s.") % {
            "first": shown
        }
    if until is not None and until < first:
        errors["until"] = _("Logs are kept 3 days: the end must be after %(first)s.") % {
            "first": shown
        }
    elif until is not None and until > now + timedelta(days=1):
        errors["until"] = _("The end is more than a day in the future.")
    if since is not None and until is not None and since > until and "until" not in errors:
        errors["until"] = _("The end is before the start.")
    if errors:
        raise ValidationError(errors)


# --- the cursor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """The key of the last line of a page; the next page starts strictly after it."""

    occurred_at: datetime
    event_id: uuid.UUID

    def encode(self) -> str:
        delta = self.occurred_at - datetime(1970, 1, 1, tzinfo=UTC)
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}-{self.event_id.hex}"

    @classmethod
    def decode(cls, raw: str) -> Cursor:
        """The cursor written by :meth:`encode`; ``ValueError`` on anything else."""
        micros, sep, hexid = raw.partition("-")
        if not sep or not micros.isascii() or not micros.isdigit() or len(micros) > 17:
            raise ValueError("not a cursor")
        if len(hexid) != 32:
            raise ValueError("not a cursor")
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        return cls(occurred_at=moment, event_id=uuid.UUID(hex=hexid))

    @classmethod
    def of(cls, line: LogLine) -> Cursor:
        return cls(occurred_at=line.occurred_at, event_id=line.event_id)


# --- the query ---------------------------------------------------------------------------------


class _ILike(Lookup):
    """``lhs ILIKE rhs`` (PostgreSQL): what a ``gin_trgm_ops`` index on the bare column serves
    (Django's ``icontains`` compares ``UPPER(column)``, which that index cannot)."""

    lookup_name = "ilike"

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


def like_escape(text: str) -> str:
    """``text`` as a literal inside a ``LIKE`` pattern (backslash is the escape character)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_filter(rows: QuerySet[LogLine], text: str) -> QuerySet[LogLine]:
    if connections[rows.db].vendor == "postgresql":
        return rows.filter(_ILike(F("message"), Value(f"%{like_escape(text)}%")))
    return rows.filter(message__icontains=text)  # Django escapes the pattern


def log_query(*, scope: Scope, filters: LogFilters) -> QuerySet[LogLine]:
    """The lines of ``scope`` that ``filters`` match, newest first (unpaged)."""
    rows = scope.log_lines().filter(occurred_at__gte=filters.since or earliest())
    if filters.until is not None:
        rows = rows.filter(occurred_at__lte=filters.until)
    if filters.min_level is not None:
        rows = rows.filter(level__gte=filters.min_level)
    exact = {
        name: getattr(filters, name)
        for name in ("platform", "os_version", "guid", "page", "base_version", "client_version")
        if getattr(filters, name)
    }
    if exact:
        rows = rows.filter(**exact)
    if filters.text:
        rows = _text_filter(rows, filters.text)
    return rows.order_by("-occurred_at", "-event_id")


@dataclass(frozen=True)
class LogPage:
    lines: list[LogLine]
    next_cursor: Cursor | None  # None: this is the last page

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def log_page(
    *, scope: Scope, filters: LogFilters, after: Cursor | None = None, limit: int = 50
) -> LogPage:
    """One page of :func:`log_query`: the ``limit`` lines after ``after`` (the first page
    without it); one query, reading one line more than the page to know if another follows."""
    rows = log_query(scope=scope, filters=filters)
    if after is not None:
        rows = rows.filter(occurred_at__lte=after.occurred_at).filter(
            Q(occurred_at__lt=after.occurred_at)
            | Q(occurred_at=after.occurred_at, event_id__lt=after.event_id)
        )
    lines = list(rows[: limit + 1])
    more = len(lines) > limit
    lines = lines[:limit]
    return LogPage(lines=lines, next_cursor=Cursor.of(lines[-1]) if more else None)
