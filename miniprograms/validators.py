"""The rules of a mini program's profile (SPEC §4), one module for forms, serializers, services.

Every validator raises ``django.core.exceptions.ValidationError`` with a message that names the
field and the rule, so the console, the API and the shell refuse the same input in the same words.

Name width: a CJK character counts 2 units, every other character 1 (Alipay's rule: "one
Chinese character counts as two characters, one letter or number as one"). "CJK" here is the
scripts and forms drawn two cells wide in East Asian typography: Han ideographs (all blocks,
radicals, strokes, compatibility forms), Hiragana, Katakana, Bopomofo, Hangul syllables and
jamo, CJK symbols and punctuation, and the full-width forms block. Half-width Katakana and
half-width Hangul count 1, as their names say.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from console import text
from workspaces.images import ImageInfo, validate_image

NAME_MIN_UNITS, NAME_MAX_UNITS = 3, 30
TAGLINE_MIN, TAGLINE_MAX = 10, 30
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 200
LOGO_MAX_BYTES = 256 * 1024
LOGO_MIN_SIDE = 48
LOGO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})
# ASCII digits only: ``\d`` alone also matches Arabic-Indic, full-width and other digits.
PHONE_RE = re.compile(r"^\d{3,4}-\d{7,8}$", re.ASCII)
PHONE_EXAMPLE = "0571-26888888"

# Inclusive code point ranges that count 2 units (see the module docstring).
WIDE_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2EFF),  # CJK Radicals Supplement
    (0x2F00, 0x2FDF),  # Kangxi Radicals
    (0x2FF0, 0x2FFF),  # Ideographic Description Characters
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (ideographic space, 「」、。)
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3190, 0x31EF),  # Kanbun, Bopomofo Extended, CJK Strokes
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x3200, 0x33FF),  # Enclosed CJK Letters and Months, CJK Compatibility
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF01, 0xFF60),  # Fullwidth ASCII variants and fullwidth brackets
    (0xFFE0, 0xFFE6),  # Fullwidth signs (￠￡￥…)
    (0x1B000, 0x1B16F),  # Kana Supplement, Kana Extended-A, Small Kana Extension
    (0x20000, 0x2FA1F),  # CJK Unified Ideographs Extensions B–F, Compatibility Supplement
    (0x30000, 0x323AF),  # CJK Unified Ideographs Extensions G–H
)


def is_wide(char: str) -> bool:
    """Does this character count 2 units in a name?"""
    point = ord(char)
    return any(low <= point <= high for low, high in WIDE_RANGES)


def normalize_text(value: str | None) -> str:
    """NFC, trimmed: how every profile text is stored and measured (the display-text rule)."""
    return text.normalize_text(value)


def name_width(value: str) -> int:
    """Width units of a name: 2 per CJK character, 1 per any other character (NFC first)."""
    return sum(2 if is_wide(char) else 1 for char in normalize_text(value))


def _refuse_control_characters(value: str, label: str, *, allow_newlines: bool = False) -> None:
    text.refuse_forbidden_characters(value, label=label, multiline=allow_newlines)


def validate_name(value: str) -> None:
    """3–30 width units, where a CJK character counts 2 and any other character 1."""
    value = normalize_text(value)
    if not value:
        raise ValidationError("Enter a name.", code="required")
    _refuse_control_characters(value, "The name")
    units = name_width(value)
    if not NAME_MIN_UNITS <= units <= NAME_MAX_UNITS:
        raise ValidationError(
            f"The name is {units} unit{'s' if units != 1 else ''} long; it must be "
            f"{NAME_MIN_UNITS}–{NAME_MAX_UNITS} units (a Chinese, Japanese or Korean character "
            "counts as 2, any other character as 1).",
            code="name_width",
        )


def _validate_length(
    value: str, *, label: str, low: int, high: int, code: str, multiline: bool = False
) -> None:
    value = normalize_text(value)
    if not value:
        raise ValidationError(f"Enter {label.lower().replace('the ', 'a ', 1)}.", code="required")
    _refuse_control_characters(value, label, allow_newlines=multiline)
    count = len(value)
    if not low <= count <= high:
        raise ValidationError(
            f"{label} is {count} character{'s' if count != 1 else ''} long; it must be "
            f"{low}–{high} characters.",
            code=code,
        )


def validate_tagline(value: str) -> None:
    """10–30 characters."""
    _validate_length(value, label="The tagline", low=TAGLINE_MIN, high=TAGLINE_MAX, code="tagline")


def validate_description(value: str) -> None:
    """20–200 characters (line breaks allowed)."""
    _validate_length(
        value,
        label="The description",
        low=DESCRIPTION_MIN,
        high=DESCRIPTION_MAX,
        code="description",
        multiline=True,
    )


def validate_service_phone(value: str) -> None:
    """A landline in the form XXXX-XXXXXXX: 3–4 digit area code, hyphen, 7–8 digits."""
    value = (value or "").strip()
    if not value:
        raise ValidationError("Enter a customer-service phone number.", code="required")
    if not PHONE_RE.fullmatch(value):
        raise ValidationError(
            f"“{value[:40]}” is not a phone number in the form XXXX-XXXXXXX: a 3–4 digit area "
            f"code, a hyphen and 7–8 digits (e.g. {PHONE_EXAMPLE}).",
            code="phone_format",
        )


def validate_service_email(value: str) -> None:
    value = (value or "").strip()
    if not value:
        raise ValidationError("Enter a customer-service email address.", code="required")
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(
            f"“{value[:80]}” is not a valid email address.", code="email_format"
        ) from exc


def validate_logo(upload) -> ImageInfo:
    """.jpg/.jpeg/.png, ≤ 256 KB, exactly square, checked by decoding the image with Pillow.

    The file name's extension must be one of those three *and* the decoded content must be a
    PNG or JPEG: a GIF renamed ``logo.png``, a truncated file and a decompression bomb are
    refused with their own messages.
    """
    if upload is None:
        raise ValidationError("Upload a logo.", code="required")
    suffix = PurePath(getattr(upload, "name", "") or "").suffix.lower()
    if suffix not in LOGO_EXTENSIONS:
        raise ValidationError(
            f"The logo must be a .jpg, .jpeg or .png file; “{PurePath(upload.name or '').name}” "
            "is not.",
            code="wrong_extension",
        )
    return validate_image(
        upload,
        label="The logo",
        max_bytes=LOGO_MAX_BYTES,
        square=True,
        min_side=LOGO_MIN_SIDE,
    )


# Help texts shown under the fields: the rule, in the user's words (UI.md, Forms).
HELP = {
    "name": "3–30 units: a Chinese, Japanese or Korean character counts as 2, any other "
    "character as 1. Unique in the workspace.",
    "tagline": "10–30 characters: one line under the name in the host app.",
    "description": "20–200 characters.",
    "logo": "A square .png or .jpg/.jpeg image, at most 256 KB (at least 48×48 pixels).",
    "industry": "Search by name; choose the most specific category.",
    "service_phone": f"A landline in the form XXXX-XXXXXXX, e.g. {PHONE_EXAMPLE}.",
    "service_email": "Where users of the mini program can reach your customer service.",
}
