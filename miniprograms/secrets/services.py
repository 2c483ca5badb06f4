"""The AppSecret of a mini program: generate, reset, freeze, unfreeze, and its OAuth settings.

Only ``MANAGE_APP_SECRET`` (the Owner and Admins of the mini program's workspace) may call
these. A new secret is returned once, to be shown once; only its keyed hash is stored
(``workspaces.keys.keyed_hash``), so resetting replaces the hash and the old secret stops
working at the next exchange. Every change is audited (never the secret or its hash).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from miniprograms.models import MiniProgram
from miniprograms.secrets.models import ACCESS_TOKEN_TTL_MAX, ACCESS_TOKEN_TTL_MIN, AppSecret
from workspaces import authz, keys
from workspaces.authz import Cap
from workspaces.models import Membership
from workspaces.services.audit import audit_record

SECRET_LENGTH = 40  # letters and digits: about 238 bits


def _locked(miniprogram: MiniProgram) -> AppSecret:
    """The mini program's AppSecret row, created if missing, locked for this transaction."""
    AppSecret.objects.get_or_create(miniprogram=miniprogram)
    return AppSecret.objects.select_for_update().get(miniprogram=miniprogram)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _state(app_secret: AppSecret) -> dict[str, object]:
    return {"state": app_secret.state, "generated_at": _iso(app_secret.generated_at)}


def _audit(
    *, actor: Membership, verb: str, app_secret: AppSecret, before: dict, after: dict
) -> None:
    mp = app_secret.miniprogram
    audit_record(
        actor=actor.user,
        verb=verb,
        workspace=mp.workspace,
        target=mp,
        before=before,
        after=after,
    )


def _issue(*, actor: Membership, app_secret: AppSecret) -> str:
    secret = keys.random_secret(length=SECRET_LENGTH)
    app_secret.secret_hash = keys.keyed_hash(secret)
    app_secret.generated_at = timezone.now()
    app_secret.generated_by = actor.user
    app_secret.save(update_fields=["secret_hash", "generated_at", "generated_by", "updated_at"])
    return secret


@transaction.atomic
def appsecret_generate(*, actor: Membership, miniprogram: MiniProgram) -> tuple[AppSecret, str]:
    """The mini program's first AppSecret: ``(row, secret)``; the secret is never readable
    again. Refused when one exists (reset it instead)."""
    authz.require(actor, Cap.MANAGE_APP_SECRET, miniprogram)
    app_secret = _locked(miniprogram)
    if app_secret.has_secret:
        raise ValidationError(
            _("“%(name)s” already has an AppSecret. Reset it to get a new one.")
            % {"name": miniprogram.name},
            code="exists",
        )
    before = _state(app_secret)
    secret = _issue(actor=actor, app_secret=app_secret)
    _audit(
        actor=actor,
        verb="miniprogram.appsecret_generate",
        app_secret=app_secret,
        before=before,
        after=_state(app_secret),
    )
    return app_secret, secret


@transaction.atomic
def appsecret_reset(*, actor: Membership, miniprogram: MiniProgram) -> tuple[AppSecret, str]:
    """A new AppSecret in place of the current one, which stops working at once. A frozen
    secret stays frozen (freeze, reset, then unfreeze replaces a leaked secret safely)."""
    authz.require(actor, Cap.MANAGE_APP_SECRET, miniprogram)
    app_secret = _locked(miniprogram)
    if not app_secret.has_secret:
        raise ValidationError(
            _("“%(name)s” has no AppSecret yet: generate one.") % {"name": miniprogram.name},
            code="missing",
        )
    before = _state(app_secret)
    secret = _issue(actor=actor, app_secret=app_secret)
    _audit(
        actor=actor,
        verb="miniprogram.appsecret_reset",
        app_secret=app_secret,
        before=before,
        after=_state(app_secret),
    )
    return app_secret, secret


def _set_frozen(*, actor: Membership, miniprogram: MiniProgram, frozen: bool) -> AppSecret:
    authz.require(actor, Cap.MANAGE_APP_SECRET, miniprogram)
    app_secret = _locked(miniprogram)
    if not app_secret.has_secret:
        raise ValidationError(
            _("“%(name)s” has no AppSecret yet: generate one.") % {"name": miniprogram.name},
            code="missing",
        )
    if app_secret.is_frozen == frozen:
        return app_secret  # a double click, or two admins at once: nothing to do
    before = {**_state(app_secret), "frozen_at": _iso(app_secret.frozen_at)}
    app_secret.frozen_at = timezone.now() if frozen else None
    app_secret.frozen_by = actor.user if frozen else None
    app_secret.save(update_fields=["frozen_at", "frozen_by", "updated_at"])
    after = {**_state(app_secret), "frozen_at": _iso(app_secret.frozen_at)}
    _audit(
        actor=actor,
        verb="miniprogram.appsecret_freeze" if frozen else "miniprogram.appsecret_unfreeze",
        app_secret=app_secret,
        before=before,
        after=after,
    )
    return app_secret


@transaction.atomic
def appsecret_freeze(*, actor: Membership, miniprogram: MiniProgram) -> AppSecret:
    """Refuse every exchange with this AppSecret (``secret_frozen``) until it is unfrozen.
    Freezing a frozen secret changes nothing."""
    return _set_frozen(actor=actor, miniprogram=miniprogram, frozen=True)


@transaction.atomic
def appsecret_unfreeze(*, actor: Membership, miniprogram: MiniProgram) -> AppSecret:
    """Let the (same) AppSecret work again. Unfreezing an active secret changes nothing."""
    return _set_frozen(actor=actor, miniprogram=miniprogram, frozen=False)


@transaction.atomic
def oauth_settings_update(
    *, actor: Membership, miniprogram: MiniProgram, access_token_ttl: int
) -> AppSecret:
    """How long the accessTokens of this mini program live (seconds, from a minute to below
    24 hours). Tokens already issued keep their expiry."""
    authz.require(actor, Cap.MANAGE_APP_SECRET, miniprogram)
    if not ACCESS_TOKEN_TTL_MIN <= access_token_ttl <= ACCESS_TOKEN_TTL_MAX:
        raise ValidationError(
            {
                "access_token_ttl": _(
                    "An access token lives from %(min)d seconds to %(max)d seconds (below "
                    "24 hours)."
                )
                % {"min": ACCESS_TOKEN_TTL_MIN, "max": ACCESS_TOKEN_TTL_MAX}
            }
        )
    app_secret = _locked(miniprogram)
    if app_secret.access_token_ttl == access_token_ttl:
        return app_secret
    before = {"access_token_ttl": app_secret.access_token_ttl}
    app_secret.access_token_ttl = access_token_ttl
    app_secret.save(update_fields=["access_token_ttl", "updated_at"])
    _audit(
        actor=actor,
        verb="miniprogram.oauth_settings",
        app_secret=app_secret,
        before=before,
        after={"access_token_ttl": access_token_ttl},
    )
    return app_secret
