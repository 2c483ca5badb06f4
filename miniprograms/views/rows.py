"""The rows of the mini program lists (a workspace's and the all-teams list), ready to print.

A page holds 50 rows; Django's template engine spends most of such a page on per-row work: two
``{% url %}`` reversals, three date filters and a handful of includes per row. Here each URL is
the list's own URL (reversed once per workspace) plus the App ID, the dates are formatted once
in Python, the badges are their partials (``_kind_badge.html``, ``_shelf_badge.html``) rendered
once per page for each state and the host apps' chips written in one pass, so the rows'
template (``miniprograms/_list_rows.html``, included once per page) only prints values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from console.paging import page_size
from miniprograms.models import MiniProgram
from miniprograms.selectors import ListTarget, list_industry, list_targets


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
    return format_html_join(
        "",
        '<span class="host-app-chip{}">{}{}</span>',
        (
            (
                "" if target.is_active else " is-offline",
                target.host_app_name,
                ""
                if target.is_active
                else format_html(' <span class="muted small">({})</span>', offline),
            )
            for target in targets
        ),
    )


def _list_url(slug: str) -> str:
    return reverse("miniprograms:list", kwargs={"workspace_slug": slug})


def list_rows(
    miniprograms: Iterable[MiniProgram], *, slug_of: Callable[[MiniProgram], str]
) -> list[ListRow]:
    """One row per mini program (their host apps read in one query); ``slug_of`` names the
    workspace whose pages the row links to (the list's own, or each mini program's on the
    all-teams list)."""
    bases: dict[str, str] = {}
    miniprograms = list(miniprograms)
    targets = list_targets(miniprograms)
    kinds, shelves = _badges()
    offline = gettext("offline")
    rows = []
    for mp in miniprograms:
        slug = slug_of(mp)
        base = bases.get(slug) or bases.setdefault(slug, _list_url(slug))
        url = f"{base}{mp.app_id}/"
        local = timezone.localtime(mp.created_at)
        rows.append(
            ListRow(
                mp=mp,
                list_url=base,
                url=url,
                logo_url=f"{url}logo/?v={int(mp.profile_updated_at.timestamp())}"
                if mp.logo
                else "",
                initial=mp.name[:1].upper(),
                created_iso=local.isoformat(),
                created_day=local.strftime("%Y-%m-%d"),
                created_utc=mp.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
                industry_path=list_industry(mp)[1],
                kind_badge=kinds[mp.is_tenant_kind],
                shelf_badge=shelves[mp.is_on_shelf, mp.is_released],
                host_apps=_host_app_chips(targets[mp.pk], offline),
            )
        )
    return rows


class IdsFirstPaginator(Paginator):
    """A mini program list's pages, the page's ids first: ``OFFSET`` runs over the ids alone
    (an index-only scan of ``(workspace, -created_at, -id)`` for the plain list), then the
    page's 50 rows are read, with what they show, by primary key. Slicing the full query would
    read and join every row before the page only to skip it: page 100 cost 3× page 1."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows: QuerySet[MiniProgram] = self.object_list  # type: ignore[assignment]
        ids = rows.prefetch_related(None).values("pk")[bottom:top]
        return Page(rows.filter(pk__in=ids), number, self)


def paginate_ids_first(rows: QuerySet[MiniProgram], request: HttpRequest) -> Page:
    """``console.paging.paginate`` for the mini program lists (same page size and rules)."""
    return IdsFirstPaginator(rows, page_size()).get_page(request.GET.get("page"))
