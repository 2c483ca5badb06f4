"""Keep an uploaded target list (.txt) across a create form that comes back with problems.

Browsers never re-send a chosen file, so a task refused for its end time would make the person
choose their 50,000-line list again. Instead, a list file whose every line is valid is *held*:
its parsed values go to the cache (the shared Redis in production) under a random key that
expires, and the page carries a signed token naming that key, the person and the kind of list
(``miniprograms.forms.logo_hold`` does the same for logos). Posting again without a new file
uses the held list; a changed, expired or someone else's token is refused (the person is asked
to choose the file again), so a token can neither be forged nor replayed by another account.
A file with a bad line is never held: it must be fixed and chosen again, and the service
reports its lines by number.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

SALT = "releases.grayscale.list-hold"
HOLD_SECONDS = 60 * 60  # a page left open for an hour still keeps its list
_CACHE_PREFIX = "releases:grayscale:list-hold:"
NAME_MAX = 120


@dataclass(frozen=True)
class HeldList:
    """A held list: the file's name, its kind, and its values (parsed: stripped, blank lines
    skipped, duplicates collapsed)."""

    name: str
    kind: str
    values: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def text(self) -> str:
        return "\n".join(self.values)


def list_hold(*, name: str, values: Sequence[str], kind: str, user_id: int) -> tuple[str, HeldList]:
    """Hold the ``values`` of a list file named ``name`` — parsed by ``parse_target_list``
    without a bad line (callers never hold one with a bad line) — for ``user_id``; returns (the
    token for the page, the held list)."""
    held = HeldList(name=(name or "list.txt")[:NAME_MAX], kind=kind, values=tuple(values))
    key = secrets.token_urlsafe(18)
    cache.set(_CACHE_PREFIX + key, held, HOLD_SECONDS)
    return signing.dumps({"k": key, "u": user_id, "t": kind}, salt=SALT), held


def list_held(*, token: str, kind: str, user_id: int) -> HeldList | None:
    """The list a token holds for this user and kind; ``None`` for a changed, expired or
    foreign token."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=HOLD_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id or payload.get("t") != kind:
        return None
    key = payload.get("k")
    if not isinstance(key, str):
        return None
    held = cache.get(_CACHE_PREFIX + key)
    return held if isinstance(held, HeldList) and held.kind == kind else None
