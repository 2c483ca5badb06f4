"""Real-time figures (issue 14, SPEC §9): one UTC day of the last 3 (raw events are kept 3
days) by hour, and the JSAPI calls of a day, read straight from the raw ``Event`` table.

Every figure is computed by the database (``GROUP BY`` hour or API name over the mini
program's rows, on the ``(app_id, occurred_at)`` index), never by loading rows into Python.

What a viewer reads is a :class:`Scope`: one mini program's App ID, the host apps whose rows
it may read — the host apps the mini program is released to (active or taken offline), and for
the tenant of a host app reading a merchant's mini program only its own host apps — and an
environment. Rows an unrelated host app posted under the App ID are never counted.

Definitions: **PV** page views; **UV** distinct visitors (``user_id``, else ``device_id``, as
in the nightly rollup) over every event of the hour (the day's UV is distinct over the day, not
the sum of the hours); **launches** launch events; **start-up success rate** successful
start-ups of all start-ups; **HTTP exceptions** requests answered with a status of 400 or more,
or not answered (status 0); **blank screens** blank-screen events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Concat, ExtractHour
from django.utils import timezone

from analytics.models import Environment, Event, LogLine
from analytics.partitions import RETENTION_DAYS
from miniprograms.models import MiniProgram
from workspaces.models import HostApp

HOURS = 24
JSAPI_NAME_MAX = 64  # Event.name

E = Event.Type


@dataclass(frozen=True)
class Scope:
    """The raw rows a viewer reads: one App ID, the host apps it may read (none: nothing),
    and one environment (``""``: every environment)."""

    app_id: str
    host_app_ids: tuple[int, ...]
    environment: str = Environment.PRODUCTION

    def events(self) -> QuerySet[Event]:
        if not self.host_app_ids:
            return Event.objects.none()
        rows = Event.objects.filter(app_id=self.app_id, host_app_id__in=self.host_app_ids)
        if self.environment:
            rows = rows.filter(environment=self.environment)
        return rows

    def log_lines(self) -> QuerySet[LogLine]:
        if not self.host_app_ids:
            return LogLine.objects.none()
        rows = LogLine.objects.filter(app_id=self.app_id, host_app_id__in=self.host_app_ids)
        if self.environment:
            rows = rows.filter(environment=self.environment)
        return rows


def utc_today() -> date:
    return timezone.now().astimezone(UTC).date()


def realtime_days(*, today: date | None = None) -> list[date]:
    """The days raw data is kept for, newest first: today, yesterday, 2 days ago (UTC)."""
    today = today or utc_today()
    return [today - timedelta(days=n) for n in range(RETENTION_DAYS)]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def analytics_host_apps(
    *, miniprogram: MiniProgram, host_workspace_id: int | None = None
) -> list[HostApp]:
    """The host apps whose analytics a viewer reads, by name: those ``miniprogram`` is released
    to (active or offline there); for a host tenant (``host_workspace_id``) only its own."""
    rows = HostApp.objects.filter(miniprogram_targets__miniprogram=miniprogram)
    if host_workspace_id is not None:
        rows = rows.filter(workspace_id=host_workspace_id)
    return list(rows.order_by("name", "pk").distinct())


def scope_for(
    *,
    miniprogram: MiniProgram,
    host_apps: Iterable[HostApp],
    host_app_id: int | None = None,
    environment: str = Environment.PRODUCTION,
) -> Scope:
    """The :class:`Scope` of ``miniprogram`` on one of ``host_apps`` (``None``: all of them).
    A ``host_app_id`` not among them reads nothing."""
    ids = tuple(app.pk for app in host_apps)
    if host_app_id is not None:
        ids = (host_app_id,) if host_app_id in ids else ()
    return Scope(app_id=miniprogram.app_id, host_app_ids=ids, environment=environment)


def _visitor() -> Case:
    """``u:<user_id>``, else ``d:<device_id>`` (as the nightly rollup: the two never meet)."""
    return Case(
        When(~Q(user_id=""), then=Concat(Value("u:"), "user_id")),
        default=Concat(Value("d:"), "device_id"),
        output_field=CharField(),
    )


def _rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; ``None`` when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else None


def _by_hour(rows: QuerySet[Event], aggregates: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """``aggregates`` of ``rows`` per UTC hour (one ``GROUP BY``), by hour; absent hours had
    no rows."""
    grouped = (
        rows.annotate(hour=ExtractHour("occurred_at", tzinfo=UTC))
        .values("hour")
        .annotate(**aggregates)
        .order_by("hour")
    )
    found: dict[int, dict[str, Any]] = {}
    for row in grouped:
        values: dict[str, Any] = dict(row)
        found[int(values.pop("hour"))] = values
    return found


# --- the day by hour ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One hour's (or one day's) real-time figures."""

    pv: int = 0
    uv: int = 0
    launches: int = 0
    startups: int = 0
    startup_successes: int = 0
    jsapi_calls: int = 0
    jsapi_successes: int = 0
    http_requests: int = 0
    http_exceptions: int = 0
    blank_screens: int = 0

    @property
    def startup_success_rate(self) -> float | None:
        return _rate(self.startup_successes, self.startups)

    @property
    def jsapi_success_rate(self) -> float | None:
        return _rate(self.jsapi_successes, self.jsapi_calls)

    @property
    def http_exception_rate(self) -> float | None:
        return _rate(self.http_exceptions, self.http_requests)

    @property
    def is_empty(self) -> bool:
        return not (
            self.pv or self.uv or self.launches or self.startups or self.jsapi_calls
        ) and not (self.http_requests or self.blank_screens)


