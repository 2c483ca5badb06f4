"""The rows of the workspace Analytics page's table, as HTML built in Python.

A page shows 50 mini programs; through the template each row cost an ``include`` (the logo),
two URL reversals and some twenty variable lookups — most of the page's time at 10,000 mini
programs (issue 16). :func:`visit_rows_html` writes the same bytes the row markup of
``analytics/workspace.html`` wrote (``test_reports`` renders both and compares them): each
value escaped by ``console.html.html_format``, the URLs made from one reversal per page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from analytics.reports import VisitFilters, VisitRow
from console.html import html_format
from miniprograms.logos import draft_logo_url, logo_html

_ROW = (
    '\n      <tr data-app-id="{app_id}">\n'
    '        <td><a class="an-mp" href="{base}{app_id}/analytics/?{query}">{logo}<span>'
    '<span class="an-mp-name">{name}</span><span class="mono small muted">{app_id}</span>'
    "</span></a>{hosted}</td>\n"
    '        <td class="num" data-pv>{pv}</td>\n'
    '        <td class="num" data-uv>{uv}</td>\n'
    '        <td class="num nowrap" data-dod>{dod}</td>\n'
    "      </tr>\n      "
)
_NONE = mark_safe('<span class="muted">—</span>')
_ZERO = mark_safe('<span class="muted">0.0 %</span>')


def _logo(row: VisitRow, base: str) -> SafeString:
    """The list rows' logo markup, with the line end ``miniprograms/_logo.html`` ends with."""
    mp = row.miniprogram
    url = draft_logo_url(mp, f"{base}{mp.app_id}/")
    return html_format("{}\n", logo_html(url, mp.name[:1].upper()))


def _number(value: int | None) -> SafeString:
    return _NONE if value is None else html_format("{}", intcomma(value))


def _dod(row: VisitRow) -> SafeString:
    change = row.dod
    if change is None:
        return _NONE
    if change > 0:
        return html_format('<span class="an-up">▲ {}</span>', row.dod_percent)
    if change < 0:
        return html_format('<span class="an-down">▼ {}</span>', row.dod_percent)
    return _ZERO


def visit_rows_html(
    rows: Iterable[VisitRow], *, workspace_slug: str, filters: VisitFilters
) -> list[SafeString]:
    """Each row's ``<tr>`` (with the whitespace around it the template loop printed)."""
    base = reverse("miniprograms:list", kwargs={"workspace_slug": workspace_slug})
    host = f"host={filters.host_app_id}&amp;" if filters.host_app_id else ""
    query = mark_safe(f"{host}env={filters.environment}")  # noqa: S308 - a number, a choice
    hosted_title = gettext("A merchant mini program on your host apps")
    html = []
    for row in rows:
        mp = row.miniprogram
        hosted = (
            html_format(
                ' <span class="badge badge-neutral" title="{}">{}</span>',
                hosted_title,
                mp.workspace_name,
            )
            if row.is_hosted
            else ""
        )
        html.append(
            html_format(
                _ROW,
                app_id=mp.app_id,
                base=base,
                query=query,
                logo=_logo(row, base),
                name=mp.name,
                hosted=hosted,
                pv=_number(row.pv),
                uv=_number(row.uv),
                dod=_dod(row),
            )
        )
    return html
