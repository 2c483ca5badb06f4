"""``webhook_transport.post`` with kept-alive connections (``KeptAlive``), against a real HTTP
server on the loopback: the subscription messages' delivery posts through it."""

from __future__ import annotations

import pytest

from workspaces import webhook_transport
from workspaces.tests.webhook_receiver import start_receiver


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]


def _post(url: str, kept_alive: webhook_transport.KeptAlive | None) -> webhook_transport.Outcome:
    return webhook_transport.post(
        url=url, body=b'{"n":1}', headers={"X-Test": "1"}, timeout=5, kept_alive=kept_alive
    )


def _posts(receiver, pool: webhook_transport.KeptAlive | None, count: int) -> list[int | None]:
    """``count`` POSTs to ``receiver`` (then the pool and the server are closed): the codes."""
    try:
        return [_post(receiver.url(), pool).status_code for _ in range(count)]
    finally:
        if pool is not None:
            pool.close()
        receiver.server.shutdown()


def test_a_kept_alive_pool_sends_every_post_over_one_connection():
    receiver = start_receiver(keep_alive=True)
    assert _posts(receiver, webhook_transport.KeptAlive(), 4) == [200] * 4
    assert len(receiver.requests) == 4
    assert len({r.peer for r in receiver.requests}) == 1


def test_without_a_pool_each_post_has_a_connection_of_its_own():
    receiver = start_receiver(keep_alive=True)
    assert _posts(receiver, None, 3) == [200] * 3
    assert len({r.peer for r in receiver.requests}) == 3


def test_a_server_that_closes_after_each_answer_gets_new_connections():
    receiver = start_receiver()  # HTTP/1.0: "Connection: close" after every answer
    assert _posts(receiver, webhook_transport.KeptAlive(), 3) == [200] * 3
    assert len({r.peer for r in receiver.requests}) == 3


def test_a_kept_connection_the_server_closed_is_replaced_once():
    receiver = start_receiver(keep_alive=True)
    receiver.script = [("close", 200), 200]  # answers, then closes the connection unannounced
    pool = webhook_transport.KeptAlive()
    try:
        first = _post(receiver.url(), pool)
        second = _post(receiver.url(), pool)  # the kept connection is dead: posts afresh
        third = _post(receiver.url(), pool)
    finally:
        pool.close()
        receiver.server.shutdown()
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert first.error == second.error == ""
    assert len(receiver.requests) == 3
    peers = [r.peer for r in receiver.requests]
    assert peers[0] != peers[1] and peers[1] == peers[2]


def test_an_error_answer_is_read_and_the_connection_kept():
    receiver = start_receiver(keep_alive=True)
    receiver.script = [503, 200]
    pool = webhook_transport.KeptAlive()
    try:
        refused = _post(receiver.url(), pool)
        accepted = _post(receiver.url(), pool)
    finally:
        pool.close()
        receiver.server.shutdown()
    assert refused.status_code == 503 and "receiver says no" in refused.error
    assert accepted.status_code == 200
    assert len({r.peer for r in receiver.requests}) == 1


def test_a_pool_keeps_at_most_its_share_of_connections():
    receivers = [start_receiver(keep_alive=True) for _ in range(3)]
    pool = webhook_transport.KeptAlive(most=2)
    try:
        for receiver in receivers:
            assert _post(receiver.url(), pool).status_code == 200
        assert len(pool._held()) == 2  # the first address's connection was closed
        assert _post(receivers[0].url(), pool).status_code == 200
    finally:
        pool.close()
        for receiver in receivers:
            receiver.server.shutdown()
    first = receivers[0].requests
    assert len(first) == 2 and first[0].peer != first[1].peer
