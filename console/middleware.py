"""Request id middleware: every response carries ``X-Request-ID``; logs and audit rows see it."""

from __future__ import annotations

import contextlib
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from console import context

HEADER = "X-Request-ID"


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the first trusted hop saw it (REMOTE_ADDR; proxies set it)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestIDMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.clean_request_id(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.bind(request_id=request_id, ip=client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response[HEADER] = request_id
        return response


class UserTimezoneMiddleware:
    """Render dates in the signed-in user's time zone (UI.md); UTC for everyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "timezone", "") if user is not None and user.is_authenticated else ""
        timezone.deactivate()
        if name and name != "UTC":
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
