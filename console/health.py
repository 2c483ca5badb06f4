"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies answer) for balancers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CHECK_TIMEOUT_SECONDS = 2.0
FAILED = "failed"

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    key = "readyz:probe"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return the value just written")
    return type(caches["default"]).__name__  # `cache` is a proxy: name the real backend


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return "in-process (no broker configured)"
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()
    return "redis"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every dependency answers, else 503; each check reports ok, detail and time.

    The answer is public (balancers call it without credentials), so a failed check says only
    ``failed``: the exception, which names hosts and ports, goes to the server log under the
    request id that the answer carries.
    """
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception:  # any failure means "not ready"
            logger.warning("readyz: the %s check failed", name, exc_info=True)
            detail, ok = FAILED, False
        results[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    ready = all(r["ok"] for r in results.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": results}
    if not ready:
        body["request_id"] = getattr(request, "request_id", "")
    return JsonResponse(body, status=200 if ready else 503)
