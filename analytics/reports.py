"""Reads of the T+1 figures (issue 14): a mini program's daily series, the rows of its Excel
export, and the workspace's "visiting performance" list. Everything here reads ``DailyRollup``
(one row per day and grain, written by :mod:`analytics.rollups`), never the raw events.

Who sees which rows: a workspace's own mini program is read at the all-host-apps grain
(``host_app_id = ALL_HOST_APPS``) or one host app's; a merchant mini program read by the tenant
whose host apps it targets (a *hosted* one) only through that tenant's host apps' rows — "all host
apps" is then the **sum** of those host apps' rows (a visitor of two host apps counts in each:
their user ids are the host apps' own). :class:`Scope` carries that choice.

Definitions (SPEC §9, the model's docstring): PV page views, UV distinct visitors, DoD the UV
against the same grain's UV the day before, ``(uv - uv_previous) / uv_previous``, Total Users
the visits accumulated up to the day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, timedelta
from typing import Any

from django.db.models import (
    Case,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from analytics.models import DailyRollup, Environment
from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_hosted_list, miniprogram_list
from workspaces.models import HostApp, Membership

RANGES = (1, 7, 30, 90)
DEFAULT_DAYS = 30
DEFAULT_ENVIRONMENT = Environment.PRODUCTION.value
# The workspace list's orders: ?order= value → label (the default first).
ORDERS = {"-pv": "PV, most first", "pv": "PV, fewest first", "-uv": "UV, most first"}
ORDERS |= {"uv": "UV, fewest first", "name": "Name"}
DEFAULT_ORDER = "-pv"

# The summed figures of a day, in the model's column order.
METRICS = (
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
)


def _rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction (0.955), ``None`` when there is no whole."""
    return part / whole if whole else None


def dod(uv: int | None, uv_previous: int | None) -> float | None:
    """Day over day: ``(uv - uv_previous) / uv_previous`` as a fraction; ``None`` without a
    previous day to compare with (no row, or no visitor that day)."""
    if uv is None or not uv_previous:
        return None
    return (uv - uv_previous) / uv_previous


@dataclass(frozen=True)
class DayFigures:
    """The figures of one UTC day at one grain (zeros on a day without a row)."""

    day: date
    pv: int = 0
    uv: int = 0
    uv_previous: int | None = None
    visits: int = 0
    total_users: int = 0
    favorites_added: int = 0
    favorites_removed: int = 0
    search_users: int = 0
    startups: int = 0
    startup_successes: int = 0
    startup_duration_ms_sum: int = 0
    jsapi_calls: int = 0
    jsapi_successes: int = 0
    http_requests: int = 0
    http_exceptions: int = 0
    blank_screens: int = 0
    version: str = DailyRollup.ALL
    has_data: bool = False

    @property
    def dod(self) -> float | None:
        return dod(self.uv, self.uv_previous)

    @property
    def favorites_net(self) -> int:
        return self.favorites_added - self.favorites_removed

    @property
    def startup_failures(self) -> int:
        return self.startups - self.startup_successes

    @property
    def startup_success_rate(self) -> float | None:
        return _rate(self.startup_successes, self.startups)

    @property
    def startup_avg_ms(self) -> int | None:
        return round(self.startup_duration_ms_sum / self.startups) if self.startups else None

    @property
    def jsapi_failures(self) -> int:
        return self.jsapi_calls - self.jsapi_successes

    @property
    def jsapi_success_rate(self) -> float | None:
        return _rate(self.jsapi_successes, self.jsapi_calls)

    @property
    def http_exception_rate(self) -> float | None:
        return _rate(self.http_exceptions, self.http_requests)

    @property
    def blank_screen_rate(self) -> float | None:
        """Blank screens per launch (the alert rule's ratio)."""
        return _rate(self.blank_screens, self.visits)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> DayFigures:
        values = {name: row[name] for name in METRICS if name in row}
        for name in METRICS:
            if name != "uv_previous" and values.get(name) is None:
                values[name] = 0
        return cls(
            day=row["day"], version=row.get("version", DailyRollup.ALL), has_data=True, **values
        )


