"""With Redis: the endpoint queues each batch in a stream, answers 429 past its bound, and the
drain writes with COPY and acknowledges only after commit — a drain that dies in between loses
nothing, and the one that takes its entries over inserts nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import DataError

from analytics import stream
from analytics.models import Event, LogLine
from analytics.stream import GROUP, stream_drain
from analytics.tasks import drain_stream
from analytics.tests.conftest import error_of, event, now_ms

pytestmark = [pytest.mark.django_db, pytest.mark.services]


class Died(Exception):
    pass


def _batches(post, count: int) -> None:
    for n in range(count):
        body = {"events": [event(), event(type="log", level="warn", message=f"batch {n}")]}
        response = post(body)
        assert response.status_code == 202, response.content


def _pending(redis_stream, settings) -> int:
    return redis_stream.xpending(settings.ANALYTICS_STREAM, GROUP)["pending"]


def test_the_endpoint_queues_and_the_drain_writes(post, redis_stream, settings):
    _batches(post, 3)
    assert stream.stream_length() == 3 and not Event.objects.exists()  # handed off, not written

    assert drain_stream() == 3

    assert (Event.objects.count(), LogLine.objects.count()) == (3, 3)
    assert stream.stream_length() == 0 and _pending(redis_stream, settings) == 0


def test_a_drain_dying_after_commit_loses_and_duplicates_nothing(post, redis_stream, settings):
    _batches(post, 4)
    post({"events": [event(id=e) for e in ("00000000-0000-4000-8000-000000000001",) * 2]})

    def die(ids):
        raise Died(f"killed after writing {len(ids)} entries, before acknowledging them")

    with pytest.raises(Died):
        stream_drain(consumer="first", count=10, after_write=die)
    assert Event.objects.count() == 5  # committed
    assert _pending(redis_stream, settings) == 5  # but not acknowledged

    settings.ANALYTICS_CLAIM_IDLE_SECONDS = 0  # the first drain is dead: take over at once
    result = stream_drain(consumer="second")

    assert (result.reclaimed, result.entries, result.rows) == (5, 5, 0)
    assert (Event.objects.count(), LogLine.objects.count()) == (5, 4)
    assert stream.stream_length() == 0 and _pending(redis_stream, settings) == 0


def test_a_drain_dying_before_commit_leaves_everything_to_the_next(
    post, redis_stream, settings, monkeypatch
):
    _batches(post, 2)

    def crash(chunks, **kwargs):
        raise Died("killed while writing")

    monkeypatch.setattr(stream, "chunks_write", crash)
    with pytest.raises(Died):
        stream_drain(consumer="first")
    monkeypatch.undo()
    assert not Event.objects.exists()

    settings.ANALYTICS_CLAIM_IDLE_SECONDS = 0
    assert stream_drain(consumer="second").rows == 4
    assert stream.stream_length() == 0


def test_an_entry_the_database_refuses_moves_to_the_dead_letters(
    post, redis_stream, settings, monkeypatch
):
    _batches(post, 2)  # two rows each
    post({"events": [event(), event(), event()]})  # the one "refused"
    real = stream.chunks_write

    def refuse_three(chunks, **kwargs):
        if any(chunk.count == 3 for chunk in chunks):
            raise DataError("value out of range")
        return real(chunks, **kwargs)

    monkeypatch.setattr(stream, "chunks_write", refuse_three)
    result = stream_drain()

    assert (result.entries, result.dead, result.rows) == (3, 1, 4)
    assert redis_stream.xlen(f"{settings.ANALYTICS_STREAM}:dead") == 1
    assert stream.stream_length() == 0 and _pending(redis_stream, settings) == 0


def test_past_its_bound_the_stream_answers_429_until_drained(post, redis_stream, settings):
    settings.ANALYTICS_STREAM_MAX_LENGTH = 2
    _batches(post, 2)

    response = post({"events": [event()]})
    error_of(response, 429, "throttled")
    assert response["Retry-After"] == "5"
    assert stream.stream_length() == 2  # the refused batch was not queued

    stream_drain()
    assert post({"events": [event()]}).status_code == 202


@pytest.mark.django_db(transaction=True)
def test_a_drain_process_killed_mid_drain_loses_and_duplicates_nothing(
    redis_stream, settings, tmp_path
):
    """A real ``manage.py analytics_drain`` process, SIGKILLed while it works through the
    stream (one entry per transaction), then another drain takes over its pending entries."""
    from django.db import connection

    from analytics.batch import batch_parse
    from analytics.storage import Chunk
    from conftest import _database_url

    for n in range(120):
        body = {"events": [event() for _ in range(40)] + [event(type="favorite_add")] * 2}
        chunk = Chunk.of(batch_parse(body, host_app_id=1, now_ms=now_ms()))
        stream.chunk_enqueue(chunk)
        assert chunk.count == 42, n  # the repeated event will be one row
    log = (tmp_path / "drain.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "analytics_drain", "--consumer", "victim", "--count", "1"],
        cwd=Path(__file__).resolve().parents[2],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "console.settings.test",
            "DATABASE_URL": _database_url(connection.settings_dict),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "ANALYTICS_STREAM": settings.ANALYTICS_STREAM,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # a loaded machine starts Django slowly
        while Event.objects.count() < 400:  # some way in: about ten entries written
            assert process.poll() is None, (tmp_path / "drain.log").read_text()
            assert time.monotonic() < deadline, "the drain process wrote nothing in 180 s"
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait(timeout=10)
        log.close()
    assert stream.stream_length() > 0  # killed mid-drain

    settings.ANALYTICS_CLAIM_IDLE_SECONDS = 0
    while stream.stream_length():
        stream_drain(consumer="rescuer", max_seconds=30)

    assert Event.objects.count() == 120 * 41
    assert _pending(redis_stream, settings) == 0
