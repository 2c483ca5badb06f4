"""Accounts: sign-in bookkeeping, password changes and resets, profile edits.

Every write records an audit row (``workspace=None``: these are personal, not workspace, events).
The sign-in *flow* (session, pending two-factor step) is the view's business; this module only
records what happened and changes the user row.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from console.text import clean_display_text
from workspaces.models import User, normalize_email
from workspaces.services.audit import audit_record

SIGNIN_METHODS = frozenset({"password", "password+totp", "password+recovery_code"})


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: lock out on the normalised email, whatever the casing typed.

    Without this ``Alice@Example.com`` and ``alice@example.com`` would be counted separately, so
    an attacker could multiply the allowed guesses by varying the case.
    """
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    return normalize_email(raw or "") or None


def user_get_for_signin(*, user_id: int | str) -> User | None:
    """The active user a pending (two-factor) sign-in belongs to, or ``None``."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def signin_record(*, user: User, method: str) -> None:
    """Record a completed sign-in; ``method`` is one of :data:`SIGNIN_METHODS`."""
    if method not in SIGNIN_METHODS:
        raise ValueError(f"unknown sign-in method {method!r}")
    audit_record(actor=user, verb="auth.signin", target=user, after={"method": method})


def signin_failed_record(*, email: str) -> None:
    """Record a refused sign-in. The actor is unknown: the label is the email that was tried."""
    audit_record(actor=None, verb="auth.signin_failed", actor_label=normalize_email(email))


def signout_record(*, user: User) -> None:
    audit_record(actor=user, verb="auth.signout", target=user)


def user_password_change(*, user: User, new_password: str) -> User:
    """Set a new password chosen by the signed-in user (the form checked the old one).

    Other sessions of the user stop working: their session hash no longer matches. The caller
    keeps the current session with ``update_session_auth_hash``.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=user, verb="user.password_change", target=user)
    return user


def user_password_reset(*, user: User, new_password: str) -> User:
    """Set a new password through a valid reset link, and lift any sign-in lockout.

    Whoever can read the account's mail may reset it, so the throttling that protected the old
    password has done its job: the owner must be able to sign in right away.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=user, verb="user.password_reset", target=user)
    axes_reset(username=normalize_email(user.email))
    return user


@cache
def timezone_names() -> tuple[str, ...]:
    """The IANA time zone names a user may pick, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def user_update(*, user: User, name: str, timezone: str) -> User:
    """Edit the profile; audits the changed fields only (no row when nothing changed)."""
    if timezone not in timezone_names():
        raise ValidationError({"timezone": _("Choose a time zone from the list.")})
    name = clean_display_text(name, label="Your name", field="name")
    wanted = {"name": name, "timezone": timezone}
    before = {
        field: getattr(user, field) for field in wanted if getattr(user, field) != wanted[field]
    }
    if not before:
        return user
    for field in before:
        setattr(user, field, wanted[field])
    user.full_clean(exclude=["password", "email"])
    with transaction.atomic():
        user.save(update_fields=list(before))
        audit_record(
            actor=user,
            verb="user.update",
            target=user,
            before=before,
            after={field: wanted[field] for field in before},
        )
    return user
