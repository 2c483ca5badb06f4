"""Host apps of a tenant workspace and their SDK credentials (app key + secret)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from console.text import clean_display_text
from workspaces import authz, keys
from workspaces.authz import Cap
from workspaces.images import validate_image
from workspaces.models import HostApp, HostAppPlatform, Membership
from workspaces.services.audit import audit_record

ICON_MAX_BYTES = 512 * 1024
APP_KEY_LENGTH = 20
PREVIEW_SCHEME_MAX = 40
# A URI scheme (RFC 3986): a letter, then letters, digits, "+", "-" or ".".
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")
# Schemes of the web and the browser: a preview link must open the host app, never a page.
_NOT_APP_SCHEMES = frozenset(
    {"http", "https", "ftp", "file", "data", "javascript", "vbscript", "about", "blob", "mailto"}
)


def _snapshot(app: HostApp) -> dict[str, object]:
    return {
        "name": app.name,
        "description": app.description,
        "icon": bool(app.icon),
        "platforms": {p.platform: p.bundle_id for p in app.platforms.all()},
        "sandbox_needs_review": app.sandbox_needs_review,
        "preview_scheme": app.preview_scheme,
    }


def validate_preview_scheme(value: str) -> str:
    """The preview link scheme as stored (lower case; empty: none), or ``ValidationError``
    naming the rule: a letter, then letters, digits, "+", "-" or "." — at most 40 — and not a
    web scheme (the QR code must open the host app). One rule for the form, the API and here."""
    scheme = (value or "").strip().removesuffix("://").removesuffix(":").lower()
    if not scheme:
        return ""
    if len(scheme) > PREVIEW_SCHEME_MAX:
        raise ValidationError(
            {
                "preview_scheme": f"A scheme has at most {PREVIEW_SCHEME_MAX} characters "
                f"(this one has {len(scheme)})."
            }
        )
    if not _SCHEME.fullmatch(scheme):
        raise ValidationError(
            {
                "preview_scheme": "A scheme starts with a letter and has only letters, digits, "
                "“+”, “-” and “.”, e.g. acmewallet."
            }
        )
    if scheme in _NOT_APP_SCHEMES:
        raise ValidationError(
            {
                "preview_scheme": f"“{scheme}” opens a browser, not your app: use the custom "
                "scheme your host app registers, e.g. acmewallet."
            }
        )
    return scheme


def validate_icon(icon: UploadedFile) -> None:
    validate_image(icon, label="The icon", max_bytes=ICON_MAX_BYTES, square=True, min_side=48)


def _clean_texts(*, name: str, description: str) -> tuple[str, str]:
    """The name and description as stored (the display-text rule); every refusal at once."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, str] = {}
    for field, value, label, multiline in (
        ("name", name, "The host app name", False),
        ("description", description, "The description", True),
    ):
        try:
            cleaned[field] = clean_display_text(value, label=label, multiline=multiline)
        except ValidationError as exc:
            errors[field] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return cleaned["name"], cleaned["description"]


def _set_platforms(app: HostApp, platforms: dict[str, str]) -> None:
    cleaned = {p: (b or "").strip() for p, b in platforms.items() if (b or "").strip()}
    unknown = set(cleaned) - set(HostAppPlatform.Platform.values)
    if unknown:
        raise ValidationError(f"Unknown platform: {', '.join(sorted(unknown))}.")
    if not cleaned:
        raise ValidationError("Give the bundle id or package name of at least one platform.")
    app.platforms.exclude(platform__in=cleaned).delete()
    for platform, bundle_id in cleaned.items():
        HostAppPlatform.objects.update_or_create(
            host_app=app, platform=platform, defaults={"bundle_id": bundle_id[:200]}
        )