@dataclass(frozen=True)
class HourFigures(Figures):
    hour: int = 0


@dataclass(frozen=True)
class DayFigures:
    """A UTC day: every hour (0–23, zeros included) and the day's totals (its UV distinct over
    the day). ``hours`` after the current one of today are still zero."""

    day: date
    hours: list[HourFigures]
    total: Figures = field(default_factory=Figures)


FIGURES = tuple(f for f in Figures.__dataclass_fields__)


def _aggregates() -> dict[str, Count]:
    return {
        "pv": Count("event_id", filter=Q(type=E.PAGE_VIEW)),
        "uv": Count(_visitor(), distinct=True),
        "launches": Count("event_id", filter=Q(type=E.LAUNCH)),
        "startups": Count("event_id", filter=Q(type=E.STARTUP)),
        "startup_successes": Count("event_id", filter=Q(type=E.STARTUP, success=True)),
        "jsapi_calls": Count("event_id", filter=Q(type=E.JSAPI_CALL)),
        "jsapi_successes": Count("event_id", filter=Q(type=E.JSAPI_CALL, success=True)),
        "http_requests": Count("event_id", filter=Q(type=E.HTTP_REQUEST)),
        "http_exceptions": Count(
            "event_id",
            filter=Q(type=E.HTTP_REQUEST) & (Q(status_code__gte=400) | Q(status_code=0)),
        ),
        "blank_screens": Count("event_id", filter=Q(type=E.BLANK_SCREEN)),
    }


def realtime_hourly(*, scope: Scope, day: date) -> DayFigures:
    """The figures of ``day`` (UTC) by hour, and the day's totals: two grouped queries (one
    ``GROUP BY`` hour, one over the day for its distinct visitors)."""
    start, end = day_bounds(day)
    rows = scope.events().filter(occurred_at__gte=start, occurred_at__lt=end)
    by_hour = _by_hour(rows, _aggregates())
    hours = [HourFigures(hour=h, **by_hour.get(h, {})) for h in range(HOURS)]
    if not by_hour:
        return DayFigures(day=day, hours=hours)
    totals = {name: sum(getattr(h, name) for h in hours) for name in FIGURES}
    totals["uv"] = rows.aggregate(uv=Count(_visitor(), distinct=True))["uv"]
    return DayFigures(day=day, hours=hours, total=Figures(**totals))


# --- JSAPI calls -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsapiFigures:
    """The calls of one JSAPI (in a day, or an hour of it)."""

    name: str
    calls: int
    successes: int
    avg_duration_ms: float | None  # of the calls that reported a duration

    @property
    def failures(self) -> int:
        return self.calls - self.successes

    @property
    def success_rate(self) -> float | None:
        return _rate(self.successes, self.calls)


def _jsapi_aggregates() -> dict[str, Count | Sum]:
    return {
        "calls": Count("event_id"),
        "successes": Count("event_id", filter=Q(success=True)),
        "timed": Count("duration_ms"),
        "duration_sum": Sum("duration_ms"),
    }


def _jsapi(name: str, row: dict[str, Any]) -> JsapiFigures:
    timed = row.get("timed") or 0
    return JsapiFigures(
        name=name,
        calls=row.get("calls", 0),
        successes=row.get("successes", 0),
        avg_duration_ms=round(int(row["duration_sum"]) / timed, 1) if timed else None,
    )


def jsapi_overview(*, scope: Scope, day: date) -> list[JsapiFigures]:
    """Every JSAPI called on ``day`` (UTC): calls, successes and mean duration, most called
    first (then by name); one ``GROUP BY`` name."""
    start, end = day_bounds(day)
    rows = (
        scope.events()
        .filter(type=E.JSAPI_CALL, occurred_at__gte=start, occurred_at__lt=end)
        .values("name")
        .annotate(**_jsapi_aggregates())
        .order_by(F("calls").desc(), "name")
    )
    return [_jsapi(str(row["name"]), dict(row)) for row in rows]


def jsapi_name(raw: str) -> str:
    """A JSAPI name from a URL, as stored: at most ``JSAPI_NAME_MAX`` characters, no NUL
    (which no stored name has, and PostgreSQL refuses in a query)."""
    return raw.replace("\x00", "")[:JSAPI_NAME_MAX]


@dataclass(frozen=True)
class JsapiDay:
    """One JSAPI on one day: every hour (zeros included) and the day's sums."""

    name: str
    day: date
    hours: list[tuple[int, JsapiFigures]]
    total: JsapiFigures


def jsapi_hourly(*, scope: Scope, day: date, name: str) -> JsapiDay:
    """The calls of the JSAPI ``name`` on ``day`` (UTC) by hour; one ``GROUP BY`` hour."""
    start, end = day_bounds(day)
    rows = scope.events().filter(
        type=E.JSAPI_CALL, name=name, occurred_at__gte=start, occurred_at__lt=end
    )
    by_hour = _by_hour(rows, _jsapi_aggregates())
    hours = [(h, _jsapi(name, by_hour.get(h, {}))) for h in range(HOURS)]
    sums = {
        key: sum(row[key] or 0 for row in by_hour.values())
        for key in ("calls", "successes", "timed", "duration_sum")
    }
    return JsapiDay(name=name, day=day, hours=hours, total=_jsapi(name, sums))
