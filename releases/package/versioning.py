"""Semantic version numbers ``MAJOR.MINOR.PATCH`` (SPEC §5): parsing, comparing, messages."""

from __future__ import annotations

import re
from typing import NamedTuple

from django.core.exceptions import ValidationError

_PATTERN = re.compile(r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$")
PART_MAX = 999_999


class SemVer(NamedTuple):
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def next_patch(self) -> SemVer:
        return SemVer(self.major, self.minor, self.patch + 1)


def parse_version(value: str) -> SemVer:
    """``"1.2.3"`` → ``SemVer(1, 2, 3)``; anything else is a ``ValidationError`` that says why."""
    text = (value or "").strip()
    if text.lower().startswith("v") and _PATTERN.match(text[1:]):
        text = text[1:]
    match = _PATTERN.match(text)
    if not match:
        shown = (value or "")[:40]
        message = (
            f"“{shown}” is not a version number: use MAJOR.MINOR.PATCH, three whole numbers "
            f"from 0 to {PART_MAX:,} without leading zeros (e.g. 1.4.0)."
        )
        raise ValidationError({"version": message})
    return SemVer(*(int(part) for part in match.groups()))