@transaction.atomic
def host_app_create(
    *,
    actor: Membership,
    name: str,
    description: str = "",
    platforms: dict[str, str],
    icon: UploadedFile | None = None,
    sandbox_needs_review: bool = False,
    preview_scheme: str = "",
) -> tuple[HostApp, str]:
    """Register a host app; returns it and its SDK secret (shown once, stored hashed).

    ``sandbox_needs_review``: sandbox releases wait for review as production ones do (off by
    default, as Alipay+); ``preview_scheme``: the deep-link scheme of the reviewer's preview
    QR code (:func:`validate_preview_scheme`)."""
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    if icon:
        validate_icon(icon)
    name, description = _clean_texts(name=name, description=description)
    preview_scheme = validate_preview_scheme(preview_scheme)
    secret = keys.random_secret()
    app = HostApp(
        workspace=actor.workspace,
        name=name,
        description=description,
        app_key=keys.random_string(length=APP_KEY_LENGTH, alphabet=keys.PREFIX_ALPHABET),
        secret_hash=keys.keyed_hash(secret),
        sandbox_needs_review=bool(sandbox_needs_review),
        preview_scheme=preview_scheme,
    )
    app.full_clean(exclude=["icon"])
    if HostApp.objects.filter(workspace=actor.workspace, name__iexact=app.name).exists():
        raise ValidationError({"name": f"A host app named “{app.name}” already exists."})
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:
        raise ValidationError({"name": f"A host app named “{app.name}” already exists."}) from exc
    _set_platforms(app, platforms)
    if icon:
        app.icon.save(icon.name or "icon", icon, save=True)
    audit_record(
        actor=actor.user,
        verb="host_app.create",
        workspace=actor.workspace,
        target=app,
        after=_snapshot(app),
    )
    return app, secret


@transaction.atomic
def host_app_update(
    *,
    actor: Membership,
    host_app_id: int,
    name: str,
    description: str = "",
    platforms: dict[str, str],
    icon: UploadedFile | None = None,
    sandbox_needs_review: bool | None = None,
    preview_scheme: str | None = None,
) -> HostApp:
    """Edit a host app's name, description, platforms, icon and release settings (the app
    key never changes); ``sandbox_needs_review`` and ``preview_scheme`` left ``None`` keep
    their value."""
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    app = HostApp.objects.select_for_update().get(workspace=actor.workspace, pk=host_app_id)
    before = _snapshot(app)
    if icon:
        validate_icon(icon)
    app.name, app.description = _clean_texts(name=name, description=description)
    if preview_scheme is not None:
        app.preview_scheme = validate_preview_scheme(preview_scheme)
    if sandbox_needs_review is not None:
        app.sandbox_needs_review = bool(sandbox_needs_review)
    app.full_clean(exclude=["icon"])
    clash = HostApp.objects.filter(workspace=actor.workspace, name__iexact=app.name)
    if clash.exclude(pk=app.pk).exists():
        raise ValidationError({"name": f"A host app named “{app.name}” already exists."})
    app.save(
        update_fields=[
            "name",
            "description",
            "sandbox_needs_review",
            "preview_scheme",
            "updated_at",
        ]
    )
    _set_platforms(app, platforms)
    if icon:
        old = app.icon.name if app.icon else None
        app.icon.save(icon.name or "icon", icon, save=True)
        if old:
            storage = app.icon.storage
            transaction.on_commit(lambda: storage.delete(old))
    after = _snapshot(app)
    if after != before:
        audit_record(
            actor=actor.user,
            verb="host_app.update",
            workspace=actor.workspace,
            target=app,
            before=before,
            after=after,
        )
    return app


@transaction.atomic
def host_app_patch(
    *,
    actor: Membership,
    host_app_id: int,
    name: str | None = None,
    description: str | None = None,
    platforms: dict[str, str | None] | None = None,
    icon: UploadedFile | None = None,
    sandbox_needs_review: bool | None = None,
    preview_scheme: str | None = None,
) -> HostApp:
    """A partial edit (the API's PATCH): what is not given keeps its value, and ``platforms``
    changes only the platforms it names (an empty bundle id removes that one).

    The current values are read under the row lock, so two partial edits at once cannot undo
    each other; the rules and the audit row are :func:`host_app_update`'s.
    """
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    app = HostApp.objects.select_for_update().get(workspace=actor.workspace, pk=host_app_id)
    merged = {p.platform: p.bundle_id for p in app.platforms.all()}
    merged.update({platform: bundle or "" for platform, bundle in (platforms or {}).items()})
    return host_app_update(
        actor=actor,
        host_app_id=app.pk,
        name=app.name if name is None else name,
        description=app.description if description is None else description,
        platforms=merged,
        icon=icon,
        sandbox_needs_review=sandbox_needs_review,
        preview_scheme=preview_scheme,
    )


