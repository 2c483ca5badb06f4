"""Factories and builders for the miniprograms app's tests, and what they read back."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from miniprograms.models import MiniProgram
from miniprograms.profile import LanguageText, ProfileInput
from miniprograms.services.profile import miniprogram_create
from workspaces.models import AuditEvent, Membership
from workspaces.tests.images import image_upload

# A complete Japanese translation of ``profile_input()``'s texts.
JAPANESE = {
    "language": "ja",
    "name": "コーヒーコーナー",
    "tagline": "事前に注文して待たずに受け取り",
    "description": "コーヒーとペストリーを事前に注文して、待たずに受け取れるミニプログラムです。",
}


def profile_input(**overrides) -> ProfileInput:
    """A valid profile; override any field."""
    values = {
        "name": "Coffee Corner",
        "tagline": "Order ahead, skip the line",
        "description": "Order coffee and pastries ahead and pick them up without waiting.",
        "industry": "coffee-tea",
        "service_phone": "0571-26888888",
        "service_email": "help@coffee.example",
        "languages": (),
    }
    values.update(overrides)
    values["languages"] = tuple(
        t if isinstance(t, LanguageText) else LanguageText(**t) for t in values["languages"]
    )
    return ProfileInput(**values)


def logo_upload(*, size=(256, 256), fmt="PNG", name="logo.png", noise=False):
    return image_upload(size=size, fmt=fmt, name=name, noise=noise)


def create_miniprogram(
    actor: Membership, *, logo=None, host_app_ids=(), default_language=None, **profile
) -> MiniProgram:
    """A mini program created through the service (so it is exactly what users get)."""
    return miniprogram_create(
        actor=actor,
        profile=profile_input(**profile),
        logo=logo or logo_upload(),
        default_language=default_language,
        host_app_ids=host_app_ids,
    )


def stored_files() -> list[str]:
    """Every file in this test's storage, as storage keys."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def audit(verb: str) -> list[AuditEvent]:
    """The audit rows with ``verb``, oldest first."""
    return list(AuditEvent.objects.filter(verb=verb).order_by("created_at", "id"))
