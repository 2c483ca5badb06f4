"""API write throttle: a per-user rate on POST/PUT/PATCH/DELETE (DRF's cache-based throttle).

The rate is ``MPP_API_WRITE_RATE`` (env ``API_WRITE_RATE``, e.g. ``300/minute``; empty turns it
off), read per request so it follows the settings.

The cache is Redis in production, so the rate holds across processes. Reads are not throttled
here; business limits that must be exact (workspaces per hour) are counted by their service in
the database. Anonymous callers are keyed on the client IP worked out by ``console.clientip``
(the trusted-proxy settings), not DRF's own ``NUM_PROXIES``. This module imports no app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import UserRateThrottle

from console.clientip import client_ip

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteRateThrottle(UserRateThrottle):
    """``MPP_API_WRITE_RATE`` per signed-in user (per client IP when anonymous), writes only."""

    scope = "write"

    def get_rate(self) -> str | None:
        return getattr(settings, "MPP_API_WRITE_RATE", None) or None

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_ident(self, request: Any) -> str:
        return client_ip(request) or "unknown"
