"""The package diff page: each part's size before and after, and the files that changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from console.formats import signed_file_size


def signed_size(delta: int) -> str:
    """``+1.2 KB`` / ``−300 B`` / ``0 B``: a size change with its sign (console.formats)."""
    return signed_file_size(delta)


@dataclass(frozen=True)
class PartRow:
    label: str
    old: int
    new: int
    delta: int
    delta_label: str
    old_percent: float
    new_percent: float


def part_rows(parts: list[dict[str, Any]]) -> list[PartRow]:
    """Size per part before and after, with bars on one scale (the largest of all)."""
    scale = max([1, *(max(p["old"], p["new"]) for p in parts)])
    return [
        PartRow(
            label=gettext("Main package") if p["part"] == "main" else p["part"],
            old=p["old"],
            new=p["new"],
            delta=p["delta"],
            delta_label=signed_size(p["delta"]),
            old_percent=round(100 * p["old"] / scale, 1),
            new_percent=round(100 * p["new"] / scale, 1),
        )
        for p in parts
    ]


@dataclass(frozen=True)
class FileRow:
    path: str
    old: int | None
    new: int | None
    delta_label: str
    delta: int


def file_rows(changes: Iterable[Any]) -> list[FileRow]:
    return [FileRow(c.path, c.old_size, c.new_size, signed_size(c.delta), c.delta) for c in changes]
