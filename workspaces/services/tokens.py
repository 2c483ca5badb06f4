"""Personal API tokens: create, revoke, authenticate (STYLE.md §10b).

A token reads ``mpp_<prefix>_<secret>``. The prefix is public (it finds the row and is shown in
lists); only ``keyed_hash(token)`` is stored, so the token is shown exactly once, at creation.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from console.text import normalize_text, refuse_forbidden_characters
from workspaces import keys
from workspaces.models import ApiToken, User
from workspaces.selectors import api_token_active_count
from workspaces.services.audit import audit_record

SCHEME = "mpp"  # every MPP token starts "mpp_": easy to spot in leaks and scanners
MAX_ACTIVE_TOKENS = 50
NAME_MAX_LENGTH = 80

_TOKEN_RE = re.compile(r"^mpp_(?P<prefix>[a-z0-9]{8})_(?P<secret>[A-Za-z0-9]{32,128})$")


class TokenRejected(Exception):
    """A presented token cannot authenticate; ``code`` is the API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid() -> TokenRejected:
    return TokenRejected("token_invalid", "Invalid API token.")


def _audit_after(token: ApiToken) -> dict[str, str | None]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


def token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns ``(token, raw)``. ``raw`` is never stored or logged.

    Refuses (``ValidationError``) an empty or over-long name, an expiry that is not in the
    future, and a user who already holds ``MAX_ACTIVE_TOKENS`` active tokens.
    """
    name = normalize_text(name)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the token a name, e.g. the machine or CI job that will use it."]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [f"Use at most {NAME_MAX_LENGTH} characters."]
    else:
        try:
            refuse_forbidden_characters(name, label="The token name")
        except ValidationError as exc:
            errors["name"] = exc.messages
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = ["The expiry date must be in the future."]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Serialise concurrent creations by the same user so the limit cannot be overshot.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if api_token_active_count(user=user, now=now) >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"You already have {MAX_ACTIVE_TOKENS} active API tokens, the most allowed. "
                "Revoke one you no longer use, then create a new one."
            )
        for attempt in range(5):
            prefix = keys.random_prefix()
            raw = f"{SCHEME}_{prefix}_{keys.random_secret()}"
            token = ApiToken(
                user=user,
                name=name,
                prefix=prefix,
                key_hash=keys.keyed_hash(raw),
                expires_at=expires_at,
            )
            try:
                with transaction.atomic():  # a savepoint: a prefix collision only retries
                    token.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        audit_record(actor=user, verb="api_token.create", target=token, after=_audit_after(token))
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of ``actor``'s own tokens. Revoking a revoked token changes nothing.

    Someone else's token and a missing one both raise ``Http404`` (no existence leak).
    """
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=actor.pk).first()
    if token is None:
        raise Http404("No such API token.")
    if token.revoked_at is not None:
        return token  # double click or a retried API call
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, verb="api_token.revoke", target=token, after=_audit_after(token))
    return token


def token_authenticate(*, raw: str, ip: str | None) -> ApiToken:
    """The active token ``raw`` names, with its user loaded; raises :class:`TokenRejected`.

    The secret is checked before anything about the row is revealed, so a guessed prefix
    learns nothing (not even whether it was revoked). ``last_used_at``/``last_used_ip`` are
    written at most once per ``settings.API_TOKEN_LAST_USED_RESOLUTION``.
    """
    match = _TOKEN_RE.match(raw or "")
    if match is None:
        raise _invalid()
    token = ApiToken.objects.select_related("user").filter(prefix=match["prefix"]).first()
    if token is None or not keys.keyed_hash_matches(raw, token.key_hash):
        raise _invalid()
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRejected("token_revoked", "This API token was revoked.")
    if token.is_expired(now):
        raise TokenRejected(
            "token_expired", f"This API token expired on {token.expires_at:%Y-%m-%d}."
        )
    if not token.user.is_active:
        raise TokenRejected("user_inactive", "The account this API token belongs to is disabled.")
    _touch(token=token, ip=ip, now=now)
    return token


def _touch(*, token: ApiToken, ip: str | None, now: datetime) -> None:
    """Record use, but write at most once per resolution window (not on every request)."""
    ip = _valid_ip(ip)
    stale_before = now - settings.API_TOKEN_LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at >= stale_before:
        return  # recent enough: no query at all
    # Conditional: of two concurrent requests only one writes.
    updated = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before))
        .update(last_used_at=now, last_used_ip=ip)
    )
    if updated:
        token.last_used_at, token.last_used_ip = now, ip


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None  # an odd REMOTE_ADDR (unix socket, test client) must not break the request
