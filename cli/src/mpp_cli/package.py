"""The package to upload: a ``.zip`` sent as is, or a project directory zipped first.

A directory is zipped deterministically (names sorted, fixed timestamps and modes), so the same
tree always gives the same bytes and SHA-256. Version-control folders, ``node_modules`` and OS
litter are left out; symbolic links are skipped (the server refuses them inside a package).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MB = 1024 * 1024
# Copied from the server (releases/services/versions.py); the CLI imports nothing from it.
UPLOAD_LIMIT = 100 * MB
TOO_LARGE_MESSAGE = (
    "Source package size is abnormal (too large), please check and reconfigure before retrying"
)
SKIPPED_NAMES = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".DS_Store", "Thumbs.db", "__MACOSX"}
)
MANIFEST = "app.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold


class PackageError(Exception):
    """The path cannot be uploaded; the message says why."""


class PackageTooLarge(PackageError):
    pass


@dataclass
class Packed:
    path: Path
    files: int
    skipped_links: list[str]


def collect(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """``(archive name, file)`` pairs under ``root`` in sorted order, and skipped symlinks."""
    entries: list[tuple[str, Path]] = []
    links: list[str] = []
    for current, dirs, files in os.walk(root):
        base = Path(current)
        kept = []
        for name in sorted(dirs):
            if name in SKIPPED_NAMES:
                continue
            if (base / name).is_symlink():
                links.append(str(PurePosixPath(*(base / name).relative_to(root).parts)))
                continue
            kept.append(name)
        dirs[:] = kept
        for name in files:
            if name in SKIPPED_NAMES:
                continue
            path = base / name
            arcname = str(PurePosixPath(*path.relative_to(root).parts))
            if path.is_symlink():
                links.append(arcname)
            elif path.is_file():
                entries.append((arcname, path))
    entries.sort(key=lambda entry: entry[0])
    links.sort()
    return entries, links


def zip_directory(root: Path, destination: Path) -> Packed:
    """Zip the project at ``root`` into ``destination``; it must have ``app.json`` on top."""
    if not (root / MANIFEST).is_file():
        raise PackageError(
            f"{root} has no {MANIFEST}: give the mini program's project folder (the one "
            f"with {MANIFEST} at its top) or a .zip package."
        )
    entries, links = collect(root)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, path in entries:
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix: the mode above is meaningful everywhere
            with path.open("rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, MB)
    return Packed(path=destination, files=len(entries), skipped_links=links)


def check_size(size: int) -> None:
    if size >= UPLOAD_LIMIT:
        raise PackageTooLarge(TOO_LARGE_MESSAGE)


def check_zip(path: Path) -> None:
    """Refuse, before any upload, a file that is too large or is not a zip at all."""
    check_size(path.stat().st_size)
    if not zipfile.is_zipfile(path):
        raise PackageError(
            f"{path} is not a zip file: give a .zip package or the project folder "
            f"(with {MANIFEST} at its top)."
        )


@contextmanager
def prepare(
    path: Path, on_packing: Callable[[Path], None] | None = None
) -> Iterator[tuple[Path, Packed | None]]:
    """``with prepare(path) as (zip_path, packed):`` the zip to send, checked.

    A directory is zipped to a temporary file that is removed on exit; ``packed`` then
    describes it (``None`` for a zip given as is).
    """
    if not path.exists():
        raise PackageError(f"{path} does not exist.")
    if path.is_dir():
        if on_packing:
            on_packing(path)
        with tempfile.TemporaryDirectory(prefix="mpp-") as tmp:
            destination = Path(tmp) / f"{path.resolve().name or 'app'}.zip"
            packed = zip_directory(path, destination)
            check_size(destination.stat().st_size)
            yield destination, packed
        return
    if not path.is_file():
        raise PackageError(f"{path} is neither a file nor a folder.")
    check_zip(path)
    yield path, None
