"""The profile's rules that need the database: an industry of the taxonomy, a name unique in
the workspace, and the extra languages (supported, not the default one, not listed twice, the
same text rules). Every broken rule is reported at once, keyed by field; the create and edit
services (``miniprograms.services.profile``) call :func:`validate_profile`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from miniprograms import languages, validators
from miniprograms.models import Industry, MiniProgram
from miniprograms.profile import LanguageText, ProfileInput
from workspaces.models import Workspace


def _field_errors(checks: Iterable[tuple[str, Any]]) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    for key, check in checks:
        try:
            check()
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.error_list)
    return errors


def industry_find(*, code: str) -> Industry | None:
    """The leaf of the taxonomy with this code (``None`` for a group or an unknown code)."""
    return (
        Industry.objects.select_related("parent")
        .filter(code=(code or "").strip(), parent__isnull=False)
        .first()
    )


def clean_languages(
    *, texts: Iterable[LanguageText], default_language: str
) -> tuple[list[LanguageText], list[ValidationError]]:
    """The extra languages, canonical and normalized, and what is wrong with them."""
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


def validate_profile(
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
    industry = industry_find(code=profile.industry)
    if industry is None:
        errors["industry"] = [
            ValidationError(
                "Choose an industry from the list."
                if not profile.industry
                else f"“{profile.industry}” is not an industry of the list: choose one."
            )
        ]
    texts, language_errors = clean_languages(
        texts=profile.languages, default_language=default_language
    )
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


def name_clash(*, name: str) -> ValidationError:
    return ValidationError(
        {"name": f"A mini program named “{name}” already exists in this workspace."}
    )