@dataclass(frozen=True)
class Totals:
    """A range's figures: sums where they add up, the last day's where they accumulate."""

    days: list[DayFigures]

    def _sum(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.days)

    @property
    def has_data(self) -> bool:
        return any(d.has_data for d in self.days)

    @property
    def last(self) -> DayFigures:
        return self.days[-1]

    @property
    def previous(self) -> DayFigures | None:
        return self.days[-2] if len(self.days) > 1 else None

    @property
    def pv(self) -> int:
        return self._sum("pv")

    @property
    def uv_average(self) -> float:
        """Distinct visitors do not add up over days: the daily average instead."""
        return self._sum("uv") / len(self.days) if self.days else 0.0

    @property
    def visits(self) -> int:
        return self._sum("visits")

    @property
    def total_users(self) -> int:
        return self.last.total_users if self.days else 0

    @property
    def favorites_added(self) -> int:
        return self._sum("favorites_added")

    @property
    def favorites_removed(self) -> int:
        return self._sum("favorites_removed")

    @property
    def search_users(self) -> int:
        return self._sum("search_users")

    @property
    def startups(self) -> int:
        return self._sum("startups")

    @property
    def startup_success_rate(self) -> float | None:
        return _rate(self._sum("startup_successes"), self.startups)

    @property
    def jsapi_calls(self) -> int:
        return self._sum("jsapi_calls")

    @property
    def jsapi_success_rate(self) -> float | None:
        return _rate(self._sum("jsapi_successes"), self.jsapi_calls)

    @property
    def http_requests(self) -> int:
        return self._sum("http_requests")

    @property
    def http_exceptions(self) -> int:
        return self._sum("http_exceptions")

    @property
    def blank_screens(self) -> int:
        return self._sum("blank_screens")


# --- filters ------------------------------------------------------------------------------------


def last_complete_day(*, today: date | None = None) -> date:
    """T+1: the newest day with figures is yesterday (UTC)."""
    return (today or timezone.now().astimezone(UTC).date()) - timedelta(days=1)


@dataclass(frozen=True)
class ReportFilters:
    """A mini program's report: the last ``days`` days up to ``last`` (both included), one
    host app (``None``: all of those the viewer sees) and one environment."""

    days: int
    host_app_id: int | None
    environment: str
    last: date

    @property
    def first(self) -> date:
        return self.last - timedelta(days=self.days - 1)

    def query(self) -> dict[str, str]:
        """As the pages' query string (the export link keeps the page's filters)."""
        values = {"days": str(self.days), "env": self.environment}
        if self.host_app_id is not None:
            values["host"] = str(self.host_app_id)
        return values


