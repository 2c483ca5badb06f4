"""Per-request context for logs and audit rows: the request id and the client IP.

This is diagnostic context only. Tenancy is never read from here: every query takes its
workspace as an explicit argument (STYLE.md §1.2).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = "-"
    ip: str | None = None


# RequestContext is a frozen dataclass: sharing one default instance is safe.
_current: ContextVar[RequestContext] = ContextVar(
    "mpp_request_context",
    default=RequestContext(),  # noqa: B039
)

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(candidate: str | None) -> str:
    """Keep a caller's X-Request-ID when it is a sane token, otherwise mint a new one."""
    if candidate and _VALID_ID.match(candidate):
        return candidate
    return new_request_id()


def current() -> RequestContext:
    return _current.get()


def current_request_id() -> str:
    return _current.get().request_id


def bind(*, request_id: str, ip: str | None = None):
    """Set the context; returns a token for :func:`reset`."""
    return _current.set(RequestContext(request_id=request_id, ip=ip))


def reset(token) -> None:
    _current.reset(token)


class RequestIDLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _current.get().request_id
        if request_id == "-":
            # Django logs 4xx/5xx ("Not Found: /x") after the middleware has returned and reset
            # the context; those records carry the request itself.
            request = getattr(record, "request", None)
            request_id = getattr(request, "request_id", None) or request_id
        record.request_id = request_id
        return True
