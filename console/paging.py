"""One page size for every list of the console and the API (``settings.PAGE_SIZE``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def page_size() -> int:
    return int(settings.PAGE_SIZE)


def paginate(rows: Any, request: HttpRequest, *, parameter: str = "page") -> Page:
    """The page of ``rows`` the request asks for (``?page=``); out of range gives the last,
    junk the first (Django's ``get_page``)."""
    return Paginator(rows, page_size()).get_page(request.GET.get(parameter))
