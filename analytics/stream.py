"""The Redis stream between the web processes and the drain (when ``REDIS_URL`` is set).

* The web process validates a request and ``XADD``s it as one entry (a :class:`Chunk`: ``COPY``
  text of its events and log lines). The stream holds only what is not yet written (the drain
  deletes what it acknowledged), so its length is the lag: past
  ``ANALYTICS_STREAM_MAX_LENGTH`` entries the endpoint answers 429 with ``Retry-After``
  (:class:`Backpressure`) instead of letting Redis grow without limit.
* The drain (:func:`stream_drain`: the ``analytics.drain_stream`` task on the beat schedule, or
  ``manage.py analytics_drain``) reads entries with a consumer group (``XREADGROUP``), writes
  them with ``COPY`` (:func:`analytics.storage.chunks_write`), commits, and only then
  ``XACK``s and ``XDEL``s them. A drain that dies in between leaves its entries pending; any
  drain takes them over (``XAUTOCLAIM``) once they have been idle for
  ``ANALYTICS_CLAIM_IDLE_SECONDS`` and writes them again, which inserts nothing twice (the
  tables' keys). Concurrent drains share the work.
* An entry the database refuses as data (``DataError``: not expected after validation) is
  moved to ``<stream>:dead`` so it cannot block the others; any other database error stops
  the run and the entries stay pending.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import DataError

from analytics.storage import Chunk, chunks_write

logger = logging.getLogger(__name__)

GROUP = "drain"
STREAM_DEFAULT = "mpp:analytics:events"
MAX_LENGTH_DEFAULT = 2000  # entries (requests of up to 500 events)
RETRY_AFTER_DEFAULT = 5  # seconds
CLAIM_IDLE_DEFAULT = 60  # seconds an entry may stay pending before another drain takes it
READ_COUNT = 20  # entries per read, written in one transaction
CONSUMER_IDLE_FORGET_MS = 3600_000  # consumers idle this long with nothing pending are removed


class Backpressure(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the analytics stream is full; retry in {retry_after} s")
        self.retry_after = retry_after


class StreamUnavailable(Exception):
    pass


def stream_key() -> str:
    return str(getattr(settings, "ANALYTICS_STREAM", STREAM_DEFAULT))


def max_length() -> int:
    return int(getattr(settings, "ANALYTICS_STREAM_MAX_LENGTH", MAX_LENGTH_DEFAULT))


def retry_after() -> int:
    return int(getattr(settings, "ANALYTICS_RETRY_AFTER", RETRY_AFTER_DEFAULT))


def claim_idle_ms() -> int:
    return int(getattr(settings, "ANALYTICS_CLAIM_IDLE_SECONDS", CLAIM_IDLE_DEFAULT) * 1000)


def is_enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


@cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def client() -> Any:
    return _client(str(settings.REDIS_URL))


# Check the bound and append in one round trip, atomically (no overshoot by concurrent web
# processes): nil when the stream is full.
_ENQUEUE = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', 'e', ARGV[2], 'l', ARGV[3], 'a', ARGV[4], 'z', ARGV[5],
                  'n', ARGV[6])
"""


@cache
def _enqueue_script(url: str) -> Any:
    return _client(url).register_script(_ENQUEUE)


def chunk_enqueue(chunk: Chunk) -> str:
    """Append one request's rows to the stream; returns the entry id. Raises
    :class:`Backpressure` when the stream is past its bound, :class:`StreamUnavailable` when
    Redis does not answer."""
    import redis

    fields = chunk.fields()
    try:
        entry_id = _enqueue_script(str(settings.REDIS_URL))(
            keys=[stream_key()],
            args=[max_length(), fields["e"], fields["l"], fields["a"], fields["z"], fields["n"]],
        )
    except redis.RedisError as exc:
        logger.warning("analytics stream: Redis did not answer (%s)", exc)
        raise StreamUnavailable(str(exc)) from exc
    if entry_id is None:
        raise Backpressure(retry_after())
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def stream_length() -> int:
    return int(client().xlen(stream_key()))


def default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class DrainResult:
    entries: int = 0  # stream entries written and acknowledged
    rows: int = 0  # rows new in the database (a redelivered row counts zero)
    reclaimed: int = 0  # entries taken over from a dead drain
    dead: int = 0  # entries moved to the dead-letter stream


def _group_ensure(redis_client: Any, key: str) -> None:
    import redis

    try:
        redis_client.xgroup_create(key, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _forget_idle_consumers(redis_client: Any, key: str, consumer: str) -> None:
    for info in redis_client.xinfo_consumers(key, GROUP):
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name != consumer and not info["pending"] and info["idle"] > CONSUMER_IDLE_FORGET_MS:
            redis_client.xgroup_delconsumer(key, GROUP, name)


def _write(
    redis_client: Any, key: str, entries: list[tuple[bytes, dict[bytes, bytes]]]
) -> tuple[int, list[bytes]]:
    """Write the entries; returns (new rows, ids of entries moved to the dead letters)."""
    chunks = [Chunk.from_fields(fields) for _id, fields in entries]
    try:
        return chunks_write(chunks), []
    except DataError:
        logger.exception("analytics drain: a batch was refused; writing its entries one by one")
    rows, dead = 0, []
    for (entry_id, fields), chunk in zip(entries, chunks, strict=True):
        try:
            rows += chunks_write([chunk])
        except DataError:
            logger.exception("analytics drain: entry %s refused; moved to %s:dead", entry_id, key)
            redis_client.xadd(f"{key}:dead", fields)
            dead.append(entry_id)
    return rows, dead


def stream_drain(
    *,
    consumer: str | None = None,
    max_seconds: float = 4.0,
    count: int = READ_COUNT,
    block_ms: int = 100,
    after_write: Callable[[list[bytes]], None] | None = None,
) -> DrainResult:
    """Write what the stream holds until it is empty or ``max_seconds`` have passed; returns
    what was done. Entries are acknowledged only after their transaction committed
    (``after_write``, for tests, runs between the commit and the acknowledgement)."""
    consumer = consumer or default_consumer()
    key, redis_client = stream_key(), client()
    _group_ensure(redis_client, key)
    _forget_idle_consumers(redis_client, key, consumer)
    result = DrainResult()
    deadline = time.monotonic() + max_seconds
    reclaiming = True
    while time.monotonic() < deadline:
        entries: list[Any] = []
        if reclaiming:  # first what dead drains left pending, then new entries
            _next, claimed, *_deleted = redis_client.xautoclaim(
                key, GROUP, consumer, min_idle_time=claim_idle_ms(), start_id="0-0", count=count
            )
            entries = [(entry_id, fields) for entry_id, fields in claimed if fields]
            gone = [entry_id for entry_id, fields in claimed if not fields]
            if gone:  # deleted while pending (Redis 6.2 still lists them): nothing to write
                redis_client.xack(key, GROUP, *gone)
            result.reclaimed += len(entries)
            reclaiming = bool(claimed)
        if not entries:
            answer = redis_client.xreadgroup(
                GROUP, consumer, {key: ">"}, count=count, block=block_ms
            )
            entries = answer[0][1] if answer else []
        if not entries:
            break
        rows, dead = _write(redis_client, key, entries)
        ids = [entry_id for entry_id, _fields in entries]
        if after_write is not None:
            after_write(ids)
        pipe = redis_client.pipeline(transaction=True)
        pipe.xack(key, GROUP, *ids)
        pipe.xdel(key, *ids)
        pipe.execute()
        result.entries += len(ids)
        result.rows += rows
        result.dead += len(dead)
    return result
