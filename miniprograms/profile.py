"""A mini program's profile as plain data: the draft, the released snapshot, what differs.

Pure functions over loaded rows (no queries beyond the prefetched ``languages``), shared by the
services that write profiles and the selectors/pages that show "pending until next release".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from miniprograms import languages
from miniprograms.models import MiniProgram

# The profile fields, in the order pages list them, with their labels.
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("tagline", "Tagline"),
    ("description", "Description"),
    ("logo", "Logo"),
    ("industry", "Industry"),
    ("service_phone", "Customer-service phone"),
    ("service_email", "Customer-service email"),
    ("languages", "Other languages"),
)
TEXT_FIELDS = ("name", "tagline", "description")


@dataclass(frozen=True)
class LanguageText:
    """The profile texts in one extra language."""

    language: str
    name: str
    tagline: str
    description: str


@dataclass(frozen=True)
class ProfileInput:
    """What a person types into the profile form (the logo travels separately)."""

    name: str
    tagline: str
    description: str
    industry: str  # an Industry code (a leaf of the taxonomy)
    service_phone: str
    service_email: str
    languages: tuple[LanguageText, ...] = field(default_factory=tuple)


def draft_profile(mp: MiniProgram) -> dict[str, Any]:
    """The draft as a JSON-able dict (the same shape ``released_profile`` is stored in)."""
    return {
        "default_language": mp.default_language,
        "name": mp.name,
        "tagline": mp.tagline,
        "description": mp.description,
        "logo": mp.logo.name if mp.logo else "",
        "industry": mp.industry.code if mp.industry_id else "",
        "industry_name": mp.industry.path if mp.industry_id else "",
        "service_phone": mp.service_phone,
        "service_email": mp.service_email,
        "languages": {
            row.language: {"name": row.name, "tagline": row.tagline, "description": row.description}
            for row in mp.languages.all()
        },
    }


def _comparable(profile: dict[str, Any] | None) -> dict[str, Any]:
    return {key: (profile or {}).get(key) for key, _label in FIELDS}


def pending_fields(mp: MiniProgram) -> list[str]:
    """Profile fields whose draft differs from what host apps show (all of them before the
    first release)."""
    draft, released = _comparable(draft_profile(mp)), _comparable(mp.released_profile)
    return [key for key, _label in FIELDS if draft[key] != released[key]]


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    draft: Any
    released: Any


def profile_changes(mp: MiniProgram) -> list[FieldChange]:
    """Each pending field with its draft and released value, for the detail page."""
    draft, released = draft_profile(mp), mp.released_profile or {}
    labels = dict(FIELDS)
    changes = []
    for key in pending_fields(mp):
        show_key = "industry_name" if key == "industry" else key
        changes.append(
            FieldChange(
                key=key,
                label=labels[key],
                draft=draft.get(show_key),
                released=released.get(show_key),
            )
        )
    return changes


def localized(profile: dict[str, Any], requested: str) -> dict[str, Any]:
    """Name, tagline and description of ``profile`` for a device asking in ``requested``.

    Falls back as :func:`miniprograms.languages.resolve_language` says; the answer carries the
    language actually used.
    """
    default = profile.get("default_language") or "en"
    extra = profile.get("languages") or {}
    chosen = languages.resolve_language(requested, available=extra.keys(), default=default)
    texts = extra.get(chosen) if chosen != default else None
    source = texts or profile
    return {
        "language": chosen if texts or chosen == default else default,
        "name": source.get("name", ""),
        "tagline": source.get("tagline", ""),
        "description": source.get("description", ""),
    }
