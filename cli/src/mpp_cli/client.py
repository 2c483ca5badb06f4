"""A small client for MPP's REST API (``/api/v1/``), standard library only.

Every error the server sends has one shape, ``{"error": {"code", "message", "request_id",
"fields"}}``: it becomes an :class:`ApiError`. A server that cannot be reached (refused, DNS,
TLS, timeout, connection dropped) is a :class:`NetworkError`. Redirects are never followed: a
redirect would resend the token (and, for an upload, turn the POST into a GET); the error names
the address to log in to instead.
"""

from __future__ import annotations

import json
import platform
import re
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import Any, BinaryIO

from mpp_cli import __version__

API_PREFIX = "/api/v1/"
TIMEOUT = 30.0  # seconds, per socket operation
UPLOAD_TIMEOUT = 600.0  # the server stores and hashes the whole package before it answers
CHUNK = 1024 * 1024
DOWNLOAD_TYPES = "application/zip, application/octet-stream"
USER_AGENT = f"mpp-cli/{__version__} (Python {platform.python_version()})"


@dataclass
class ApiError(Exception):
    """The server refused the request; ``message`` is its own sentence."""

    status: int
    code: str
    message: str
    request_id: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class NetworkError(Exception):
    """The server could not be reached or the connection broke."""


class SaveFailed(Exception):
    """A downloaded file could not be written to the local disk."""


class PackageChanged(Exception):
    """The package file changed size while it was being sent."""


def normalize_url(raw: str) -> str:
    """``https://mpp.example.com/`` → ``https://mpp.example.com``; ``ValueError`` if unusable."""
    url = raw.strip().rstrip("/")
    url = re.sub(r"/api/v1$", "", url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"“{raw.strip()}” is not a console address: give the full URL, "
            "e.g. https://mpp.example.com"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"“{raw.strip()}” has a query or fragment: give the console's address.")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx itself


