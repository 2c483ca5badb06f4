"""The rows of the mini program lists (a workspace's and the all-teams list), ready to print.

A page holds 50 rows; Django's template engine spends most of such a page on per-row work
(each ``{{ }}`` a context look-up, an attribute walk, a localisation and an escape: ~0.1 ms a
row through the web server however lean the row's template). Here each URL is the list's own URL
(reversed once per workspace) plus the App ID, the dates are formatted once in Python, the
badges are their partials (``_kind_badge.html``, ``_shelf_badge.html``) rendered once per
page for each state, the team cell once per workspace, and each row's HTML is one
``console.html.html_format`` (``format_html``'s bytes, faster) of :data:`_ROW` (escaping every
value as the template engine does); the rows' template (``miniprograms/_list_rows.html``,
included once per page) prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from console.html import html_format
from console.paging import IdsFirstPaginator, page_size
from miniprograms.logos import draft_logo_url, logo_html
from miniprograms.models import MiniProgram
from miniprograms.selectors import ListTarget, list_industry, list_targets, with_list_industry


@dataclass(frozen=True, slots=True)
class ListRow:
    mp: MiniProgram
    list_url: str  # its workspace's mini program list
    url: str  # the mini program's Overview
    logo_url: str  # the draft logo, "" without one (the row shows the initial instead)
    initial: str
    created_iso: str  # ISO 8601 in the viewer's zone (<time datetime>)
    created_day: str  # YYYY-MM-DD in the viewer's zone
    created_utc: str  # YYYY-MM-DD HH:MM in UTC (the hover title)
    industry_path: str
    kind_badge: SafeString  # _kind_badge.html's
    shelf_badge: SafeString  # _shelf_badge.html's
    host_apps: SafeString  # one chip per host app ("offline" ones greyed), or a dash
    html: SafeString  # the whole <tr> (:data:`_ROW`)


@dataclass(frozen=True, slots=True)
class _BadgeState:
    """What the badge partials read of a mini program, to render each state once."""

    is_tenant_kind: bool = False
    is_on_shelf: bool = False
    is_released: bool = False


def _badges() -> tuple[dict[bool, SafeString], dict[tuple[bool, bool], SafeString]]:
    """The kind badge by ``is_tenant_kind`` and the shelf badge by ``(is_on_shelf,
    is_released)``, each rendered from its partial once (in the active language)."""
    kinds = {
        tenant: mark_safe(  # noqa: S308 - a template's (autoescaped) output
            render_to_string("miniprograms/_kind_badge.html", {"mp": _BadgeState(tenant)})
        )
        for tenant in (True, False)
    }
    shelves = {
        (on, released): mark_safe(  # noqa: S308 - a template's (autoescaped) output
            render_to_string(
                "miniprograms/_shelf_badge.html",
                {"mp": _BadgeState(is_on_shelf=on, is_released=released)},
            )
        )
        for on in (True, False)
        for released in (True, False)
    }
    return kinds, shelves


def _host_app_chips(targets: list[ListTarget], offline: str) -> SafeString:
    if not targets:
        return mark_safe('<span class="muted">—</span>')
    return mark_safe(  # noqa: S308 - each chip escaped by html_format
        "".join(
            html_format(
                '<span class="host-app-chip{}">{}{}</span>',
                "" if target.is_active else " is-offline",
                target.host_app_name,
                ""
                if target.is_active
                else html_format(' <span class="muted small">({})</span>', offline),
            )
            for target in targets
        )
    )


def _list_url(slug: str) -> str:
    return reverse("miniprograms:list", kwargs={"workspace_slug": slug})


# A row of the lists' table: what ``_list_rows.html`` printed per row (the same bytes), filled
# by ``html_format`` (values escaped; badges, chips and cells already safe HTML).
_ROW = (
    "\n      <tr>\n"
    '        <td><div class="name-cell">\n'
    "          {logo}\n"
    '          <div><a href="{url}"><strong>{name}</strong></a>\n'
    '          <div class="muted small">{industry_path}</div></div>\n'
    "        </div></td>\n"
    "        {team_cell}\n"
    '        <td><span class="copyable"><code>{app_id}</code><button type="button" '
    'class="copy-button" data-copy="{app_id}" aria-label="{copy_label}">{copy}</button>'
    "</span></td>\n"
    "        {kind_cell}\n"
    "        <td>{shelf_badge}</td>\n"
    "        <td>{host_apps}</td>\n"
    '        <td class="nowrap"><time datetime="{created_iso}" title="{created_utc} UTC">'
    "{created_day}</time></td>\n"
    "      </tr>"
)


def _team_cell(mp: MiniProgram, list_url: str) -> SafeString:
    """The all-teams list's Team cell: the workspace's name and kind."""
    workspace = mp.workspace
    return html_format(
        '<td><a href="{}">{}</a>\n          <span class="badge badge-{}">{}</span></td>',
        list_url,
        workspace.name,
        "accent" if workspace.is_tenant else "neutral",
        workspace.get_kind_display(),
    )


def list_rows(
    miniprograms: Iterable[MiniProgram],
    *,
    slug_of: Callable[[MiniProgram], str],
    team: bool = False,
) -> list[ListRow]:
    """One row per mini program (their host apps read in one query); ``slug_of`` names the
    workspace whose pages the row links to (the list's own, or each mini program's on the
    all-teams list, which shows the ``team`` column — each row's workspace loaded with it —
    instead of the kind)."""
    bases: dict[str, str] = {}
    team_cells: dict[str, SafeString] = {}
    miniprograms = list(miniprograms)
    targets = list_targets(miniprograms)
    kinds, shelves = _badges()
    offline = gettext("offline")
    copy = gettext("Copy")
    copy_label = f"{copy} {gettext('App ID')}"
    rows = []
    for mp in miniprograms:
        slug = slug_of(mp)
        base = bases.get(slug) or bases.setdefault(slug, _list_url(slug))
        url = f"{base}{mp.app_id}/"
        local = timezone.localtime(mp.created_at)
        logo_url = draft_logo_url(mp, url)
        initial = mp.name[:1].upper()
        created_iso = local.isoformat()
        created_day = local.strftime("%Y-%m-%d")
        created_utc = mp.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        industry_path = list_industry(mp)[1]
        kind_badge = kinds[mp.is_tenant_kind]
        shelf_badge = shelves[mp.is_on_shelf, mp.is_released]
        host_apps = _host_app_chips(targets[mp.pk], offline)
        if team:
            team_cell = team_cells.get(slug) or team_cells.setdefault(slug, _team_cell(mp, base))
            kind_cell = _EMPTY
        else:
            team_cell, kind_cell = _EMPTY, html_format("<td>{}</td>", kind_badge)
        html = html_format(
            _ROW,
            logo=logo_html(logo_url, initial),
            url=url,
            name=mp.name,
            industry_path=industry_path,
            team_cell=team_cell,
            app_id=mp.app_id,
            copy_label=copy_label,
            copy=copy,
            kind_cell=kind_cell,
            shelf_badge=shelf_badge,
            host_apps=host_apps,
            created_iso=created_iso,
            created_utc=created_utc,
            created_day=created_day,
        )
        rows.append(
            ListRow(
                mp=mp,
                list_url=base,
                url=url,
                logo_url=logo_url,
                initial=initial,
                created_iso=created_iso,
                created_day=created_day,
                created_utc=created_utc,
                industry_path=industry_path,
                kind_badge=kind_badge,
                shelf_badge=shelf_badge,
                host_apps=host_apps,
                html=html,
            )
        )
    return rows


_EMPTY = SafeString("")


def paginate_ids_first(rows: QuerySet[MiniProgram], request: HttpRequest) -> Page:
    """``console.paging.paginate`` for the mini program lists (same page size and rules): the
    page's ids first, then its rows with their industry (``IdsFirstPaginator``)."""
    paginator = IdsFirstPaginator(rows, page_size(), load=with_list_industry)
    return paginator.get_page(request.GET.get("page"))
