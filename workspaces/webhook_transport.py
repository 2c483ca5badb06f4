"""Outbound webhook HTTP: which URLs may be called, and one signed POST (no ORM here).

**The URL rule.** HTTPS only; plain HTTP only for hosts listed in
``settings.WEBHOOK_ALLOW_HTTP_HOSTS`` (empty in production, ``127.0.0.1`` and ``localhost`` in
development and tests). No user name or password in the URL, no fragment.

**No internal services (SSRF).** A member who registers an endpoint must not make the worker call
the database, the cloud metadata service or anything else on the private network. So a host must
resolve only to public addresses — not loopback, private, link-local, shared (CGNAT), multicast,
reserved or unspecified, nor an IPv6 address that embeds one (mapped, 6to4, Teredo, NAT64) —
unless it is one of the allowed hosts. The rule is checked when the URL is saved and again at
every delivery: :func:`post` resolves the name itself, checks every address and connects to the
address it checked (the TLS certificate is still verified against the host name), so a DNS
answer that changes between the check and the connection (rebinding) cannot slip through.

**The POST.** A timeout on connecting and on every read, and a deadline for the whole exchange
(a server that drips its answer byte by byte is cut off); redirects are never followed (a 3xx is
a failed attempt); only the status line and the first bytes of the answer are read.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import hmac
import http.client
import ipaddress
import itertools
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

URL_MAX_LENGTH = 500
USER_AGENT = "MPP-Webhooks/1.0"
SNIPPET_BYTES = 200

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What str.isspace() finds, and the C0 controls and DEL (tested over every code point).
_URL_BAD_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f]")


class WebhookURLRefused(ValueError):
    """The URL breaks the rule above; the message says why, for people."""


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-MPP-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def allowed_plain_hosts() -> frozenset[str]:
    """Hosts that may use plain HTTP and private addresses (lower-case)."""
    return frozenset(h.strip().lower() for h in settings.WEBHOOK_ALLOW_HTTP_HOSTS if h.strip())


def is_public_address(ip: IPAddress) -> bool:
    """Whether ``ip`` is on the public internet (and embeds no private IPv4 address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: what the connection needs."""

    scheme: str
    host: str  # lower-case, IDNA-encoded, without brackets
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def is_allowed_host(self) -> bool:
        return self.host in allowed_plain_hosts()


def _host_of(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if not host:
        raise WebhookURLRefused("The URL needs a host name, like https://hooks.example.com/mpp.")
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise WebhookURLRefused(f"“{host}” is not a valid host name.") from None


def parse_url(url: str) -> Target:
    """The URL's parts, or :class:`WebhookURLRefused` saying what is wrong (no DNS lookup)."""
    if not url:
        raise WebhookURLRefused("Enter the URL of your endpoint.")
    if len(url) > URL_MAX_LENGTH:
        raise WebhookURLRefused(f"The URL is too long (at most {URL_MAX_LENGTH} characters).")
    if _URL_BAD_CHARACTER.search(url):
        raise WebhookURLRefused("The URL cannot contain spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.netloc:
        raise WebhookURLRefused(
            "Enter a full HTTPS URL, like https://hooks.example.com/mpp (webhooks are sent as "
            "HTTPS POST requests)."
        )
    if parts.username is not None or parts.password is not None:
        raise WebhookURLRefused(
            "Remove the user name and password from the URL: check the X-MPP-Signature header "
            "instead."
        )
    if parts.fragment or url.endswith("#"):
        raise WebhookURLRefused("Remove the #fragment from the URL: it is never sent.")
    host = _host_of(parts)
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise WebhookURLRefused("The port in the URL is not a number from 1 to 65535.") from None
    if port == 0:
        raise WebhookURLRefused("The port in the URL is not a number from 1 to 65535.")
    target = Target(
        scheme=scheme,
        host=host,
        port=port,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    )
    if scheme == "http" and not target.is_allowed_host:
        raise WebhookURLRefused(
            "Use an https:// URL: webhooks carry your workspace's data and are only sent over "
            "HTTPS."
        )
    return target


def resolve(target: Target) -> tuple[int, tuple]:
    """The address to connect to (socket family, address) after checking every address the host
    resolves to; :class:`WebhookURLRefused` when one is not public (and the host not allowed)."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    found: list[tuple[int, str]]
    if literal is not None:
        found = [(socket.AF_INET6 if literal.version == 6 else socket.AF_INET, str(literal))]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise WebhookURLRefused(
                f"The host {target.host} could not be found (no DNS answer)."
            ) from None
        found = [(int(info[0]), str(info[4][0])) for info in infos]
    if not found:
        raise WebhookURLRefused(f"The host {target.host} has no address.")
    if not target.is_allowed_host:
        for _family, address in found:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not is_public_address(ip):
                where = f"{ip} is" if literal else f"The host {target.host} resolves to {ip},"
                raise WebhookURLRefused(
                    f"{where} a private or reserved address: webhooks are only sent to "
                    "addresses on the public internet."
                )
    family, address = found[0]
    sockaddr = (address, target.port, 0, 0) if family == socket.AF_INET6 else (address, target.port)
    return family, sockaddr


def check_url(url: str) -> Target:
    """The whole rule, as when an endpoint is saved: shape, scheme, and where the host points."""
    target = parse_url(url)
    resolve(target)
    return target


# --- the POST --------------------------------------------------------------------------------


class _Pinned:
    """Connects to the address that was checked, whatever the name resolves to by then."""

    sock: socket.socket | None
    _sockaddr: tuple[int, tuple]

    def _connect_checked(self, _hostport, timeout, source_address=None):
        family, sockaddr = self._sockaddr
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except BaseException:
            sock.close()
            raise
        return sock

    def _send_output(self, message_body=None, encode_chunked=False):
        """The request's head and a ``bytes`` body in one write: ``http.client`` writes them
        apart, two system calls and two packets a POST."""
        if not isinstance(message_body, bytes) or encode_chunked:
            return super()._send_output(message_body, encode_chunked)  # type: ignore[misc]
        buffer = self._buffer  # type: ignore[attr-defined]
        buffer.extend((b"", message_body))
        head_and_body = b"\r\n".join(buffer)
        del buffer[:]
        self.send(head_and_body)  # type: ignore[attr-defined]
        return None

    def abort(self) -> None:
        """Cut the connection from another thread (the deadline passed)."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def __init__(self, target: Target, sockaddr: tuple[int, tuple], timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._sockaddr = sockaddr
        self._create_connection = self._connect_checked


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def __init__(self, target: Target, sockaddr: tuple[int, tuple], timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._sockaddr = sockaddr
        self._create_connection = self._connect_checked


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: the status code (``None`` without an answer), an error sentence
    (empty on a 2xx), and how long it took."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _snippet(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:SNIPPET_BYTES]


def _answer_error(status: int, reason: str, location: str | None, body: bytes) -> str:
    if 300 <= status < 400:
        where = f" to {location[:150]}" if location else ""
        return f"HTTP {status} {reason}: a redirect{where}; redirects are not followed."
    text = _snippet(body)
    return f"HTTP {status} {reason}".strip() + (f": {text}" if text else "")


def _failure(exc: BaseException, timeout: float, timed_out: bool) -> str:
    if timed_out or isinstance(exc, TimeoutError):
        return f"Timed out after {timeout:g} s."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {exc.verify_message or exc}."
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}."
    if isinstance(exc, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(exc, http.client.RemoteDisconnected):
        return "The server closed the connection without answering."
    if isinstance(exc, http.client.HTTPException):
        return f"Not a valid HTTP answer ({type(exc).__name__})."
    if isinstance(exc, OSError):
        return f"Connection failed: {exc.strerror or exc}."
    return f"{type(exc).__name__}: {exc}"


class KeptAlive:
    """Connections kept open between the POSTs of one thread, by pinned address (scheme, host,
    port and the checked address): ``post(..., kept_alive=pool)`` reuses the one it left for
    that address, so a busy sender does not pay a TCP (and TLS) handshake per request. The URL
    rule is still checked on every POST — a connection is only reused for the very address the
    check gave. A connection goes back only after a complete answer the server did not mark
    ``Connection: close``; one kept since the last POST that fails before any answer (the
    server closed it meanwhile) is replaced by a fresh one, once — so a request the server
    took but did not answer may arrive twice (receivers deduplicate by their id header)."""

    def __init__(self, *, most: int = 8) -> None:
        self.most = most  # connections a thread keeps (to as many addresses)
        self._local = threading.local()

    def _held(self) -> dict[tuple, http.client.HTTPConnection]:
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = {}
        return held

    def take(self, key: tuple) -> http.client.HTTPConnection | None:
        return self._held().pop(key, None)

    def give(self, key: tuple, connection: http.client.HTTPConnection) -> None:
        held = self._held()
        previous = held.pop(key, None)
        if previous is not None:
            previous.close()
        while len(held) >= self.most:  # the least recently given first
            held.pop(next(iter(held))).close()
        held[key] = connection

    def close(self) -> None:
        """Close this thread's kept connections."""
        held = self._held()
        while held:
            held.popitem()[1].close()


class Deadline:
    """One exchange's deadline, as :meth:`Watchdog.watch` hands it out: ``cut`` runs when it
    passes unless :meth:`Watchdog.cancel` came first; ``fired`` says whether it ran."""

    __slots__ = ("at", "cut", "fired", "live")

    def __init__(self, at: float, cut: Callable[[], None]) -> None:
        self.at = at
        self.cut = cut
        self.live = True
        self.fired = False


class Watchdog:
    """The deadlines of every exchange in the process, kept by one thread: it runs a
    deadline's ``cut`` when it passes. A ``threading.Timer`` per POST started a thread for each
    one, which cost more than the POST itself on a kept-alive connection (bench/send.py).
    :meth:`cancel` and the firing take the same lock, so after ``cancel`` returns ``cut`` has
    either run already (``fired``) or never will."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, cut: Callable[[], None]) -> Deadline:
        deadline = Deadline(time.monotonic() + seconds, cut)
        with self._lock:
            first = not self._heap or deadline.at < self._heap[0][0]
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="mpp-post-deadlines", daemon=True
                )
                self._thread.start()
            elif first:
                self._wake.notify()
        return deadline

    def cancel(self, deadline: Deadline) -> None:
        with self._lock:
            deadline.live = False

    def _run(self) -> None:
        while True:
            with self._lock:
                heap = self._heap
                while heap and not heap[0][2].live:  # cancelled: dropped when they come up
                    heapq.heappop(heap)
                if not heap:
                    self._wake.wait()
                    continue
                wait = heap[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                deadline = heapq.heappop(heap)[2]
                deadline.live = False
                deadline.fired = True
            with contextlib.suppress(Exception):  # aborting a socket: nothing left to do
                deadline.cut()

    def _after_fork(self) -> None:
        """A forked child (Celery's prefork pool) has none of its parent's threads."""
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap = []
        self._thread = None


watchdog = Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=watchdog._after_fork)


_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


def post(
    *,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    kept_alive: KeptAlive | None = None,
) -> Outcome:
    """POST ``body`` to ``url`` once. Never raises for network trouble or an error answer (the
    :class:`Outcome` says what happened); raises :class:`WebhookURLRefused` when the URL breaks
    the rule, checked again now. ``kept_alive``: reuse and keep connections (see
    :class:`KeptAlive`); without it each POST has a connection of its own."""
    target = parse_url(url)
    sockaddr = resolve(target)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    key = (target.scheme, target.host, target.port, sockaddr)
    kept = kept_alive.take(key) if kept_alive is not None else None
    connection = kept or connection_class(target, sockaddr, timeout)

    def cut() -> None:
        connection.abort()  # type: ignore[attr-defined]

    started = time.monotonic()
    deadline = watchdog.watch(timeout, cut)
    reusable = False
    request_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}

    def exchange() -> http.client.HTTPResponse:
        connection.request("POST", target.path, body=body, headers=request_headers)
        return connection.getresponse()

    try:
        try:
            response = exchange()
        except _STALE:
            if kept is None or deadline.fired:
                raise
            connection.close()  # the server closed the kept connection: once more, afresh
            connection = connection_class(target, sockaddr, timeout)
            response = exchange()
        status, reason = response.status, response.reason or ""
        location = response.getheader("Location")
        ok = 200 <= status < 300
        head = response.read(SNIPPET_BYTES) if not ok or kept_alive is not None else b""
        error = "" if ok else _answer_error(status, reason, location, head)
        outcome = Outcome(status_code=status, error=error, duration_ms=0)
        reusable = kept_alive is not None and response.isclosed() and not response.will_close
    except Exception as exc:  # noqa: BLE001 - every failure is an outcome, recorded and retried
        outcome = Outcome(
            status_code=None, error=_failure(exc, timeout, deadline.fired), duration_ms=0
        )
    finally:
        watchdog.cancel(deadline)
    if reusable and not deadline.fired and kept_alive is not None:
        kept_alive.give(key, connection)
    else:
        connection.close()
    duration = int((time.monotonic() - started) * 1000)
    return Outcome(status_code=outcome.status_code, error=outcome.error, duration_ms=duration)
