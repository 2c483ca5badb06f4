"""Requests per second per caller for the OAuth endpoints (the exchange: per App ID, 20/s by
default, as TCSAS).

A fixed one-second window counted where every web process sees it: Redis (``INCR`` and
``EXPIRE`` in one round trip) when ``settings.REDIS_URL`` is set, else the Django cache (local
memory in development: per process). If Redis does not answer, the request is let through and
logged: an outage of the counter must not stop every merchant's sign-in.
"""

from __future__ import annotations

import logging
import math
import time
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache

logger = logging.getLogger(__name__)

KEY_PREFIX = "mpp:oauth:rate"
WINDOW = 1  # second


@cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _count_redis(url: str, name: str) -> int | None:
    import redis

    try:
        pipe = _client(url).pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, WINDOW + 1)
        count, _ = pipe.execute()
    except redis.RedisError:
        logger.warning("oauth throttle: Redis did not answer; letting %s through", name)
        return None
    return int(count)


def _count_cache(name: str) -> int:
    django_cache.add(name, 0, timeout=WINDOW + 1)
    try:
        return int(django_cache.incr(name))
    except ValueError:  # expired between add and incr
        django_cache.set(name, 1, timeout=WINDOW + 1)
        return 1


def throttle_hit(*, scope: str, key: str, limit: int) -> int | None:
    """Count one request of ``key`` in ``scope``. ``None`` while at most ``limit`` requests
    came in this second; else the seconds to wait (for ``Retry-After``, at least 1)."""
    if limit <= 0:
        return None  # no limit configured
    now = time.time()
    slot = int(now // WINDOW)
    name = f"{KEY_PREFIX}:{scope}:{key}:{slot}"
    url = str(getattr(settings, "REDIS_URL", "") or "")
    count = _count_redis(url, name) if url else _count_cache(name)
    if count is None or count <= limit:
        return None
    return max(1, math.ceil((slot + 1) * WINDOW - now))
