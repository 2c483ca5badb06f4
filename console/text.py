"""The one rule for display text: names, titles and notes that other people see.

A display text is NFC-normalised and trimmed, then refused when it holds a character that
shows nothing or something other than itself:

- ``Cc`` control characters (NUL, ESC of ANSI colour codes, CR/LF in a single-line field),
- ``Cf`` format characters (bidi overrides U+202A–U+202E and isolates U+2066–U+2069, zero-width
  space U+200B, word joiner, BOM, tag characters),
- ``Cs`` lone surrogates, ``Co`` private-use and ``Cn`` unassigned code points,
- ``Zl``/``Zp`` line and paragraph separators.

Two joiners are allowed where writing needs them: ZERO WIDTH JOINER (U+200D) between two
symbols or marks (emoji sequences such as 👩‍💻) and ZERO WIDTH NON-JOINER (U+200C) between two
letters or marks (Persian, Indic scripts). A multi-line field (a description, a note) may also
hold line breaks (LF, CR, CRLF); nothing else. The refusal is one sentence that names the field.

This module imports no app: forms, serializers and services of every app use it.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# The general categories Cc (control: U+0000–U+001F, U+007F–U+009F) and Cs (surrogates:
# U+D800–U+DFFF) as one character class: Unicode's stability policy fixes both sets, so this is
# ``unicodedata.category(c) in ("Cc", "Cs")`` for every character (tested over all of them),
# run by the regex engine instead of a Python call per character.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAKS = frozenset({"\n", "\r"})
ZWJ, ZWNJ = "\u200d", "\u200c"


def normalize_text(value: str | None) -> str:
    """NFC, trimmed: how a display text is stored and measured."""
    return unicodedata.normalize("NFC", value or "").strip()


def has_control(value: str) -> bool:
    """Whether ``value`` holds a control character or a lone surrogate (:data:`CONTROL`): the
    check of machine-facing values (API fields, keys) that, unlike display texts, may hold
    format characters."""
    return CONTROL.search(value) is not None


def _joiner_allowed(value: str, index: int) -> bool:
    if index == 0 or index == len(value) - 1:
        return False
    before = unicodedata.category(value[index - 1])
    after = unicodedata.category(value[index + 1])
    if value[index] == ZWJ:  # emoji sequences: symbol (+ variation selector/modifier) ZWJ symbol
        return before in {"So", "Sk", "Mn", "Me"} and after == "So"
    return before[0] in {"L", "M"} and after[0] in {"L", "M"}  # ZWNJ between letters


def forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` that display text may not hold, or ``None``."""
    for index, char in enumerate(value):
        if multiline and char in LINE_BREAKS:
            continue
        if unicodedata.category(char) not in REFUSED_CATEGORIES:
            continue
        if char in {ZWJ, ZWNJ} and _joiner_allowed(value, index):
            continue
        return char
    return None


def _describe(char: str) -> str:
    point = f"U+{ord(char):04X}"
    try:
        return f"{point} {unicodedata.name(char)}"
    except ValueError:  # controls and unassigned points have no name
        return point


def refuse_forbidden_characters(value: str, *, label: str, multiline: bool = False) -> None:
    """Raise ``ValidationError`` (code ``control_character``) naming ``label`` and the character.

    For text that is *not* normalised or trimmed (a query string, a path), call this alone.
    """
    bad = forbidden_character(value, multiline=multiline)
    if bad is None:
        return
    kinds = "an invisible or control character"
    if not multiline and (bad in LINE_BREAKS or unicodedata.category(bad) in {"Zl", "Zp"}):
        kinds = "a line break"
    raise ValidationError(
        f"{label} contains {kinds} ({_describe(bad)}); remove it.",
        code="control_character",
    )


def clean_display_text(
    value: str | None, *, label: str, field: str | None = None, multiline: bool = False
) -> str:
    """The display text as stored (NFC, trimmed), or ``ValidationError`` naming ``label``.

    ``label`` starts the sentence: "The workspace name", "Your name", "The description".
    With ``field`` the error is keyed by it (``{field: [message]}``), as services report.
    Emptiness and length are the caller's rules; this only refuses characters.
    """
    text = normalize_text(value)
    try:
        refuse_forbidden_characters(text, label=label, multiline=multiline)
    except ValidationError as exc:
        if field is None:
            raise
        raise ValidationError({field: exc.error_list}) from None
    return text
