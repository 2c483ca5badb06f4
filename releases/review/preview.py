"""The reviewer preview (TCSAS): a deep link into the host app that opens exactly the version
under review, carried by a QR code on the request page.

``<scheme>://preview?app_id=…&version=…&token=…`` — the scheme is the host app's
(``HostApp.preview_scheme``); the token is signed with the server's secret key under a salt of
its own (so no other signed value of the platform can pass for one), names the release, the App
ID, the version and the host app, and expires after :data:`PREVIEW_MAX_AGE`. The runtime API
(next issue) answers a preview request only with a token :func:`preview_token_verify` accepts,
for the App ID and version the link names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.core import signing
from qrcode.constants import ERROR_CORRECT_M

from releases.models import Release

PREVIEW_SALT = "mpp.releases.review.preview"
PREVIEW_MAX_AGE = timedelta(hours=24)


class PreviewTokenInvalid(Exception):
    """The token is not one this platform made, was altered, or names another version."""


class PreviewTokenExpired(PreviewTokenInvalid):
    """The token was genuine but is older than :data:`PREVIEW_MAX_AGE`."""


@dataclass(frozen=True)
class PreviewGrant:
    """What a valid token lets a phone open: one version of one mini program in one host app."""

    release_id: int
    app_id: str
    version: str
    host_app_id: int


def preview_token_make(*, release: Release) -> str:
    """A token for ``release`` (its version, mini program and host app loaded), valid 24 h."""
    claims = {
        "r": release.pk,
        "a": release.target.miniprogram.app_id,
        "v": release.version.number,
        "h": release.target.host_app_id,
    }
    return signing.dumps(claims, salt=PREVIEW_SALT, compress=False)


def preview_token_verify(
    token: str, *, app_id: str | None = None, version: str | None = None
) -> PreviewGrant:
    """The grant a token carries, or :class:`PreviewTokenExpired` (older than 24 h) /
    :class:`PreviewTokenInvalid` (not signed by us under this salt, altered, malformed, or not
    for the ``app_id`` / ``version`` the link names, when given)."""
    try:
        claims = signing.loads(token or "", salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise PreviewTokenExpired("The preview link has expired: open the request again.") from exc
    except signing.BadSignature as exc:
        raise PreviewTokenInvalid("This is not a valid preview link.") from exc
    try:
        grant = PreviewGrant(
            release_id=int(claims["r"]),
            app_id=str(claims["a"]),
            version=str(claims["v"]),
            host_app_id=int(claims["h"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PreviewTokenInvalid("This is not a valid preview link.") from exc
    if (app_id is not None and app_id != grant.app_id) or (
        version is not None and version != grant.version
    ):
        raise PreviewTokenInvalid("This preview link is for another version.")
    return grant


def preview_link(*, scheme: str, release: Release) -> str:
    """The deep link a reviewer's phone opens: ``<scheme>://preview?app_id=…&version=…&token=…``."""
    query = urlencode(
        {
            "app_id": release.target.miniprogram.app_id,
            "version": release.version.number,
            "token": preview_token_make(release=release),
        }
    )
    return f"{scheme}://preview?{query}"


def preview_qr_svg(link: str) -> str:
    """``link`` as a QR code: inline SVG markup (no image file, no external service), sized by
    CSS through its viewBox."""
    image = qrcode.make(
        link,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
        error_correction=ERROR_CORRECT_M,
    )
    svg = str(image.to_string(encoding="unicode"))
    # The same library as the 2FA code; drop its fixed millimetre size so CSS sizes it.
    # Inline in HTML, the namespace is implied: drop it too.
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)
    return re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="qr-code"', svg, count=1)
