"""The Analytics tab's real-time sections and the Logs tab of a mini program.

*Real-time* (``analytics:realtime``): a UTC day of the last 3 by hour — a bar chart of one
series (server-rendered SVG) and every figure in a table under it. *JSAPI calls*
(``analytics:jsapis``): each API's calls, success rate and mean duration that day, and one API
by hour (``analytics:jsapi``). *Logs* (``analytics:logs``): the log query, keyset pages.

Everyone who sees the mini program reads them; the tenant of a host app reading a merchant's
mini program reads only its own host apps' rows (``analytics_host_apps``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext
from django.views.generic import TemplateView

from analytics.forms_realtime import CHART_CHOICES, LogFilterForm, RealtimeForm
from analytics.logs import LogFilters, log_page
from analytics.realtime import (
    HOURS,
    Scope,
    analytics_host_apps,
    jsapi_hourly,
    jsapi_name,
    jsapi_overview,
    realtime_days,
    realtime_hourly,
    scope_for,
)
from console.paging import page_size
from miniprograms.mixins import MiniProgramMixin
from workspaces.models import HostApp

# --- the chart: server-rendered SVG, one bar per hour (two stacked where they split) ---------

CHART_HEIGHT = 100  # viewBox units; the SVG stretches to the card's width
BAR_STEP = 10
BAR_WIDTH = 7


@dataclass(frozen=True)
class Bar:
    x: int
    title: str
    good: tuple[float, float]  # (y, height) at the bottom
    bad: tuple[float, float]  # stacked on top (failures); height 0 when not split


@dataclass(frozen=True)
class HourChart:
    bars: list[Bar]
    scale: int
    width: int = HOURS * BAR_STEP
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH


def hour_chart(values: list[tuple[int, int]], titles: list[str]) -> HourChart:
    """Bars of 24 hours: ``values`` are (good, bad) per hour, stacked bad on good; the scale
    is the busiest hour (at least 1), so the tallest bar fills the chart."""
    scale = max([1, *(good + bad for good, bad in values)])
    unit = CHART_HEIGHT / scale
    bars = []
    for hour, ((good, bad), title) in enumerate(zip(values, titles, strict=True)):
        good_h = round(good * unit, 2)
        bad_h = round(bad * unit, 2)
        good_y = round(CHART_HEIGHT - good_h, 2)
        bars.append(
            Bar(
                x=hour * BAR_STEP + (BAR_STEP - BAR_WIDTH) // 2,
                title=title,
                good=(good_y, good_h),
                bad=(round(good_y - bad_h, 2), bad_h),
            )
        )
    return HourChart(bars=bars, scale=scale)


# --- pages -------------------------------------------------------------------------------------


class _RealtimeMixin(MiniProgramMixin):
    tab = "analytics"
    section = ""

    @cached_property
    def host_apps(self) -> list[HostApp]:
        return analytics_host_apps(
            miniprogram=self.miniprogram,
            host_workspace_id=self.workspace.pk if self.is_hosted else None,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(section=self.section, host_apps=self.host_apps)
        return context


class _DayMixin(_RealtimeMixin):
    def day_context(self) -> dict[str, Any]:
        form = RealtimeForm(
            self.request.GET or None, host_apps=self.host_apps, days=realtime_days()
        )
        chosen = form.chosen()
        scope = scope_for(
            miniprogram=self.miniprogram,
            host_apps=self.host_apps,
            host_app_id=chosen["host_app_id"],
            environment=chosen["environment"],
        )
        keep = {
            "day": chosen["day"].isoformat(),
            "host_app": chosen["host_app_id"] or "",
            "environment": chosen["environment"],
        }
        return {
            "form": form,
            "chosen": chosen,
            "scope": scope,
            "keep_query": urlencode(keep),
        }


class RealtimeView(_DayMixin, TemplateView):
    section = "realtime"
    template_name = "analytics/realtime.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        base = self.day_context()
        scope: Scope = base["scope"]
        figures = realtime_hourly(scope=scope, day=base["chosen"]["day"])
        series = base["chosen"]["chart"]
        label = dict(CHART_CHOICES)[series]
        titles = [
            f"{h.hour:02d}:00–{h.hour:02d}:59 UTC · {label}: {getattr(h, series):,}"
            for h in figures.hours
        ]
        chart = hour_chart([(getattr(h, series), 0) for h in figures.hours], titles)
        context.update(base, figures=figures, chart=chart, series_label=label)
        return context


class JsapiListView(_DayMixin, TemplateView):
    section = "jsapis"
    template_name = "analytics/jsapis.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        base = self.day_context()
        apis = jsapi_overview(scope=base["scope"], day=base["chosen"]["day"])
        busiest = max([1, *(a.calls for a in apis)])
        rows = [(api, round(100 * api.calls / busiest, 2)) for api in apis]
        context.update(base, apis=rows, total_calls=sum(a.calls for a in apis))
        return context


class JsapiDetailView(_DayMixin, TemplateView):
    section = "jsapis"
    template_name = "analytics/jsapis_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        base = self.day_context()
        name = jsapi_name(self.kwargs["name"])
        api = jsapi_hourly(scope=base["scope"], day=base["chosen"]["day"], name=name)
        titles = [
            gettext("%(h)s UTC · %(calls)s calls, %(failed)s failed")
            % {"h": f"{hour:02d}:00–{hour:02d}:59", "calls": f.calls, "failed": f.failures}
            for hour, f in api.hours
        ]
        chart = hour_chart([(f.successes, f.failures) for _h, f in api.hours], titles)
        context.update(base, api=api, chart=chart)
        return context


class LogsView(_RealtimeMixin, TemplateView):
    tab = "logs"
    template_name = "analytics/logs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = LogFilterForm(self.request.GET or None, host_apps=self.host_apps)
        page = None
        if not form.is_bound or form.is_valid():
            filters = form.filters() if form.is_bound else LogFilters()
            after = form.cleaned_data.get("after") if form.is_bound else None
            chosen = form.scope_values()
            scope = scope_for(
                miniprogram=self.miniprogram,
                host_apps=self.host_apps,
                host_app_id=chosen["host_app_id"],
                environment=chosen["environment"],
            )
            page = log_page(scope=scope, filters=filters, after=after, limit=page_size())
            keep = {k: v for k, v in self.request.GET.items() if k != "after" and v}
            context.update(
                is_filtered=filters.is_filtered or bool(chosen["host_app_id"]),
                is_later_page=after is not None,
                first_query=urlencode(keep),
            )
            if page.next_cursor is not None:
                context["next_query"] = urlencode({**keep, "after": page.next_cursor.encode()})
        context.update(form=form, log_page=page, host_names={a.pk: a.name for a in self.host_apps})
        return context
