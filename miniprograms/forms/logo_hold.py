"""Keep a chosen logo across a form that comes back with problems.

Browsers never re-send a chosen file, so a profile form refused for its tagline would make the
person pick the logo again. Instead, a logo that passed its own rules is *held*: its bytes go
to the cache (the shared Redis in production) under a random key that expires, and the page
carries a signed token naming that key and the person it belongs to. Posting the form again
without a new file uses the held logo; a changed, expired or someone else's token is refused
(the person is asked to choose the file again), so a token can neither be forged nor replayed
by another account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from miniprograms import validators

SALT = "miniprograms.logo-hold"
HOLD_SECONDS = 60 * 60  # a page left open for an hour still keeps its logo
_CACHE_PREFIX = "miniprograms:logo-hold:"


@dataclass(frozen=True)
class HeldLogo:
    name: str
    content_type: str
    data: bytes

    def as_upload(self) -> UploadedFile:
        """A fresh file object the services accept like the original upload."""
        return SimpleUploadedFile(self.name, self.data, content_type=self.content_type)


def logo_hold(*, upload: UploadedFile, user_id: int) -> str:
    """Hold a logo that passed ``validators.validate_logo``; returns the token for the page."""
    upload.seek(0)
    data = upload.read(validators.LOGO_MAX_BYTES + 1)
    upload.seek(0)
    key = secrets.token_urlsafe(18)
    held = HeldLogo(
        name=upload.name or "logo.png",
        content_type=getattr(upload, "content_type", "") or "application/octet-stream",
        data=data,
    )
    cache.set(_CACHE_PREFIX + key, held, HOLD_SECONDS)
    return signing.dumps({"k": key, "u": user_id}, salt=SALT)


def logo_held(*, token: str, user_id: int) -> HeldLogo | None:
    """The logo a token holds for this user; ``None`` for a changed, expired or foreign token."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=HOLD_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        return None
    key = payload.get("k")
    if not isinstance(key, str):
        return None
    held = cache.get(_CACHE_PREFIX + key)
    return held if isinstance(held, HeldLogo) else None
