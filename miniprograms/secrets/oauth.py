"""OAuth for mini programs (issue 12): the SDK gets an **authCode** for a signed-in user of its
super app; the merchant's backend exchanges it, with the App ID and AppSecret, for an
**accessToken** and the mini program's id of that user.

* authCode: bound to one mini program, one host app and the host app's user id; lives
  ``AUTH_CODE_TTL`` (10 minutes); single use — the exchange consumes it with one conditional
  ``UPDATE … WHERE used_at IS NULL``, so of two concurrent exchanges exactly one wins. A code
  presented again (``code_used``) also revokes the token it was exchanged for (RFC 6749 §4.1.2).
* accessToken: lives the mini program's ``access_token_ttl`` (10 minutes by default). The
  backend may also ask one for itself, without a user (``grant_type=client_credentials``, the
  App ID and AppSecret): an *app* token, which sends subscription messages to any subscribed
  user of the mini program.
* The user id handed to the merchant is a keyed hash of (App ID, host app, host app user id):
  stable for that user in that mini program, unrelated between mini programs.

Each refusal is an :class:`OAuthError` with its own code (the endpoints answer it in the API's
error shape). These functions are called by the public endpoints, not by people: nothing here
is a console change, so nothing is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.secrets.models import (
    ACCESS_TOKEN_TTL_DEFAULT,
    AUTH_CODE_TTL,
    AppSecret,
    OAuthAccessToken,
    OAuthCode,
)
from workspaces import keys
from workspaces.models import HostApp

CODE_PREFIX = "ac_"
TOKEN_PREFIX = "at_"  # noqa: S105 — a public prefix, not a secret
OPEN_ID_LENGTH = 32  # hex characters: 128 bits

# code -> (HTTP status, message)
ERRORS: dict[str, tuple[int, str]] = {
    "bad_request": (400, "The request is malformed."),
    "too_large": (413, "The body is too large."),
    "unsupported_media_type": (415, "Send the body as application/json (or form-encoded)."),
    "invalid_token": (401, "A missing, unknown, expired or revoked accessToken."),
    "unauthenticated": (401, "A missing or wrong SDK key or secret."),
    "key_frozen": (
        403,
        "This host app's SDK key is frozen: the tenant's owner or an admin can unfreeze it on "
        "the host app page.",
    ),
    "unknown_app": (404, "No mini program with this App ID is released to this host app."),
    "off_shelf": (403, "This mini program is off shelf."),
    "offline": (403, "This mini program was taken offline from this host app."),
    "invalid_secret": (401, "No mini program has this App ID, or the AppSecret is wrong."),
    "secret_not_generated": (
        401,
        "This mini program has no AppSecret yet: its Owner or an Admin generates one in the "
        "console (Development › Keys).",
    ),
    "secret_frozen": (
        403,
        "This mini program's AppSecret is frozen: its Owner or an Admin can unfreeze it in the "
        "console (Development › Keys).",
    ),
    "invalid_code": (400, "The authCode is unknown, or was issued for another mini program."),
    "code_used": (
        400,
        "The authCode was already exchanged (an authCode works once); the token issued for it "
        "is revoked. Ask the SDK for a new one.",
    ),
    "code_expired": (
        400,
        "The authCode expired (it lives 10 minutes). Ask the SDK for a new one.",
    ),
    "throttled": (429, "Too many requests for this App ID: at most %(limit)d per second."),
}


class OAuthError(Exception):
    def __init__(self, code: str, message: str | None = None) -> None:
        status, default = ERRORS[code]
        super().__init__(message or default)
        self.code, self.status, self.message = code, status, message or default


@dataclass(frozen=True)
class IssuedCode:
    auth_code: str
    expires_in: int


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    expires_at: datetime
    user_id: str
    app_id: str


def open_user_id(*, app_id: str, host_app_id: int, user_id: str) -> str:
    """The mini program's id of a host app's user: stable, and different in every mini
    program (a keyed hash, so nobody can compute it without the server's pepper)."""
    return keys.keyed_hash(f"oauth-user\x1f{app_id}\x1f{host_app_id}\x1f{user_id}")[:OPEN_ID_LENGTH]


def auth_code_issue(*, host_app: HostApp, app_id: str, user_id: str) -> IssuedCode:
    """An authCode for ``user_id`` (the host app's id of its signed-in user) in the mini program
    ``app_id``. The mini program must be linked to ``host_app``, on shelf, and not taken
    offline there (``unknown_app``, ``off_shelf``, ``offline``)."""
    link = (
        MiniProgramHostApp.objects.select_related("miniprogram")
        .filter(host_app=host_app, miniprogram__app_id=app_id)
        .first()
    )
    if link is None:
        raise OAuthError("unknown_app")
    if not link.miniprogram.is_on_shelf:
        raise OAuthError("off_shelf")
    if not link.is_active:
        raise OAuthError("offline")
    code = CODE_PREFIX + keys.random_secret()
    now = timezone.now()
    OAuthCode.objects.create(
        code_hash=keys.keyed_hash(code),
        miniprogram=link.miniprogram,
        host_app=host_app,
        user_id=user_id,
        created_at=now,
        expires_at=now + timedelta(seconds=AUTH_CODE_TTL),
    )
    return IssuedCode(auth_code=code, expires_in=AUTH_CODE_TTL)


def _client(app_id: str, secret: str) -> tuple[MiniProgram, AppSecret | None]:
    """The mini program whose AppSecret this is, or the refusal (wrong before frozen: a frozen
    secret is told apart only when it is the right one)."""
    mp = MiniProgram.objects.filter(app_id=app_id).first()
    if mp is None:
        raise OAuthError("invalid_secret")
    app_secret = AppSecret.objects.filter(miniprogram=mp).first()
    if app_secret is None or not app_secret.has_secret:
        raise OAuthError("secret_not_generated")
    if not keys.keyed_hash_matches(secret, app_secret.secret_hash):
        raise OAuthError("invalid_secret")
    if app_secret.is_frozen:
        raise OAuthError("secret_frozen")
    return mp, app_secret


def _refusal(code_hash: str, miniprogram: MiniProgram, now: datetime) -> OAuthError:
    """Why the code could not be consumed; a replay also revokes the token it gave."""
    row = OAuthCode.objects.filter(code_hash=code_hash, miniprogram=miniprogram).first()
    if row is None:
        return OAuthError("invalid_code")
    if row.used_at is not None:
        OAuthAccessToken.objects.filter(code=row, revoked_at__isnull=True).update(revoked_at=now)
        return OAuthError("code_used")
    return OAuthError("code_expired")


def access_token_exchange(*, app_id: str, app_secret: str, auth_code: str) -> IssuedToken:
    """Exchange an authCode of the mini program ``app_id`` for an accessToken, authenticated
    with its AppSecret. Refusals: ``invalid_secret``, ``secret_not_generated``,
    ``secret_frozen``, ``invalid_code``, ``code_used``, ``code_expired``."""
    mp, settings_row = _client(app_id, app_secret)
    code_hash = keys.keyed_hash(auth_code)
    now = timezone.now()
    with transaction.atomic():
        won = OAuthCode.objects.filter(
            code_hash=code_hash, miniprogram=mp, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if won:
            code = OAuthCode.objects.get(code_hash=code_hash)
            ttl = settings_row.access_token_ttl if settings_row else ACCESS_TOKEN_TTL_DEFAULT
            token = TOKEN_PREFIX + keys.random_secret()
            user = open_user_id(
                app_id=mp.app_id, host_app_id=code.host_app_id, user_id=code.user_id
            )
            expires_at = now + timedelta(seconds=ttl)
            OAuthAccessToken.objects.create(
                token_hash=keys.keyed_hash(token),
                miniprogram=mp,
                host_app_id=code.host_app_id,
                code=code,
                open_user_id=user,
                created_at=now,
                expires_at=expires_at,
            )
            return IssuedToken(
                access_token=token,
                expires_in=ttl,
                expires_at=expires_at,
                user_id=user,
                app_id=mp.app_id,
            )
    with transaction.atomic():
        raise_this = _refusal(code_hash, mp, now)
    raise raise_this


def access_token_for_app(*, app_id: str, app_secret: str) -> IssuedToken:
    """An **app** accessToken (``grant_type=client_credentials``): it speaks for the mini
    program's backend, not for one user (``user_id`` is empty), and lives as long as a user's.
    What the backend sends subscription messages with. Refusals: ``invalid_secret``,
    ``secret_not_generated``, ``secret_frozen``."""
    mp, settings_row = _client(app_id, app_secret)
    now = timezone.now()
    ttl = settings_row.access_token_ttl if settings_row else ACCESS_TOKEN_TTL_DEFAULT
    token = TOKEN_PREFIX + keys.random_secret()
    expires_at = now + timedelta(seconds=ttl)
    OAuthAccessToken.objects.create(
        token_hash=keys.keyed_hash(token),
        miniprogram=mp,
        host_app=None,
        open_user_id="",
        created_at=now,
        expires_at=expires_at,
    )
    return IssuedToken(
        access_token=token, expires_in=ttl, expires_at=expires_at, user_id="", app_id=mp.app_id
    )


def access_token_get(*, token: str) -> OAuthAccessToken | None:
    """The live accessToken ``token`` (not expired, not revoked) with its mini program, or
    ``None``: what an endpoint called with an accessToken checks."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return (
        OAuthAccessToken.objects.select_related("miniprogram")
        .filter(
            token_hash=keys.keyed_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


PURGE_AFTER = timedelta(days=1)  # expired codes and tokens are kept a day (replays, support)
PURGE_BATCH = 5_000


def oauth_purge_expired(*, now: datetime | None = None) -> int:
    """Delete authCodes and accessTokens expired more than ``PURGE_AFTER`` ago, in batches;
    returns how many rows went. Safe to run any number of times (the hourly sweeper)."""
    cutoff = (now or timezone.now()) - PURGE_AFTER
    deleted = 0
    for model in (OAuthAccessToken, OAuthCode):
        while True:
            ids = list(
                model.objects.filter(expires_at__lt=cutoff).values_list("pk", flat=True)[
                    :PURGE_BATCH
                ]
            )
            if not ids:
                break
            deleted += model.objects.filter(pk__in=ids).delete()[0]
    return deleted