class MultipartBody:
    """A ``multipart/form-data`` body streamed from a file in 1 MB chunks.

    Its length is known up front (``len(body)``), so it is sent with a ``Content-Length`` and
    the file is never read into memory. ``on_progress(sent, total)`` is called as the file's
    bytes are handed to the socket.
    """

    def __init__(
        self,
        *,
        fields: dict[str, str],
        file_field: str,
        path: Path,
        filename: str,
        content_type: str = "application/zip",
        on_progress: Callable[[int, int], None] | None = None,
    ):
        self.boundary = f"mpp-{secrets.token_hex(16)}"
        self.path = path
        self.file_size = path.stat().st_size
        self.on_progress = on_progress
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "package.zip"
        parts = [
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
            for name, value in fields.items()
        ]
        parts.append(
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="{file_field}"; filename="{safe_name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        self.head = b"".join(parts)
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.file_size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        sent = 0
        with self.path.open("rb") as fh:
            while sent < self.file_size:
                chunk = fh.read(min(CHUNK, self.file_size - sent))
                if not chunk:
                    break
                sent += len(chunk)
                yield chunk
                if self.on_progress:
                    self.on_progress(sent, self.file_size)
        if sent != self.file_size or self.path.stat().st_size != self.file_size:
            raise PackageChanged(f"{self.path} changed while it was being uploaded.")
        yield self.tail


class Client:
    def __init__(self, url: str, token: str):
        self.url = url.rstrip("/")
        self.token = token
        self._opener = urllib.request.build_opener(_NoRedirects)

    def api_url(self, path: str, query: dict[str, Any] | None = None) -> str:
        url = self.url + API_PREFIX + path.lstrip("/")
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return url

    def get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        # S310: the URL's scheme was checked (http/https only) by normalize_url at login.
        request = urllib.request.Request(self.api_url(path, query), method="GET")  # noqa: S310
        return self._send(request)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST a JSON body (an action without one sends ``{}``)."""
        request = urllib.request.Request(  # noqa: S310  (see get)
            self.api_url(path),
            data=json.dumps(body or {}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        return self._send(request)

    def download(self, path: str, target: BinaryIO) -> str:
        """GET a file answer into ``target`` in 1 MB blocks (never whole in memory); returns
        the file name the server gave (``Content-Disposition``), or ``""``."""
        request = urllib.request.Request(self.api_url(path), method="GET")  # noqa: S310
        with self._exchange(request, accept=f"{DOWNLOAD_TYPES}, application/json") as response:
            name = Message()
            name["Content-Disposition"] = response.headers.get("Content-Disposition", "")
            while block := response.read(CHUNK):
                try:
                    target.write(block)
                except OSError as exc:  # the local disk, not the network
                    raise SaveFailed(f"Cannot write {target.name}: {exc.strerror or exc}") from None
            return name.get_filename() or ""

    def upload(self, path: str, body: MultipartBody) -> Any:
        request = urllib.request.Request(  # noqa: S310  (see get)
            self.api_url(path),
            data=body,  # type: ignore[arg-type]  # an iterable with a known length
            method="POST",
            headers={"Content-Type": body.content_type, "Content-Length": str(len(body))},
        )
        return self._send(request, timeout=UPLOAD_TIMEOUT, uploading=True)

    @contextmanager
    def _exchange(
        self,
        request: urllib.request.Request,
        *,
        timeout: float = TIMEOUT,
        uploading: bool = False,
        accept: str = "application/json",
    ) -> Iterator[HTTPResponse]:
        """Send ``request`` and give its (2xx) response; errors as in the module docstring,
        including those while the body is read."""
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", accept)
        request.add_header("User-Agent", USER_AGENT)
        try:
            with self._opener.open(request, timeout=timeout) as response:
                yield response
        except urllib.error.HTTPError as exc:
            raise self._error(exc) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, BrokenPipeError | ConnectionResetError):
                hint = " (a proxy in front of it may limit the request size)" if uploading else ""
                raise NetworkError(
                    f"The connection to {self.url} broke: {_describe(reason)}{hint}."
                ) from None
            raise NetworkError(f"Cannot reach {self.url}: {_describe(reason)}") from None
        except (OSError, HTTPException) as exc:  # reset mid-response, timeout while reading
            raise NetworkError(f"The connection to {self.url} broke: {_describe(exc)}") from None

    def _send(
        self, request: urllib.request.Request, *, timeout: float = TIMEOUT, uploading: bool = False
    ) -> Any:
        with self._exchange(request, timeout=timeout, uploading=uploading) as response:
            raw = response.read()
            status = response.status
        if status == 204 or not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(
                status=status,
                code="not_json",
                message=f"{self.url} did not answer like an MPP console "
                f"({request.full_url} returned {status} but no JSON). Check the URL.",
            ) from None

    def _error(self, exc: urllib.error.HTTPError) -> ApiError:
        request_id = exc.headers.get("X-Request-ID", "") if exc.headers else ""
        if 300 <= exc.code < 400:
            location = exc.headers.get("Location", "") if exc.headers else ""
            target = urllib.parse.urljoin(exc.url or self.url, location)
            base = re.sub(r"/api/v1/.*$", "", target)
            return ApiError(
                status=exc.code,
                code="redirect",
                message=f"{self.url} redirects to {base or location}; log in with that address: "
                f"mpp login --url {base or location}",
                request_id=request_id,
            )
        try:
            raw = exc.read()
        except (OSError, HTTPException):
            raw = b""
        try:
            error = json.loads(raw)["error"]
            return ApiError(
                status=exc.code,
                code=str(error.get("code") or "error"),
                message=str(error.get("message") or exc.reason),
                request_id=str(error.get("request_id") or request_id),
                fields={k: [str(m) for m in v] for k, v in (error.get("fields") or {}).items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            if exc.code == 413:
                message = "The server refused the upload as too large (413)."
            else:
                message = f"The server answered {exc.code} {exc.reason}."
            return ApiError(status=exc.code, code="http", message=message, request_id=request_id)


def _describe(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running, and is the URL right?)"
    if isinstance(reason, socket.gaierror):
        return "unknown host (check the URL)"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(reason, BrokenPipeError | ConnectionResetError):
        return "the server closed the connection"
    return str(reason) or type(reason).__name__
