"""Package diff between two versions (a feature none of the commercial consoles has).

Reads only the two zips' central directories (names, sizes, CRC-32), never their data, so it
answers instantly even for 100 MB packages. A file is *changed* when its size or CRC differs.
Sizes are grouped per package part: the main package and each subpackage root (as the newer
version's app.json declares them; a root only the older one had is listed too).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass(frozen=True)
class FileChange:
    path: str
    old_size: int | None  # None: added
    new_size: int | None  # None: removed

    @property
    def delta(self) -> int:
        return (self.new_size or 0) - (self.old_size or 0)


@dataclass
class PackageDiff:
    added: list[FileChange] = field(default_factory=list)
    removed: list[FileChange] = field(default_factory=list)
    changed: list[FileChange] = field(default_factory=list)
    unchanged_count: int = 0
    parts: list[dict[str, Any]] = field(default_factory=list)  # {part, old, new, delta}

    @property
    def total_delta(self) -> int:
        return sum(p["delta"] for p in self.parts)


def _listing(source: IO[bytes], prefix: str) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(source) as archive:
        return {
            i.filename[len(prefix) :]: (i.file_size, i.CRC)
            for i in archive.infolist()
            if not i.is_dir() and i.filename.startswith(prefix)
        }


def _part_of(path: str, roots: list[str]) -> str:
    return next((r for r in roots if path.startswith(r)), "main")


def diff_packages(
    old: IO[bytes],
    new: IO[bytes],
    *,
    old_prefix: str = "",
    new_prefix: str = "",
    old_roots: list[str] | None = None,
    new_roots: list[str] | None = None,
) -> PackageDiff:
    """Compare two stored packages (seekable files) as the scan saw them (prefix, roots)."""
    before, after = _listing(old, old_prefix), _listing(new, new_prefix)
    roots = list(dict.fromkeys([*(new_roots or []), *(old_roots or [])]))
    result = PackageDiff()
    for path in sorted(set(before) | set(after)):
        was, now = before.get(path), after.get(path)
        if was is None and now is not None:
            result.added.append(FileChange(path, None, now[0]))
        elif now is None and was is not None:
            result.removed.append(FileChange(path, was[0], None))
        elif was != now and was is not None and now is not None:
            result.changed.append(FileChange(path, was[0], now[0]))
        else:
            result.unchanged_count += 1
    sizes: dict[str, list[int]] = {"main": [0, 0]}
    for root in roots:
        sizes[root] = [0, 0]
    for path, (size, _crc) in before.items():
        sizes[_part_of(path, roots)][0] += size
    for path, (size, _crc) in after.items():
        sizes[_part_of(path, roots)][1] += size
    result.parts = [
        {"part": part, "old": old_size, "new": new_size, "delta": new_size - old_size}
        for part, (old_size, new_size) in sizes.items()
    ]
    return result
