"""Refusals for "too many, too fast": a service raises :class:`LimitReached`.

It is a ``ValidationError``, so a console form shows it like any other refusal; the API's
exception handler answers it with 429 (the one error shape, code ``throttled``) and a
``Retry-After`` header. This module imports no app.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class LimitReached(ValidationError):
    """A per-user limit was reached; ``retry_after`` is the wait in seconds (at least 1)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="throttled")
        self.retry_after = max(1, int(retry_after))
