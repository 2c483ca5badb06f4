"""One page size for every list of the console and the API (``settings.PAGE_SIZE``), and the
paginator of the long lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def page_size() -> int:
    return int(settings.PAGE_SIZE)


def paginate(rows: Any, request: HttpRequest, *, parameter: str = "page") -> Page:
    """The page of ``rows`` the request asks for (``?page=``); out of range gives the last,
    junk the first (Django's ``get_page``)."""
    return Paginator(rows, page_size()).get_page(request.GET.get(parameter))


class IdsFirstPaginator(Paginator):
    """The pages of a long list (a queryset in a stable order), the page's ids first.

    ``OFFSET`` runs over the ids alone (an index-only scan where an index serves the filter
    and the order), then the page's rows are read by primary key with what they show:
    ``load`` (if given) adds it to the page's query only — joins there, not in the ``COUNT``
    nor in the ids — or reads the page otherwise (a sequence in the page's order: the API
    list's values). Slicing the full query would read and join every row before the page
    only to skip it (page 100 cost 3× page 1 on 10,000 rows).

    ``count_from_page``: the total is read from the page itself when the page tells it — a
    page that is not full is the last one (so page 1 of a short list never counts); only a
    full page, or one past the end, asks the database for ``COUNT``. The API's lists use it;
    the console's pages print page links and always count.
    """

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        load: Callable[[QuerySet[Any]], QuerySet[Any] | Sequence[Any]] | None = None,
        count_from_page: bool = False,
    ) -> None:
        super().__init__(object_list, per_page)
        self.load = load
        self.count_from_page = count_from_page

    def _rows(self, bottom: int, top: int) -> QuerySet[Any] | Sequence[Any]:
        rows: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        ids = rows.prefetch_related(None).values("pk")[bottom:top]
        page_rows = rows.filter(pk__in=ids)
        return self.load(page_rows) if self.load is not None else page_rows

    def page(self, number: int | str) -> Page:
        if self.count_from_page and "count" not in self.__dict__:
            return self._page_counting_last(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(self._rows(bottom, top), number, self)

    def _page_counting_last(self, number: int | str) -> Page:
        if not isinstance(number, int) or number < 1 or self.orphans:
            number = self.validate_number(number)  # Django's checks (which count)
        bottom = (number - 1) * self.per_page
        rows = list(self._rows(bottom, bottom + self.per_page))
        if "count" not in self.__dict__:
            if len(rows) < self.per_page and (rows or number == 1):
                self.__dict__["count"] = bottom + len(rows)  # the last page: the total
            else:
                self.validate_number(number)  # counts; a page past the end: EmptyPage
        return Page(rows, number, self)
