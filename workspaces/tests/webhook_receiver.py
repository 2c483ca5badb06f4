"""A real HTTP server on 127.0.0.1 (an ephemeral port, in a thread) that receives webhooks.

Each request is recorded (path, headers, raw body); the answers follow a script: a list of
status codes (or ``("sleep", seconds)`` to answer nothing for that long, ``("slow", seconds,
status)`` to answer that status after that long, or ``("redirect", location)``), the last one
repeated. ``most_at_once`` is the most requests it has held at the same time. The server checks
nothing itself: tests recompute the signature from what it recorded, as a receiver would.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the client's address: one per connection


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    script: list[Any] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    most_at_once: int = 0
    at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next_answer(self) -> Any:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def start_receiver(*, keep_alive: bool = False) -> Receiver:
    """``keep_alive``: answer in HTTP/1.1 and keep the connection open between requests (the
    default answers in HTTP/1.0, one request a connection). A ``("close", status)`` answer
    sends that status as if the connection stayed open, then closes it."""
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

        def do_POST(self) -> None:
            with receiver.lock:
                receiver.at_once += 1
                receiver.most_at_once = max(receiver.most_at_once, receiver.at_once)
            try:
                self._answer()
            finally:
                with receiver.lock:
                    receiver.at_once -= 1

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            peer = (str(self.client_address[0]), int(self.client_address[1]))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body, peer))
            answer = receiver.next_answer()
            if isinstance(answer, tuple) and answer[0] == "close":
                answer = answer[1]
                self.close_connection_after = True
            if isinstance(answer, tuple) and answer[0] == "slow":
                time.sleep(answer[1])
                answer = answer[2]
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
                return
            if isinstance(answer, tuple) and answer[0] == "redirect":
                self.send_response(302)
                self.send_header("Location", answer[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            text = b"ok" if 200 <= answer < 300 else b"receiver says no"
            self.send_response(answer)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
            if getattr(self, "close_connection_after", False):
                self.close_connection = True

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
