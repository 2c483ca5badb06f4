"""Self-service sign-up: a new account without an invitation (``/welcome/signup/``).

Invited people sign up through ``invitation_accept_with_signup`` instead; this path is for
someone who will create their own first workspace, and is closed by ``MPP_ALLOW_SIGNUP=False``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from workspaces.models import User, normalize_email
from workspaces.services.audit import audit_record

EMAIL_TAKEN = "An account with this email address already exists. Sign in instead."


def signup_allowed() -> bool:
    return bool(getattr(settings, "MPP_ALLOW_SIGNUP", True))


def user_signup(*, email: str, name: str, password: str) -> User:
    """Create an account (email normalised, password run through Django's validators).

    Raises ``ValidationError`` keyed by ``email``/``name``/``password`` for refused input, and a
    plain one when sign-up is closed. Audits ``user.signup``. Does not sign the user in.
    """
    if not signup_allowed():
        raise ValidationError("Sign-up is closed. Ask a workspace admin for an invitation.")
    email = normalize_email(email)
    name = (name or "").strip()
    candidate = User(email=email, name=name)
    errors: dict[str, list[str]] = {}
    try:
        candidate.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as exc:
        errors.update({k: v for k, v in exc.message_dict.items() if k in ("email", "name")})
    if "email" not in errors and User.objects.filter(email=email).exists():
        errors["email"] = [EMAIL_TAKEN]
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            audit_record(actor=user, verb="user.signup", target=user, after={"email": email})
    except IntegrityError as exc:  # the same address signed up concurrently
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
    return user
