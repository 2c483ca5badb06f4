"""The whole exchange's deadline of ``webhook_transport.post``, kept by one watchdog thread for
the process (``webhook_transport.Watchdog``): a server that drips its answer is cut off although
every single read is within the socket timeout; a deadline cancelled in time never fires."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from workspaces import webhook_transport


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]


def _dripping_server(stop: threading.Event) -> int:
    """A server that reads the request, then sends a valid answer one byte every 50 ms."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n" + b"x" * 400

    def serve() -> None:
        with listener:
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.recv(65536)
                    for byte in answer:
                        if stop.is_set():
                            break
                        try:
                            conn.sendall(bytes([byte]))
                        except OSError:
                            break
                        time.sleep(0.05)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


@pytest.mark.parametrize("kept", [False, True])
def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(kept):
    stop = threading.Event()
    port = _dripping_server(stop)
    pool = webhook_transport.KeptAlive() if kept else None
    try:
        outcome = webhook_transport.post(
            url=f"http://127.0.0.1:{port}/hook",
            body=b"{}",
            headers={},
            timeout=0.4,  # each byte comes within 50 ms: only the deadline can stop it
            kept_alive=pool,
        )
    finally:
        stop.set()
    assert outcome.status_code is None
    assert outcome.error == "Timed out after 0.4 s."
    if pool is not None:
        assert pool.take(next(iter(pool._held()), None)) is None  # not kept: it was cut


def test_deadlines_fire_in_order_and_a_cancelled_one_never_fires():
    dog = webhook_transport.Watchdog()
    fired: list[str] = []
    done = threading.Event()
    late = dog.watch(0.3, lambda: (fired.append("late"), done.set()))
    cancelled = dog.watch(0.1, lambda: fired.append("cancelled"))
    early = dog.watch(0.05, lambda: fired.append("early"))
    dog.cancel(cancelled)
    assert done.wait(5)
    assert fired == ["early", "late"]
    assert (early.fired, cancelled.fired, late.fired) == (True, False, True)


def test_cancel_after_the_deadline_fired_reports_it_fired():
    dog = webhook_transport.Watchdog()
    ran = threading.Event()
    deadline = dog.watch(0.0, ran.set)
    assert ran.wait(5)
    dog.cancel(deadline)
    assert deadline.fired


def test_a_crashing_cut_does_not_stop_the_watchdog():
    dog = webhook_transport.Watchdog()
    ran = threading.Event()

    def boom() -> None:
        raise OSError("socket already gone")

    dog.watch(0.0, boom)
    dog.watch(0.05, ran.set)
    assert ran.wait(5)
