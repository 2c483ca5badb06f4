"""Self-service sign-up (``/welcome/signup/``), confirmed by email.

Invited people sign up through ``invitation_accept_with_signup`` instead (the invitation proves
the address); this path is for someone who will create their own first workspace, and is closed
by ``MPP_ALLOW_SIGNUP=False``.

Two steps, and no password material ever travels in a link:

1. :func:`signup_request` takes a name and an address and sends one email whatever the address:
   to a new address a signed, expiring link that carries only the name and the address (no row
   exists until the link is confirmed, so nobody can squat an address they cannot read); to a
   registered one a note saying the account exists, with sign-in and reset links. Both paths do
   the same work (one lookup, the same context built, one template rendered, one email queued)
   and the page answers the same "check your inbox", so neither the answer nor its timing tells
   whether the address is registered.
2. :func:`signup_confirm` runs when the link's page is posted with the password chosen there
   (and the name, editable): it creates the account. A link is single-use because the address
   is unique: once an account has it, the link (and any other link for the address) is refused,
   and two confirmations at once meet the unique constraint.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from console.tasks import email_enqueue
from console.text import clean_display_text
from workspaces.models import User, normalize_email
from workspaces.services.audit import audit_record

SALT = "workspaces.signup"
CLOSED = "Sign-up is closed. Ask a workspace admin for an invitation."
LINK_INVALID = "This sign-up link is not valid. Check that you copied all of it, or sign up again."
LINK_EXPIRED = "This sign-up link has expired. Sign up again to get a new one."
LINK_USED = "This address already has an account — sign in or reset your password."
LINK_REFUSALS = frozenset({"invalid", "expired", "used"})  # the link itself no longer works


def signup_allowed() -> bool:
    return bool(getattr(settings, "MPP_ALLOW_SIGNUP", True))


def signup_link_max_age() -> int:
    """Seconds a sign-up link stays valid (``SIGNUP_LINK_HOURS``)."""
    return int(getattr(settings, "MPP_SIGNUP_LINK_MAX_AGE", 24 * 60 * 60))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _clean_identity(*, email: str, name: str) -> tuple[str, str, dict[str, list[str]]]:
    """``(email, name)`` normalised, and the refusals keyed by ``email``/``name``."""
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    try:
        name = clean_display_text(name, label="Your name")
    except ValidationError as exc:
        errors["name"] = exc.messages
    try:
        User(email=email, name=name).full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        for key in ("email", "name"):
            if key in exc.message_dict and key not in errors:
                errors[key] = exc.message_dict[key]
    return email, name, errors


def signup_request(*, email: str, name: str) -> str:
    """Validate a sign-up and email the address; returns the normalised address.

    Raises ``ValidationError`` keyed by ``email``/``name`` for refused input (the same for a new
    and a registered address), and a plain one when sign-up is closed. Creates nothing: the
    account is made by :func:`signup_confirm` from the emailed link's page.
    """
    if not signup_allowed():
        raise ValidationError(CLOSED)
    email, name, errors = _clean_identity(email=email, name=name)
    if errors:
        raise ValidationError(errors)
    registered = User.objects.filter(email=email).exists()
    # The same context on both paths (only the template differs), so both do the same work.
    token = _signer().sign_object({"e": email, "n": name}, compress=True)
    context: dict[str, Any] = {
        "name": name,
        "email": email,
        "site_url": settings.SITE_URL,
        "link": settings.SITE_URL + reverse("onboarding:signup-confirm", args=[token]),
        "hours": signup_link_max_age() // 3600,
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "reset_url": settings.SITE_URL + reverse("accounts:password-reset"),
    }
    template = (
        "workspaces/email/signup_existing" if registered else "workspaces/email/signup_confirm"
    )
    subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines())
    email_enqueue(to=[email], subject=subject, body=render_to_string(f"{template}.txt", context))
    return email


def signup_link_read(*, token: str) -> dict[str, str]:
    """The ``email`` and ``name`` a sign-up link carries.

    Refused (``ValidationError`` with code ``invalid``, ``expired`` or ``used``): a bad or
    expired link, and a link whose address has an account by now.
    """
    try:
        data = _signer().unsign_object(token, max_age=signup_link_max_age())
    except signing.SignatureExpired as exc:
        raise ValidationError(LINK_EXPIRED, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(LINK_INVALID, code="invalid") from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "en"):
        raise ValidationError(LINK_INVALID, code="invalid")
    email = normalize_email(data["e"])
    if User.objects.filter(email=email).exists():
        raise ValidationError(LINK_USED, code="used")
    return {"email": email, "name": data["n"]}


def signup_confirm(*, token: str, name: str, password: str) -> User:
    """Create the account a sign-up link describes, with the name and password chosen on the
    link's page; audits ``user.signup``. Not signed in here.

    Refused (``ValidationError``): sign-up closed; a bad, expired or used link (codes as in
    :func:`signup_link_read`); a refused name or password, keyed by ``name``/``password``.
    """
    if not signup_allowed():
        raise ValidationError(CLOSED)
    email = signup_link_read(token=token)["email"]
    email, name, errors = _clean_identity(email=email, name=name)
    try:
        validate_password(password, user=User(email=email, name=name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            audit_record(actor=user, verb="user.signup", target=user, after={"email": email})
    except IntegrityError as exc:  # the same link confirmed twice at once
        raise ValidationError(LINK_USED, code="used") from exc
    return user
