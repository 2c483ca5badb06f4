"""Create mini programs, edit their (staged) profile — whole or in part — and release it.

Every write checks its capability first (``authz.require``), validates with
``miniprograms.validators`` (the rules the forms and serializers show), writes in one
transaction and records an audit row with before/after values.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from miniprograms import languages, validators
from miniprograms.models import (
    AppIdAllocation,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
)
from miniprograms.profile import LanguageText, ProfileInput, draft_profile
from miniprograms.services.host_apps import (
    host_apps_available,
    host_apps_by_id,
    miniprogram_set_host_apps,
    target_transition,
)
from miniprograms.services.logo import file_delete_on_commit, logo_discard, logo_store
from miniprograms.services.profile_rules import name_clash
from miniprograms.services.profile_rules import validate_profile as _validate_profile
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership
from workspaces.services.audit import audit_record

# Re-exported: "Release to" lives in ``host_apps``; callers of this module keep working.
__all__ = [
    "app_id_allocate",
    "host_apps_available",
    "miniprogram_create",
    "miniprogram_profile_patch",
    "miniprogram_profile_release",
    "miniprogram_set_host_apps",
    "miniprogram_update_profile",
    "target_transition",
]

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


# --- create and edit --------------------------------------------------------------------------


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
        apps = host_apps_by_id(workspace=workspace, host_app_ids=host_app_ids)
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
    logo_store(miniprogram=mp, logo=logo)
    try:
        with transaction.atomic():
            mp.save()
    except IntegrityError as exc:  # a concurrent create with the same name won
        logo_discard(miniprogram=mp)
        raise name_clash(name=mp.name) from exc
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
        logo_discard(miniprogram=mp)  # the row rolls back; the file must go too
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
        logo_store(miniprogram=mp, logo=logo)
    try:
        with transaction.atomic():
            mp.save()
            _replace_languages(mp, texts)
    except IntegrityError as exc:
        if logo is not None:
            logo_discard(miniprogram=mp)
        raise name_clash(name=mp.name) from exc
    released_logo = (mp.released_profile or {}).get("logo")
    if logo is not None and old_logo and old_logo != released_logo:
        file_delete_on_commit(storage=mp.logo.storage, name=old_logo)
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


# The profile fields a partial edit may change (the logo travels separately).
PATCHABLE_FIELDS = frozenset(ProfileInput.__dataclass_fields__)


def _current_profile(mp: MiniProgram) -> dict[str, Any]:
    """The draft as :class:`ProfileInput` arguments."""
    return {
        "name": mp.name,
        "tagline": mp.tagline,
        "description": mp.description,
        "industry": mp.industry.code,
        "service_phone": mp.service_phone,
        "service_email": mp.service_email,
        "languages": tuple(
            LanguageText(
                language=row.language,
                name=row.name,
                tagline=row.tagline,
                description=row.description,
            )
            for row in mp.languages.all()
        ),
    }


@transaction.atomic
def miniprogram_profile_patch(
    *,
    actor: Membership,
    miniprogram: MiniProgram,
    changes: Mapping[str, Any],
    logo: UploadedFile | None = None,
    host_app_ids: Iterable[int] | None = None,
) -> MiniProgram:
    """Edit only some of the draft: ``changes`` (profile fields by name, ``languages`` replacing
    the whole set) over the current draft, a new ``logo`` and/or new "Release to" host apps
    (``None``: unchanged). Needs DEVELOP on the mini program.

    The row is locked before the draft is read, so two partial edits at once cannot undo each
    other's fields. All of it applies, or none: the host apps are set first (a refusal there
    comes before any logo file is stored), then the merged profile goes through
    :func:`miniprogram_update_profile` with the same rules as creation.
    """
    unknown = set(changes) - PATCHABLE_FIELDS
    if unknown:
        raise TypeError(f"Not profile fields: {', '.join(sorted(unknown))}.")
    authz.require(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    mp = (
        MiniProgram.objects.select_for_update(of=("self",))
        .select_related("industry")
        .prefetch_related("languages")
        .get(pk=miniprogram.pk)
    )
    if host_app_ids is not None:
        miniprogram_set_host_apps(actor=actor, miniprogram=mp, host_app_ids=host_app_ids)
    if changes or logo is not None:
        mp = miniprogram_update_profile(
            actor=actor,
            miniprogram=mp,
            profile=ProfileInput(**{**_current_profile(mp), **changes}),
            logo=logo,
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
        file_delete_on_commit(storage=mp.logo.storage, name=old_logo)
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