def _int(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def report_filters(
    data: Mapping[str, Any], *, host_app_ids: Collection[int], today: date | None = None
) -> ReportFilters:
    """``?days=&host=&env=`` of a page or the export; a value that is not offered gives the
    default (30 days, all host apps, production)."""
    days = _int(data.get("days"))
    host = _int(data.get("host"))
    env = str(data.get("env") or "")
    return ReportFilters(
        days=days if days in RANGES else DEFAULT_DAYS,
        host_app_id=host if host in host_app_ids else None,
        environment=env if env in Environment.values else DEFAULT_ENVIRONMENT,
        last=last_complete_day(today=today),
    )


# --- one mini program ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose rows: one App ID in one environment, at the all-host-apps grain
    (``host_app_ids=None``) or the sum of these host apps' rows."""

    app_id: str
    environment: str
    host_app_ids: tuple[int, ...] | None = None


def miniprogram_host_apps(*, miniprogram: MiniProgram) -> list[tuple[int, str]]:
    """``(id, name)`` of the host apps the mini program targets, by name — for a hosted one
    only the viewing tenant's (the selectors prefetch ``targets`` so)."""
    return [(t.host_app_id, t.host_app.name) for t in miniprogram.targets.all()]


def report_scope(*, miniprogram: MiniProgram, filters: ReportFilters, is_hosted: bool) -> Scope:
    """The rows ``filters`` asks for: the chosen host app's; else the all-host-apps grain, or
    for a hosted mini program the sum of the tenant's host apps it targets."""
    if filters.host_app_id is not None:
        ids: tuple[int, ...] | None = (filters.host_app_id,)
    elif is_hosted:
        ids = tuple(t.host_app_id for t in miniprogram.targets.all())
    else:
        ids = None
    return Scope(app_id=miniprogram.app_id, environment=filters.environment, host_app_ids=ids)


def _rows(scope: Scope, first: date, last: date) -> QuerySet[DailyRollup]:
    rows = DailyRollup.objects.filter(
        app_id=scope.app_id, environment=scope.environment, day__gte=first, day__lte=last
    )
    if scope.host_app_ids is None:
        return rows.filter(host_app_id=DailyRollup.ALL_HOST_APPS)
    return rows.filter(host_app_id__in=scope.host_app_ids)


def _sums() -> dict[str, Sum]:
    return {name: Sum(name) for name in METRICS}


def series_get(*, scope: Scope, first: date, last: date) -> list[DayFigures]:
    """Every day from ``first`` to ``last`` (oldest first, zeros on a day without figures), all
    versions. One grouped query."""
    found = {
        row["day"]: DayFigures.of(row)
        for row in _rows(scope, first, last)
        .filter(version=DailyRollup.ALL)
        .values("day")
        .annotate(**_sums())
        .order_by("day")
    }
    span = (last - first).days + 1
    calendar = [first + timedelta(days=n) for n in range(span)]
    return [found.get(day) or DayFigures(day=day) for day in calendar]


def version_rows_iter(
    *, scope: Scope, first: date, last: date, chunk_size: int = 2000
) -> Iterator[DayFigures]:
    """The export's rows: per day (oldest first) the all-versions figures, then each version's
    (by name), read in chunks (a cursor on PostgreSQL), never the whole range at once. Only
    days with figures. Per-version rows exist per host app: at the all-host-apps grain only
    the all-versions row is there."""
    rows = (
        _rows(scope, first, last)
        .values("day", "version")
        .annotate(
            **_sums(),
            is_all=Case(
                When(version=DailyRollup.ALL, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("day", "is_all", "version")
    )
    for row in rows.iterator(chunk_size=chunk_size):
        yield DayFigures.of(row)


# --- the workspace's list -----------------------------------------------------------------------


def workspace_host_apps(*, member: Membership) -> list[tuple[int, str]]:
    """The host apps the workspace list offers: a tenant's own; a developer workspace's, those
    its mini programs target."""
    workspace = member.workspace
    if workspace.is_tenant:
        rows = HostApp.objects.filter(workspace=workspace)
    else:
        rows = HostApp.objects.filter(miniprogram_targets__miniprogram__workspace=workspace)
    return list(rows.order_by("name", "pk").distinct().values_list("pk", "name"))


@dataclass(frozen=True)
class VisitFilters:
    day: date
    host_app_id: int | None
    environment: str
    search: str
    order: str


def visit_filters(
    data: Mapping[str, Any], *, host_app_ids: Collection[int], today: date | None = None
) -> VisitFilters:
    """``?date=&host=&env=&q=&order=`` of the workspace list (default: yesterday, all host
    apps, production, PV most first); a date after yesterday or junk gives yesterday."""
    last = last_complete_day(today=today)
    try:
        day = date.fromisoformat(str(data.get("date") or ""))
    except ValueError:
        day = last
    host = _int(data.get("host"))
    env = str(data.get("env") or "")
    order = str(data.get("order") or "")
    return VisitFilters(
        day=min(day, last),
        host_app_id=host if host in host_app_ids else None,
        environment=env if env in Environment.values else DEFAULT_ENVIRONMENT,
        search=str(data.get("q") or "").strip()[:100],
        order=order if order in ORDERS else DEFAULT_ORDER,
    )


# The day's rollup row of one grain, joined to each mini program of the list (the planner
# looks rows up by the rollup key for a short list, hash-joins the day's rows for a long one).
_FIGURES_JOIN = (
    "LEFT JOIN analytics_dailyrollup o ON o.app_id = m.app_id AND o.day = %s "
    "AND o.host_app_id = %s AND o.environment = %s AND o.version = %s"
)
_SUMS_SQL = (  # the sums of a tenant's host apps' rows, per App ID of the merchants' list
    "SELECT app_id, SUM(pv) AS pv, SUM(uv) AS uv, SUM(uv_previous) AS uv_previous "
    "FROM analytics_dailyrollup WHERE day = %s AND environment = %s AND version = %s "
    "AND host_app_id IN (SELECT id FROM workspaces_hostapp WHERE workspace_id = %s) "
    "AND app_id IN ({hosted}) GROUP BY app_id"
)
_ORDER_SQL = {
    "-pv": "pv DESC NULLS LAST, m.name, m.id",
    "pv": "pv ASC NULLS FIRST, m.name, m.id",
    "-uv": "uv DESC NULLS LAST, m.name, m.id",
    "uv": "uv ASC NULLS FIRST, m.name, m.id",
    "name": "m.name, m.id",
}


class VisitRows:
    """The workspace list as a lazy sequence for Django's paginator: ``count()`` counts the
    visible mini programs; a slice is **one** query — the mini programs ``LEFT JOIN`` the
    day's rollup row of each (by the rollup key: only the rows of the listed mini programs,
    never every tenant's rows of that day), ordered, ``LIMIT``/``OFFSET`` — giving
    :class:`VisitRow` objects. ``hosted``: the merchants' mini programs a tenant lists with
    "all host apps", whose figures are the sums of its own host apps' rows."""

    def __init__(
        self,
        *,
        visible: QuerySet[MiniProgram],
        filters: VisitFilters,
        workspace_id: int,
        hosted: QuerySet[MiniProgram] | None = None,
    ):
        self.visible = visible
        self.filters = filters
        self.workspace_id = workspace_id
        self.hosted = hosted

    def count(self) -> int:
        return self.visible.count()

    def __len__(self) -> int:
        return self.count()

    def _sql(self) -> tuple[str, list[Any]]:
        f = self.filters
        columns = ("id", "app_id", "name", "logo", "profile_updated_at", "workspace_id")
        rows_sql, rows_params = self.visible.order_by().values(*columns).query.sql_with_params()
        host = DailyRollup.ALL_HOST_APPS if f.host_app_id is None else f.host_app_id
        figures = [f.day, host, f.environment, DailyRollup.ALL]
        if self.hosted is not None:  # a tenant, all host apps: merchants' figures are sums
            hosted_sql, hosted_params = (
                self.hosted.order_by().values("app_id").query.sql_with_params()
            )
            pick = ", ".join(
                f"CASE WHEN m.workspace_id = %s THEN o.{c} ELSE h.{c} END AS {c}"
                for c in ("pv", "uv", "uv_previous")
            )
            head = [self.workspace_id] * 3
            joins = (
                f"{_FIGURES_JOIN} "
                f"LEFT JOIN ({_SUMS_SQL.format(hosted=hosted_sql)}) h ON h.app_id = m.app_id"
            )
            tail = [
                *figures,
                *(f.day, f.environment, DailyRollup.ALL, self.workspace_id),
                *hosted_params,
            ]
        else:
            pick = "o.pv AS pv, o.uv AS uv, o.uv_previous AS uv_previous"
            head, joins, tail = [], _FIGURES_JOIN, figures
        sql = (  # every name is this module's constant; every value a parameter
            "SELECT m.id, m.app_id, m.name, m.logo, m.profile_updated_at, m.workspace_id, "  # noqa: S608
            f"w.name AS workspace_name, w.slug AS workspace_slug, {pick} "
            f"FROM ({rows_sql}) m INNER JOIN workspaces_workspace w ON w.id = m.workspace_id "
            f"{joins} ORDER BY {_ORDER_SQL[f.order]} LIMIT %s OFFSET %s"
        )
        return sql, [*head, *rows_params, *tail]  # in the order of the placeholders

    def __getitem__(self, window: slice) -> list[VisitRow]:
        if not isinstance(window, slice):
            raise TypeError("VisitRows takes slices only")
        start = window.start or 0
        stop = window.stop if window.stop is not None else start + 1000
        sql, params = self._sql()
        rows = MiniProgram.objects.raw(sql, [*params, max(stop - start, 0), start])
        return [VisitRow.of(mp, workspace_id=self.workspace_id) for mp in rows]


def workspace_visit_list(*, member: Membership, filters: VisitFilters) -> VisitRows:
    """Every mini program ``member`` sees in the workspace list — the workspace's own (a
    Developer: the assigned ones) and, in a tenant, the merchant mini programs on its host
    apps — with ``pv``, ``uv`` and ``uv_previous`` of ``filters.day`` (``None``: no figures),
    searched by name or App ID, in ``filters.order``: see :class:`VisitRows`. Merchant mini
    programs read only the tenant's host apps' rows (their sum for "all host apps")."""
    workspace = member.workspace
    own = miniprogram_list(member=member, search=filters.search)
    where = Q(pk__in=own.values("pk"))
    hosted = miniprogram_hosted_list(member=member, search=filters.search)
    reads_hosted = workspace.is_tenant and hosted.exists()
    if reads_hosted:
        where |= Q(pk__in=hosted.values("pk"))
    return VisitRows(
        visible=MiniProgram.objects.filter(where),
        filters=filters,
        workspace_id=workspace.pk,
        hosted=hosted if reads_hosted and filters.host_app_id is None else None,
    )


@dataclass(frozen=True)
class VisitRow:
    """A row of the workspace list: the mini program (with ``workspace_name`` and
    ``workspace_slug``) and the day's figures."""

    miniprogram: MiniProgram
    pv: int | None
    uv: int | None
    uv_previous: int | None
    is_hosted: bool

    @property
    def dod(self) -> float | None:
        return dod(self.uv, self.uv_previous)

    @property
    def dod_percent(self) -> str:
        """The DoD's size, "12.5 %" (the arrow tells the sign); "" without one."""
        change = self.dod
        return "" if change is None else f"{abs(change) * 100:.1f} %"

    @classmethod
    def of(cls, mp: Any, *, workspace_id: int) -> VisitRow:
        def number(value: Any) -> int | None:
            return None if value is None else int(value)  # SUM may come back as Decimal

        return cls(
            miniprogram=mp,
            pv=number(mp.pv),
            uv=number(mp.uv),
            uv_previous=number(mp.uv_previous),
            is_hosted=mp.workspace_id != workspace_id,
        )


def day_figures_fields() -> list[str]:
    """The figure names of :class:`DayFigures` (the API's serializer mirrors them)."""
    return [f.name for f in fields(DayFigures) if f.name not in ("day", "version", "has_data")]
