"""The T+1 pages (issue 14): a mini program's Analytics tab (*Daily*: headline cards, charts and
their numbers, the Excel export) and the workspace's Analytics page (every mini program's PV, UV
and DoD of a day: Alipay+'s "visiting performance").

Whoever sees the mini program reads its figures (a Developer: the assigned ones); the tenant of
a host app reads a merchant's mini program through its own host apps' rows only
(:mod:`analytics.reports`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView

from analytics import charts, export, reports
from analytics.models import Environment
from analytics.reports import DayFigures, ReportFilters
from analytics.visit_rows import visit_rows_html
from console.paging import paginate
from miniprograms.mixins import MiniProgramMixin
from workspaces.mixins import WorkspaceMixin


def percent(value: float | None) -> str:
    """A fraction as "12.5 %" ("—" for none)."""
    return "—" if value is None else f"{value * 100:.1f} %"


def _title(days: list[DayFigures], text: Callable[[DayFigures], str]) -> Callable[[int], str]:
    return lambda i: f"{date_format(days[i].day, 'Y-m-d')} · {text(days[i])}"


def report_charts(days: list[DayFigures]) -> list[dict[str, Any]]:
    """The tab's charts, each with the columns of its table (``(label, value of a day)``)."""
    dates = [d.day for d in days]
    n = intcomma

    def line(key: str, label: str, attr: str) -> charts.Chart:
        values = [getattr(d, attr) for d in days]
        return charts.line_chart(
            key, dates, values, title=_title(days, lambda d: f"{label} {n(getattr(d, attr))}")
        )

    def dod_text(d: DayFigures) -> str:
        return "—" if d.dod is None else f"{d.dod * 100:+.1f} %"

    return [
        {
            "chart": line("pv", "PV", "pv"),
            "title": gettext("Page views (PV)"),
            "help": gettext("Page loads per day."),
            "columns": [(gettext("PV"), lambda d: n(d.pv))],
        },
        {
            "chart": line("uv", "UV", "uv"),
            "title": gettext("Visitors (UV)"),
            "help": gettext("Distinct visitors per day; DoD compares with the day before."),
            "columns": [(gettext("UV"), lambda d: n(d.uv)), (gettext("DoD"), dod_text)],
        },
        {
            "chart": line("total_users", "Total Users", "total_users"),
            "title": gettext("Total Users"),
            "help": gettext(
                "Visits accumulated up to the day: a returning user counts again "
                "(not unique users)."
            ),
            "columns": [
                (gettext("Visits"), lambda d: n(d.visits)),
                (gettext("Total Users"), lambda d: n(d.total_users)),
            ],
        },
        {
            "chart": charts.bar_chart(
                "jsapi",
                dates,
                [
                    ("is-ok", [d.jsapi_successes for d in days]),
                    ("is-bad", [d.jsapi_failures for d in days]),
                ],
                title=_title(
                    days,
                    lambda d: (
                        gettext("%(calls)s JSAPI calls, %(rate)s successful")
                        % {"calls": n(d.jsapi_calls), "rate": percent(d.jsapi_success_rate)}
                    ),
                ),
            ),
            "title": gettext("JSAPI calls"),
            "help": gettext("Calls per day: successful below, failed on top."),
            "legend": [("is-ok", gettext("Successful")), ("is-bad", gettext("Failed"))],
            "columns": [
                (gettext("Calls"), lambda d: n(d.jsapi_calls)),
                (gettext("Failed"), lambda d: n(d.jsapi_failures)),
                (gettext("Success rate"), lambda d: percent(d.jsapi_success_rate)),
            ],
        },
        {
            "chart": charts.bar_chart(
                "startups",
                dates,
                [
                    ("is-ok", [d.startup_successes for d in days]),
                    ("is-bad", [d.startup_failures for d in days]),
                ],
                title=_title(
                    days,
                    lambda d: (
                        gettext("%(n)s start-ups, %(rate)s successful")
                        % {"n": n(d.startups), "rate": percent(d.startup_success_rate)}
                    ),
                ),
            ),
            "title": gettext("Start-ups"),
            "help": gettext("Start-ups per day: successful below, failed on top."),
            "legend": [("is-ok", gettext("Successful")), ("is-bad", gettext("Failed"))],
            "columns": [
                (gettext("Start-ups"), lambda d: n(d.startups)),
                (gettext("Success rate"), lambda d: percent(d.startup_success_rate)),
                (
                    gettext("Average (ms)"),
                    lambda d: "—" if d.startup_avg_ms is None else n(d.startup_avg_ms),
                ),
            ],
        },
        {
            "chart": charts.bar_chart(
                "http",
                dates,
                [("is-bad", [d.http_exceptions for d in days])],
                title=_title(
                    days,
                    lambda d: (
                        gettext("%(e)s HTTP exceptions of %(r)s requests")
                        % {"e": n(d.http_exceptions), "r": n(d.http_requests)}
                    ),
                ),
            ),
            "title": gettext("HTTP exceptions"),
            "help": gettext("Requests that got no answer or an error status (4xx, 5xx)."),
            "columns": [
                (gettext("Requests"), lambda d: n(d.http_requests)),
                (gettext("Exceptions"), lambda d: n(d.http_exceptions)),
                (gettext("Rate"), lambda d: percent(d.http_exception_rate)),
            ],
        },
        {
            "chart": charts.bar_chart(
                "blank",
                dates,
                [("is-warn", [d.blank_screens for d in days])],
                title=_title(
                    days,
                    lambda d: (
                        gettext("%(b)s blank screens in %(v)s launches")
                        % {"b": n(d.blank_screens), "v": n(d.visits)}
                    ),
                ),
            ),
            "title": gettext("Blank screens"),
            "help": gettext("Pages that stayed blank, against launches."),
            "columns": [
                (gettext("Launches"), lambda d: n(d.visits)),
                (gettext("Blank screens"), lambda d: n(d.blank_screens)),
                (gettext("Rate"), lambda d: percent(d.blank_screen_rate)),
            ],
        },
    ]


