"""Create mini programs and edit their (staged) profile and "Release to" host apps.

Every write checks its capability first (``authz.require``), validates with
``miniprograms.validators`` (the rules the forms and serializers show), writes in one
transaction and records an audit row with before/after values.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from miniprograms import languages, validators
from miniprograms.models import (
    AppIdAllocation,
    Industry,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
)
from miniprograms.profile import LanguageText, ProfileInput, draft_profile
from miniprograms.transitions import TARGET_ALLOWED, InvalidTransition
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import HostApp, Membership, Workspace
from workspaces.services.audit import audit_record

MAX_APP_ID_ATTEMPTS = 10


# --- App IDs ------------------------------------------------------------------------------------


def _new_app_id() -> str:
    """16 digits: the year of creation, then 12 random digits (as Alipay's App IDs read)."""
    return f"{timezone.now().year:04d}{secrets.randbelow(10**12):012d}"


def app_id_allocate() -> str:
    """Reserve a never-used App ID (the allocation row outlives a deleted mini program)."""
    for _ in range(MAX_APP_ID_ATTEMPTS):
        candidate = _new_app_id()
        try:
            with transaction.atomic():
                AppIdAllocation.objects.create(app_id=candidate)
        except IntegrityError:
            continue  # taken: draw again
        return candidate
    raise RuntimeError("Could not allocate a unique App ID; try again.")


# --- validation ---------------------------------------------------------------------------------


def _field_errors(checks: Iterable[tuple[str, Any]]) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    for key, check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.error_list)
    return errors


def _industry(code: str) -> Industry | None:
    return (
        Industry.objects.select_related("parent")
        .filter(code=(code or "").strip(), parent__isnull=False)
        .first()
    )


def _clean_languages(
    texts: Iterable[LanguageText], *, default_language: str
) -> tuple[list[LanguageText], list[ValidationError]]:
    cleaned: list[LanguageText] = []
    errors: list[ValidationError] = []
    seen: set[str] = set()
    for text in texts:
        code = languages.canonical(text.language)
        if code is None:
            errors.append(ValidationError(f"“{text.language}” is not a supported language."))
            continue
        label = languages.label(code)
        if code == default_language:
            errors.append(
                ValidationError(
                    f"{label} is the default language: its texts are the main name, tagline "
                    "and description."
                )
            )
            continue
        if code in seen:
            errors.append(ValidationError(f"{label} is listed twice."))
            continue
        seen.add(code)
        for check, value in (
            (validators.validate_name, text.name),
            (validators.validate_tagline, text.tagline),
            (validators.validate_description, text.description),
        ):
            try:
                check(value)
            except ValidationError as exc:
                errors.extend(ValidationError(f"{label}: {m}") for m in exc.messages)
        cleaned.append(
            LanguageText(
                language=code,
                name=validators.normalize_text(text.name),
                tagline=validators.normalize_text(text.tagline),
                description=validators.normalize_text(text.description),
            )
        )
    return cleaned, errors


def _validate_profile(
    *,
    workspace: Workspace,
    profile: ProfileInput,
    default_language: str,
    exclude_pk: int | None = None,
) -> tuple[Industry, list[LanguageText]]:
    """All of the profile's rules at once: every broken rule is reported, by field."""
    errors = _field_errors(
        [
            ("name", lambda: validators.validate_name(profile.name)),
            ("tagline", lambda: validators.validate_tagline(profile.tagline)),
            ("description", lambda: validators.validate_description(profile.description)),
            ("service_phone", lambda: validators.validate_service_phone(profile.service_phone)),
            ("service_email", lambda: validators.validate_service_email(profile.service_email)),
        ]
    )
    industry = _industry(profile.industry)
    if industry is None:
        errors["industry"] = [
            ValidationError(
                "Choose an industry from the list."
                if not profile.industry
                else f"“{profile.industry}” is not an industry of the list: choose one."
            )
        ]
    texts, language_errors = _clean_languages(profile.languages, default_language=default_language)
    if language_errors:
        errors["languages"] = language_errors
    if "name" not in errors:
        name = validators.normalize_text(profile.name)
        clash = MiniProgram.objects.filter(workspace=workspace, name__iexact=name)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = [
                ValidationError(f"A mini program named “{name}” already exists in this workspace.")
            ]
    if errors:
        raise ValidationError(errors)
    assert industry is not None
    return industry, texts


