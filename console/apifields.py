"""The fields of the machine-facing JSON APIs (the open API's sends and subscriptions, the OAuth
token endpoints): one rule each, shared, so that every API words a bad field the same way.

Each check takes ``bad``, the API's own ``bad_request`` error made from a sentence (a
``SubscriptionError`` or an ``OAuthError``), and raises it. This module imports no app."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from console.text import has_control

APP_ID_RE = re.compile(r"[1-9][0-9]{15}")  # a mini program's App ID: 16 digits, no leading 0

Bad = Callable[[str], Exception]


def json_object(raw: bytes, *, bad: Bad) -> dict[str, Any]:
    """The body as a JSON object."""
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise bad("The body must be a JSON object.")
    return payload


def required_text(payload: dict[str, Any], name: str, limit: int, *, bad: Bad) -> str:
    """``payload[name]``: a string, trimmed, not empty, at most ``limit`` characters, without
    control characters."""
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad(f"“{name}” is required (a string).")
    value = value.strip()
    if len(value) > limit:
        raise bad(f"“{name}” is longer than {limit} characters.")
    if has_control(value):
        raise bad(f"“{name}” contains control characters.")
    return value


def required_app_id(payload: dict[str, Any], *, bad: Bad) -> str:
    """``payload["app_id"]``: a mini program's 16-digit App ID."""
    app_id = required_text(payload, "app_id", 16, bad=bad)
    if not APP_ID_RE.fullmatch(app_id):
        raise bad("“app_id” is a mini program's 16-digit App ID.")
    return app_id
