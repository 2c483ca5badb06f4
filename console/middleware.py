"""The shell's middleware.

- ``RequestIDMiddleware``: every response carries ``X-Request-ID``; logs and audit rows see it.
- ``UserTimezoneMiddleware``: dates in the signed-in user's time zone.
- ``SecurityHeadersMiddleware``: Content-Security-Policy, Permissions-Policy, and
  ``Cache-Control: private, no-store`` on answers that belong to one person.
"""

from __future__ import annotations

import contextlib
import secrets
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from console import context
from console.clientip import client_ip  # the one rule (trusted proxies); re-exported

HEADER = "X-Request-ID"


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


# --- security headers -----------------------------------------------------------------------

# Every page's policy: scripts, styles, images, fonts and requests only from this origin; no
# plugins, no <base> rewriting, forms post only here, and no framing (X-Frame-Options: DENY too).
# Styles: <style> elements and stylesheets only from this origin (``style-src-elem``); style
# *attributes* are allowed (``style-src-attr``) because a few templates draw data-driven widths
# (progress, package size and diff bars) with ``style="width: N%"``. A style attribute cannot
# run script, and ``script-src 'self'`` stays strict. Browsers without the CSP3 ``-elem``/
# ``-attr`` directives fall back to ``style-src``, which allows the same attributes.
CSP_DIRECTIVES: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "style-src-elem": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Directives a per-response nonce (``request.csp_nonce``) is added to when a template used it.
CSP_NONCE_DIRECTIVES = ("script-src", "style-src-elem")

# Powerful browser features the console never uses, switched off for every frame.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

PRIVATE_CACHE_CONTROL = "private, no-store"
API_PREFIX = "/api/"


class CSPNonce:
    """A per-request nonce, made only when a template asks for it (``{{ request.csp_nonce }}``)."""

    def __init__(self) -> None:
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = secrets.token_urlsafe(18)
        return self._value

    @property
    def used(self) -> bool:
        return self._value is not None


def content_security_policy(*, nonce: str | None = None) -> str:
    parts = []
    for directive, sources in CSP_DIRECTIVES.items():
        if nonce and directive in CSP_NONCE_DIRECTIVES:
            sources = [*sources, f"'nonce-{nonce}'"]
        parts.append(" ".join([directive, *sources]))
    return "; ".join(parts)


def _is_private(request: HttpRequest) -> bool:
    if request.path.startswith(API_PREFIX):
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class SecurityHeadersMiddleware:
    """Adds the policy headers on the way out; headers a view set itself are kept.

    Sits after WhiteNoise: static files never reach it (they are public and cacheable). A view
    that set its own ``Content-Security-Policy`` (an image answer's ``sandbox``) or a
    ``Cache-Control`` that is already private or ``no-store`` (``never_cache``, downloads) keeps
    it; any other answer to a signed-in user, and every API answer, becomes
    ``private, no-store`` so neither shared caches nor the browser's history keep it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = CSPNonce()
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(
                nonce=str(nonce) if nonce.used else None
            )
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        cache_control = response.get("Cache-Control", "").lower()
        if not ("private" in cache_control or "no-store" in cache_control) and _is_private(request):
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