def _name_clash(name: str) -> ValidationError:
    return ValidationError(
        {"name": f"A mini program named “{name}” already exists in this workspace."}
    )


# --- host apps ("Release to") ---------------------------------------------------------------


def host_apps_available(*, workspace: Workspace) -> list[HostApp]:
    """Host apps a mini program of ``workspace`` can be released to.

    A tenant releases into its own host apps; a developer workspace into those of the tenant
    that created it (none if it has no tenant).
    """
    owner_id = workspace.pk if workspace.is_tenant else workspace.tenant_id
    if owner_id is None:
        return []
    return list(HostApp.objects.filter(workspace_id=owner_id).order_by("name", "id"))


def _host_apps_by_id(workspace: Workspace, host_app_ids: Iterable[int]) -> dict[int, HostApp]:
    wanted = {int(i) for i in host_app_ids}
    available = {app.pk: app for app in host_apps_available(workspace=workspace)}
    unknown = wanted - set(available)
    if unknown:
        raise ValidationError(
            {
                "host_apps": "These host apps are not available to this workspace: "
                + ", ".join(str(i) for i in sorted(unknown))
                + "."
            }
        )
    return {pk: available[pk] for pk in wanted}


def target_transition(
    *, actor: Membership, target: MiniProgramHostApp, to: str, reason: str = ""
) -> bool:
    """The one door for a target's status (P2): table check, update, audit. Same state: no-op."""
    if target.status == to:
        return False
    if to not in TARGET_ALLOWED[target.status]:
        raise InvalidTransition(f"{target.status} -> {to}")
    previous = target.status
    target.status = to
    target.offline_reason = reason if to == MiniProgramHostApp.Status.OFFLINE else ""
    target.status_changed_at = timezone.now()
    target.save(update_fields=["status", "offline_reason", "status_changed_at"])
    verb = (
        "miniprogram.host_app_offline"
        if to == MiniProgramHostApp.Status.OFFLINE
        else "miniprogram.host_app_online"
    )
    audit_record(
        actor=actor.user,
        verb=verb,
        workspace=actor.workspace,
        target=target.miniprogram,
        before={"host_app": target.host_app.name, "status": previous},
        after={"host_app": target.host_app.name, "status": to, "reason": reason},
    )
    return True


def _add_targets(*, actor: Membership, mp: MiniProgram, apps: Iterable[HostApp]) -> None:
    existing = {t.host_app_id: t for t in mp.targets.select_related("host_app")}
    for app in apps:
        target = existing.get(app.pk)
        if target is None:
            MiniProgramHostApp.objects.create(miniprogram=mp, host_app=app)
            audit_record(
                actor=actor.user,
                verb="miniprogram.host_app_add",
                workspace=actor.workspace,
                target=mp,
                after={"host_app": app.name},
            )
        else:
            target_transition(actor=actor, target=target, to=MiniProgramHostApp.Status.ACTIVE)