def _tables(items: list[dict[str, Any]], days: list[DayFigures]) -> None:
    """Each chart's table: its columns for every day, newest first (the rendered strings)."""
    for item in items:
        item["headers"] = [label for label, _value in item["columns"]]
        item["rows"] = [
            (d.day, [value(d) for _label, value in item["columns"]]) for d in reversed(days)
        ]


class _ReportMixin(MiniProgramMixin):
    tab = "analytics"

    def setup_report(self) -> None:
        self.host_apps = reports.miniprogram_host_apps(miniprogram=self.miniprogram)
        self.filters: ReportFilters = reports.report_filters(
            self.request.GET, host_app_ids={pk for pk, _name in self.host_apps}
        )
        self.scope = reports.report_scope(
            miniprogram=self.miniprogram, filters=self.filters, is_hosted=self.is_hosted
        )


class OverviewView(_ReportMixin, TemplateView):
    """The Analytics tab's landing page: the last day's headline figures and a chart (with its
    numbers) per series over 1, 7, 30 or 90 days ending yesterday. Two queries for the data."""

    template_name = "analytics/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        self.setup_report()
        f = self.filters
        days = reports.series_get(scope=self.scope, first=f.first, last=f.last)
        totals = reports.Totals(days=days)
        items = report_charts(days) if totals.has_data else []
        _tables(items, days)
        query = "&".join(f"{k}={v}" for k, v in f.query().items())
        context.update(
            section="overview",
            filters=f,
            ranges=reports.RANGES,
            host_apps=self.host_apps,
            environments=Environment.choices,
            totals=totals,
            last=totals.last,
            last_dod=percent(abs(totals.last.dod)) if totals.last.dod is not None else "",
            favorites_net=totals.last.favorites_net,
            items=items,
            export_query=query,
        )
        return context


class ExportView(_ReportMixin, View):
    """``export.xlsx?days=&host=&env=``: the page's figures as an Excel workbook, streamed."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_report()
        host_name = dict(self.host_apps).get(self.filters.host_app_id) if self.host_apps else None
        return export.workbook_response(
            miniprogram=self.miniprogram,
            filters=self.filters,
            scope=self.scope,
            host_app_name=host_name,
            hosted=self.is_hosted,
        )


class WorkspaceVisitsView(WorkspaceMixin, TemplateView):
    """``/w/<slug>/analytics/``: every mini program the member sees with PV, UV and DoD of one
    day (default yesterday) for one host app or all; sortable, searchable, paginated. One query
    for the page's rows (and the count)."""

    template_name = "analytics/workspace.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        host_apps = reports.workspace_host_apps(member=self.membership)
        filters = reports.visit_filters(self.request.GET, host_app_ids={pk for pk, _ in host_apps})
        rows = reports.workspace_visit_list(member=self.membership, filters=filters)
        page = paginate(rows, self.request)
        rows_shown = list(page.object_list)
        context.update(
            filters=filters,
            host_apps=host_apps,
            environments=Environment.choices,
            orders=list(reports.ORDERS.items()),
            last_day=reports.last_complete_day(),
            page_obj=page,
            rows=rows_shown,
            row_html=visit_rows_html(
                rows_shown, workspace_slug=self.workspace.slug, filters=filters
            ),
            is_filtered=bool(filters.search),
        )
        return context