@transaction.atomic
def host_app_reset_secret(*, actor: Membership, host_app_id: int) -> tuple[HostApp, str]:
    """Issue a new SDK secret; the old one stops working at once. Returns the new secret."""
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    app = HostApp.objects.select_for_update().get(workspace=actor.workspace, pk=host_app_id)
    secret = keys.random_secret()
    app.secret_hash = keys.keyed_hash(secret)
    app.secret_rotated_at = timezone.now()
    app.save(update_fields=["secret_hash", "secret_rotated_at", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="host_app.reset_secret",
        workspace=actor.workspace,
        target=app,
        after={"secret_rotated_at": app.secret_rotated_at.isoformat()},
    )
    return app, secret


@transaction.atomic
def host_app_freeze_key(*, actor: Membership, host_app_id: int) -> HostApp:
    """Freeze the host app's SDK key: every runtime call made with it is refused (403
    ``key_frozen``) in every web process within the runtime bound, until it is unfrozen. The
    secret is kept (unfreezing needs no new build of the app). Freezing a frozen key changes
    nothing."""
    return _set_key_frozen(actor=actor, host_app_id=host_app_id, frozen=True)


@transaction.atomic
def host_app_unfreeze_key(*, actor: Membership, host_app_id: int) -> HostApp:
    """Let a frozen SDK key work again (the same secret). Unfreezing a working key changes
    nothing."""
    return _set_key_frozen(actor=actor, host_app_id=host_app_id, frozen=False)


def _set_key_frozen(*, actor: Membership, host_app_id: int, frozen: bool) -> HostApp:
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    app = HostApp.objects.select_for_update().get(workspace=actor.workspace, pk=host_app_id)
    if app.sdk_key_frozen == frozen:
        return app
    before = app.sdk_key_frozen_at
    app.sdk_key_frozen_at = timezone.now() if frozen else None
    app.save(update_fields=["sdk_key_frozen_at", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="host_app.freeze_key" if frozen else "host_app.unfreeze_key",
        workspace=actor.workspace,
        target=app,
        before={"sdk_key_frozen_at": before.isoformat() if before else None},
        after={
            "sdk_key_frozen_at": app.sdk_key_frozen_at.isoformat()
            if app.sdk_key_frozen_at
            else None
        },
    )
    return app


class SdkRefusal(enum.StrEnum):
    """Why SDK credentials were refused: ``INVALID`` (no such key, or a wrong secret: the
    caller cannot tell which) or ``FROZEN`` (the right key and secret, but the key is frozen)."""

    INVALID = "invalid"
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class SdkCredentialCheck:
    """The outcome of :func:`host_app_check_credentials`: the host app, or why not."""

    host_app: HostApp | None
    refusal: SdkRefusal | None

    @property
    def ok(self) -> bool:
        return self.host_app is not None


SDK_KEY_HEADER = "HTTP_X_MPP_APP_KEY"  # the host app's SDK key, as WSGI names the header
MAX_SDK_CREDENTIAL = 256  # longer key or secret text is cut (no credential is this long)


def sdk_credentials(meta: Mapping[str, Any]) -> tuple[str, str]:
    """(SDK key, secret) as a request sends them: ``X-MPP-App-Key`` and ``Authorization:
    Bearer <secret>`` (``meta``: the WSGI environ or ``request.META``); ``""`` for what is
    missing (another scheme than Bearer sends no secret)."""
    key = meta.get(SDK_KEY_HEADER, "").strip()
    scheme, _, secret = meta.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        secret = ""
    return key[:MAX_SDK_CREDENTIAL], secret.strip()[:MAX_SDK_CREDENTIAL]


def host_app_check_request(meta: Mapping[str, Any]) -> SdkCredentialCheck:
    """:func:`host_app_check_credentials` of the credentials a request sends
    (:func:`sdk_credentials`): the SDK endpoints' one way in. Missing ones are invalid."""
    key, secret = sdk_credentials(meta)
    if not key or not secret:
        return SdkCredentialCheck(host_app=None, refusal=SdkRefusal.INVALID)
    return host_app_check_credentials(app_key=key, secret=secret)


def host_app_check_credentials(*, app_key: str, secret: str) -> SdkCredentialCheck:
    """Check SDK credentials and say why they are refused (a frozen key is told apart from a
    wrong one only when the secret is right: a frozen key's state is not shown to guessers)."""
    app = HostApp.objects.filter(app_key=app_key).first() if app_key else None
    if app is None or not keys.keyed_hash_matches(secret or "", app.secret_hash):
        return SdkCredentialCheck(host_app=None, refusal=SdkRefusal.INVALID)
    if app.sdk_key_frozen:
        return SdkCredentialCheck(host_app=None, refusal=SdkRefusal.FROZEN)
    return SdkCredentialCheck(host_app=app, refusal=None)


def host_app_authenticate(*, app_key: str, secret: str) -> HostApp | None:
    """The host app these SDK credentials belong to, or ``None`` (a wrong key or secret, or a
    frozen key: :func:`host_app_check_credentials` says which)."""
    return host_app_check_credentials(app_key=app_key, secret=secret).host_app
