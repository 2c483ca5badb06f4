"""The Subscription messages tab's sending pages: *Sending* (per My Template, the last 30 UTC
days: sent, delivered, failed, pending, as a bar chart and in numbers) and the *Delivery log*
(filtered, newest first, a row's keywords and values in a disclosure).

Everyone who sees the tab reads them. A host tenant reading a merchant's mini program sees the
templates made from its own library and only the messages delivered through its own host apps;
a host app's ``user_id`` is shown (and searched) only on messages of the viewer's host apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import EmptyPage, Page
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.views.generic import TemplateView

from console.paging import IdsFirstPaginator, page_size, paginate
from miniprograms.subscriptions import selectors
from miniprograms.subscriptions.forms_messages import MessageLogFilterForm
from miniprograms.subscriptions.selectors_messages import (
    STATS_DAYS,
    DayCount,
    TemplateStats,
    message_list,
    message_page_load,
    message_template_stats,
)
from miniprograms.subscriptions.views import _TabMixin

# --- the chart: server-rendered SVG, one stacked bar per day ------------------------------------

CHART_HEIGHT = 100  # viewBox units; the SVG stretches to the card's width
BAR_STEP = 10
BAR_WIDTH = 7


@dataclass(frozen=True)
class ChartBar:
    x: int
    title: str  # the hover text: the day and its numbers
    delivered: tuple[float, float]  # (y, height), bottom of the stack
    failed: tuple[float, float]
    pending: tuple[float, float]  # top of the stack


@dataclass(frozen=True)
class SendingChart:
    stats: TemplateStats
    bars: list[ChartBar]
    scale: int  # the number the top of the chart stands for
    width: int
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH

    @property
    def first_day(self) -> DayCount:
        return self.stats.days[0]

    @property
    def last_day(self) -> DayCount:
        return self.stats.days[-1]

    @property
    def busy_days(self) -> list[DayCount]:
        """Newest first, the days that had messages (the numbers under the chart)."""
        return [d for d in reversed(self.stats.days) if d.sends]


def _day_title(day: DayCount) -> str:
    sent = ngettext("%(n)s sent", "%(n)s sent", day.sends) % {"n": day.sends}
    parts = [date_format(day.day, "Y-m-d"), sent]
    if day.sends:
        parts.append(
            gettext("%(d)s delivered, %(f)s failed, %(p)s pending")
            % {"d": day.delivered, "f": day.failed, "p": day.pending}
        )
    return " · ".join(parts)


def sending_chart(stats: TemplateStats) -> SendingChart:
    """Bars of the days of ``stats``, stacked delivered / failed / pending from the bottom; the
    scale is the busiest day (at least 1), so the tallest bar fills the chart."""
    scale = max([1, *(d.sends for d in stats.days)])
    unit = CHART_HEIGHT / scale
    bars = []
    for i, day in enumerate(stats.days):
        bottom = float(CHART_HEIGHT)
        stack = []
        for count in (day.delivered, day.failed, day.pending):
            height = round(count * unit, 2)
            bottom = round(bottom - height, 2)
            stack.append((bottom, height))
        bars.append(
            ChartBar(
                x=i * BAR_STEP + (BAR_STEP - BAR_WIDTH) // 2,
                title=_day_title(day),
                delivered=stack[0],
                failed=stack[1],
                pending=stack[2],
            )
        )
    return SendingChart(stats=stats, bars=bars, scale=scale, width=len(stats.days) * BAR_STEP)


# --- pages -------------------------------------------------------------------------------------


class _SendingMixin(_TabMixin):
    section = ""

    @property
    def host_workspace_id(self) -> int | None:
        """A host tenant reads only what went through its own host apps."""
        return self.workspace.pk if self.is_hosted else None

    def templates(self):
        return selectors.my_template_list(
            miniprogram=self.miniprogram, library_workspace_id=self.host_workspace_id
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["subs_section"] = self.section
        return context


class SendingView(_SendingMixin, TemplateView):
    """Per My Template: the last 30 days of messages (one grouped query for the page)."""

    section = "sending"
    template_name = "miniprograms/subscriptions/sending.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = paginate(self.templates(), self.request)
        stats = message_template_stats(
            my_templates=list(page.object_list), host_workspace_id=self.host_workspace_id
        )
        context.update(page_obj=page, charts=[sending_chart(s) for s in stats], days=STATS_DAYS)
        return context


def page_of(paginator: IdsFirstPaginator, request: HttpRequest) -> Page:
    """``?page=`` of a long list without counting it when the page tells the total (junk: the
    first page; past the end: the last)."""
    raw = request.GET.get("page") or "1"
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 1
    try:
        return paginator.page(max(number, 1))
    except EmptyPage:
        return paginator.page(paginator.num_pages)


class MessageLogView(_SendingMixin, TemplateView):
    """The delivery log: newest first, filtered; the page's ids first, counted only when the
    page is full (``IdsFirstPaginator``)."""

    section = "log"
    template_name = "miniprograms/subscriptions/message_log.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        offered = [
            (t.template_id, f"{t.public_template.title} · {t.template_id}")
            for t in self.templates()
        ]
        form = MessageLogFilterForm(self.request.GET or None, templates=offered)
        chosen = form.filters()
        rows = message_list(
            miniprogram=self.miniprogram,
            host_workspace_id=self.host_workspace_id,
            viewer_workspace_id=self.workspace.pk,
            **chosen,
        )
        paginator = IdsFirstPaginator(
            rows, page_size(), load=message_page_load, count_from_page=True
        )
        page = page_of(paginator, self.request)
        context.update(
            form=form,
            is_filtered=any(chosen.values()),
            page_obj=page,
            log=list(page.object_list),
        )
        return context
