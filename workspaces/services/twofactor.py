"""Two-factor authentication: TOTP enrolment, recovery codes, code verification.

A user has two-factor on when they own a *confirmed* ``TOTPDevice``. Recovery codes are one
``StaticDevice`` whose ``StaticToken`` rows are single-use (django-otp deletes a token when it
matches). django-otp's own throttling applies to both devices (delay doubling per failure).
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from workspaces.models import User
from workspaces.services.audit import audit_record

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

_TOTP_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class TwoFactorStatus:
    is_enabled: bool
    device: TOTPDevice | None
    recovery_codes_left: int


@dataclass(frozen=True)
class Verification:
    """A code that was accepted: the device that took it and how (``totp``/``recovery_code``)."""

    device: Device
    kind: str


def normalize_code(code: str) -> str:
    """Codes are typed by hand: ignore spaces and dashes (``abcd-efgh``) and letter case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def format_recovery_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}" if len(token) == 8 else token


# --- reads -----------------------------------------------------------------------------------


def twofactor_is_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def twofactor_status_get(*, user: User) -> TwoFactorStatus:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return TwoFactorStatus(
        is_enabled=device is not None, device=device, recovery_codes_left=left if device else 0
    )


def totp_device_pending_get(*, user: User) -> TOTPDevice | None:
    """The unconfirmed device of an enrolment in progress, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_secret_display(*, device: TOTPDevice) -> str:
    """The base32 secret for manual entry, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(*, device: TOTPDevice) -> str:
    """An inline SVG QR code of the device's ``otpauth://`` URL (no Pillow, no external service)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    return image.to_string(encoding="unicode")


# --- writes ----------------------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin an enrolment: a fresh unconfirmed TOTP device replaces any left-over one.

    Refused when two-factor is already on (turn it off first).
    """
    if twofactor_is_enabled(user=user):
        raise ValidationError(_("Two-factor authentication is already on."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def twofactor_enable(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the pending ``device`` with a code from the app; returns new recovery codes.

    The codes are returned once, formatted for display; only django-otp's rows keep them.
    """
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("This setup is no longer valid. Start again."))
    # Verify outside the atomic block below: a wrong code must keep its throttling increment.
    if django_otp.verify_token(user, device.persistent_id, normalize_code(code)) is None:
        raise ValidationError(
            _("That code is not valid. Check the time on your phone and try the newest code.")
        )
    with transaction.atomic():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _recovery_codes_replace(user=user)
        audit_record(
            actor=user, verb="2fa.enable", target=user, after={"recovery_codes": len(codes)}
        )
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace every recovery code with a new set (the caller checked the password)."""
    if not twofactor_is_enabled(user=user):
        raise ValidationError(_("Two-factor authentication is off."))
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
        audit_record(
            actor=user,
            verb="2fa.recovery_codes_regenerate",
            target=user,
            after={"recovery_codes": len(codes)},
        )
    return codes


def twofactor_disable(*, user: User) -> None:
    """Turn two-factor off: every TOTP device and every recovery code goes.

    The caller checked the current password. A no-op (no audit row) when it was already off.
    """
    with transaction.atomic():
        was_enabled = twofactor_is_enabled(user=user)
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        if was_enabled:
            audit_record(actor=user, verb="2fa.disable", target=user)


def twofactor_verify(*, user: User, code: str) -> Verification:
    """Check a sign-in code: a 6-digit TOTP code or a single-use recovery code.

    Returns the :class:`Verification`; raises ``ValidationError`` (code ``invalid`` or
    ``throttled``) and records ``auth.2fa_failed`` otherwise. A used recovery code is deleted
    and recorded as ``auth.recovery_code_used``.
    """
    token = normalize_code(code)
    if _TOTP_CODE.match(token):
        kind, devices = "totp", TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        kind, devices = "recovery_code", StaticDevice.objects.filter(user=user, confirmed=True)
    throttled = False
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            throttled = True
            continue
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is not None:
            if kind == "recovery_code":
                left = StaticToken.objects.filter(device__user=user).count()
                audit_record(
                    actor=user,
                    verb="auth.recovery_code_used",
                    target=user,
                    after={"recovery_codes_left": left},
                )
            return Verification(device=verified, kind=kind)
    audit_record(actor=user, verb="auth.2fa_failed", target=user, after={"kind": kind})
    if throttled:
        raise ValidationError(
            _("Too many wrong codes in a row. Wait a few seconds, then try again."),
            code="throttled",
        )
    raise ValidationError(
        _("That code is not valid. Try the newest code from your app, or a recovery code."),
        code="invalid",
    )


def _recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    tokens: list[str] = []
    while len(tokens) < settings.MPP_RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in tokens:
            tokens.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=t) for t in tokens])
    return [format_recovery_code(t) for t in tokens]