@transaction.atomic
def miniprogram_set_host_apps(
    *, actor: Membership, miniprogram: MiniProgram, host_app_ids: Iterable[int]
) -> MiniProgram:
    """Make ``host_app_ids`` the host apps the mini program is released to.

    Needs DEVELOP on the mini program to add (or re-activate) a host app; removing one takes
    the mini program offline there (data kept), which needs MANAGE — see
    :func:`miniprograms.services.lifecycle.miniprogram_take_offline`.
    """
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    mp = MiniProgram.objects.select_for_update().get(pk=miniprogram.pk)
    wanted = _host_apps_by_id(actor.workspace, host_app_ids)
    targets = list(mp.targets.select_related("host_app", "miniprogram"))
    dropped = [t for t in targets if t.is_active and t.host_app_id not in wanted]
    if dropped:
        if not authz.has_cap(actor, Cap.MANAGE_MINIPROGRAM, mp):
            admin = authz.role_label(Membership.Role.ADMIN, actor.workspace.kind)
            raise ValidationError(
                {
                    "host_apps": "Taking a mini program offline from a host app ("
                    + ", ".join(t.host_app.name for t in dropped)
                    + f") needs a {admin} or the Owner."
                }
            )
        for target in dropped:
            target_transition(actor=actor, target=target, to=MiniProgramHostApp.Status.OFFLINE)
    _add_targets(actor=actor, mp=mp, apps=wanted.values())
    return mp


# --- create and edit --------------------------------------------------------------------------


def _store_logo(mp: MiniProgram, logo: UploadedFile) -> None:
    mp.logo.save(logo.name or "logo.png", logo, save=False)


def _discard_logo(mp: MiniProgram) -> None:
    """Remove the logo file just stored for ``mp``: its row is not being written after all."""
    if mp.logo.name:
        mp.logo.storage.delete(mp.logo.name)


def _delete_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def miniprogram_create(
    *,
    actor: Membership,
    profile: ProfileInput,
    logo: UploadedFile | None,
    default_language: str | None = None,
    host_app_ids: Iterable[int] = (),
) -> MiniProgram:
    """Create a mini program in ``actor.workspace`` with a new App ID. Needs ADD_MINIPROGRAM.

    The kind follows the workspace (tenant → tenant mini program, developer → merchant). All
    profile fields are required; every broken rule is reported at once (``ValidationError``
    keyed by field). Nothing is stored when anything is refused: the logo file is removed if a
    later step fails.
    """
    authz.require(actor, Cap.ADD_MINIPROGRAM)
    workspace = actor.workspace
    language = languages.canonical(default_language or workspace.default_language) or "en"
    errors: dict[str, list[ValidationError]] = {}
    try:
        industry, texts = _validate_profile(
            workspace=workspace, profile=profile, default_language=language
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
        industry, texts = None, []
    try:
        validators.validate_logo(logo)
    except ValidationError as exc:
        errors["logo"] = exc.error_list
    try:
        apps = _host_apps_by_id(workspace, host_app_ids)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    assert industry is not None and logo is not None
    mp = MiniProgram(
        workspace=workspace,
        app_id=app_id_allocate(),
        kind=MiniProgram.Kind.TENANT if workspace.is_tenant else MiniProgram.Kind.MERCHANT,
        default_language=language,
        name=validators.normalize_text(profile.name),
        tagline=validators.normalize_text(profile.tagline),
        description=validators.normalize_text(profile.description),
        industry=industry,
        service_phone=profile.service_phone.strip(),
        service_email=profile.service_email.strip().lower(),
        created_by=actor.user,
    )
    _store_logo(mp, logo)
    try:
        with transaction.atomic():
            mp.save()
    except IntegrityError as exc:  # a concurrent create with the same name won
        _discard_logo(mp)
        raise _name_clash(mp.name) from exc
    try:
        MiniProgramLanguage.objects.bulk_create(
            MiniProgramLanguage(
                miniprogram=mp,
                language=t.language,
                name=t.name,
                tagline=t.tagline,
                description=t.description,
            )
            for t in texts
        )
        for app in apps.values():
            MiniProgramHostApp.objects.create(miniprogram=mp, host_app=app)
        audit_record(
            actor=actor.user,
            verb="miniprogram.create",
            workspace=workspace,
            target=mp,
            after={
                **draft_profile(mp),
                "app_id": mp.app_id,
                "kind": mp.kind,
                "host_apps": sorted(a.name for a in apps.values()),
            },
        )
    except BaseException:
        _discard_logo(mp)  # the row rolls back; the file must go too
        raise
    return mp


def _replace_languages(mp: MiniProgram, texts: list[LanguageText]) -> None:
    wanted = {t.language: t for t in texts}
    mp.languages.exclude(language__in=wanted).delete()
    for text in wanted.values():
        MiniProgramLanguage.objects.update_or_create(
            miniprogram=mp,
            language=text.language,
            defaults={"name": text.name, "tagline": text.tagline, "description": text.description},
        )


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@transaction.atomic
def miniprogram_update_profile(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    profile: ProfileInput,
    logo: UploadedFile | None = None,
) -> MiniProgram:
    """Edit the draft profile. Needs DEVELOP on the mini program.

    The change is **staged**: host apps keep showing ``released_profile`` until the next
    release copies the draft (``miniprogram_profile_release``). ``logo=None`` keeps the logo.
    The same rules as creation apply; a replaced logo file is deleted after commit unless the
    released profile still shows it.
    """
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    mp = (
        MiniProgram.objects.select_for_update(of=("self",))
        .select_related("industry__parent")
        .get(pk=miniprogram.pk)
    )
    errors: dict[str, list[ValidationError]] = {}
    try:
        industry, texts = _validate_profile(
            workspace=actor.workspace,
            profile=profile,
            default_language=mp.default_language,
            exclude_pk=mp.pk,
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
        industry, texts = None, []
    if logo is not None:
        try:
            validators.validate_logo(logo)
        except ValidationError as exc:
            errors["logo"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    assert industry is not None
    before = draft_profile(mp)
    mp.name = validators.normalize_text(profile.name)
    mp.tagline = validators.normalize_text(profile.tagline)
    mp.description = validators.normalize_text(profile.description)
    mp.industry = industry
    mp.service_phone = profile.service_phone.strip()
    mp.service_email = profile.service_email.strip().lower()
    old_logo = mp.logo.name if mp.logo else ""
    if logo is not None:
        _store_logo(mp, logo)
    try:
        with transaction.atomic():
            mp.save()
            _replace_languages(mp, texts)
    except IntegrityError as exc:
        if logo is not None:
            _discard_logo(mp)
        raise _name_clash(mp.name) from exc
    released_logo = (mp.released_profile or {}).get("logo")
    if logo is not None and old_logo and old_logo != released_logo:
        _delete_on_commit(mp.logo.storage, old_logo)
    after = draft_profile(mp)
    changed_before, changed_after = _diff(before, after)
    if changed_after:
        mp.profile_updated_at = timezone.now()
        mp.save(update_fields=["profile_updated_at", "updated_at"])
        audit_record(
            actor=actor.user,
            verb="miniprogram.update_profile",
            workspace=actor.workspace,
            target=mp,
            before=changed_before,
            after={**changed_after, "staged": True},
        )
    return mp


@transaction.atomic
def miniprogram_profile_release(*, miniprogram_id: int, actor: Membership | None = None) -> bool:
    """Copy the draft profile into ``released_profile``: what host apps show from now on.

    Called by the release service when a version goes online (not by any page: there is no
    path that changes a name or logo without a release). Returns whether anything changed. The
    previously released logo file is deleted after commit unless the draft still uses it.
    """
    mp = (
        MiniProgram.objects.select_for_update(of=("self",))
        .select_related("industry__parent")
        .get(pk=miniprogram_id)
    )
    draft = draft_profile(mp)
    previous = mp.released_profile or {}
    if previous == draft:
        return False
    old_logo = previous.get("logo")
    mp.released_profile = draft
    mp.released_at = timezone.now()
    mp.save(update_fields=["released_profile", "released_at", "updated_at"])
    if old_logo and old_logo != draft["logo"]:
        _delete_on_commit(mp.logo.storage, old_logo)
    changed_before, changed_after = _diff(previous, draft)
    audit_record(
        actor=actor.user if actor else None,
        verb="miniprogram.release_profile",
        workspace=mp.workspace,
        target=mp,
        before=changed_before,
        after=changed_after,
    )
    return True
