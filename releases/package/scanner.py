"""Scan a mini program source package (a zip) in place: no extraction to disk, names checked
before any data is read, every refusal a precise human sentence.

The checks, in order:

1. **Container**: a readable zip (central directory), not encrypted, only *stored* or
   *deflated* entries, at most ``Limits.max_entries`` entries.
2. **Names** (from the central directory, before reading data): no absolute paths, drive letters,
   backslashes, ``..`` or empty segments, control characters, over-long names or paths deeper
   than ``Limits.max_depth``; no symlinks; no duplicate names, not even differing only in case
   (they collide on macOS and Windows file systems).
3. **Zip-bomb limits** on the declared sizes: total uncompressed size, per-entry size, and the
   compression ratio of any entry larger than ``Limits.ratio_min_size``.
4. **Integrity**: every entry is decompressed as a stream and its CRC-32 checked (what
   ``unzip -t`` does); the byte counts are the real ones, so a header that lies about its size
   cannot get past the limits (Python's zipfile stops at the declared size and then fails the
   CRC).
5. **Manifest**: ``app.json`` at the package root (or inside a single top-level folder, which is
   then the root) is a JSON object with a non-empty ``pages`` list and optional
   ``subPackages``/``subpackages`` entries ``{"root": …, "pages": […]}``; every page listed has
   its ``<page>.js`` file, every subpackage root exists, roots do not overlap, and main-package
   pages are not inside a subpackage root.
6. **Sizes**: the main package (everything outside subpackage roots) and each subpackage are
   measured; the quality review (not the scan) warns when one is over 2 MB.
"""

from __future__ import annotations

import json
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

MB = 1024 * 1024
CHUNK = MB


@dataclass(frozen=True)
class Limits:
    """The numbers the scan refuses above. Documented in the README (Packages)."""

    max_entries: int = 20_000
    max_total_size: int = 512 * MB  # uncompressed, all entries together
    max_entry_size: int = 100 * MB  # uncompressed, one entry
    max_ratio: int = 100  # uncompressed / compressed, for entries above ratio_min_size
    ratio_min_size: int = 1 * MB
    max_name_length: int = 400  # bytes of UTF-8
    max_depth: int = 32
    max_manifest_size: int = 1 * MB


DEFAULT_LIMITS = Limits()
MANIFEST = "app.json"
PAGE_SUFFIX = ".js"
ACCEPTED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_DRIVE = re.compile(r"^[A-Za-z]:")


class PackageRejected(Exception):
    """The package is refused; ``str(exc)`` is the sentence to show the developer."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the package root
    size: int
    compressed_size: int
    crc: int


@dataclass(frozen=True)
class SubPackage:
    root: str  # "packageA/" (always with a trailing slash)
    pages: tuple[str, ...]
    size: int
    file_count: int


@dataclass
class ScanResult:
    root_prefix: str  # "" or "myapp/" when the zip holds one top-level folder
    files: list[FileEntry]
    manifest: dict[str, Any]
    pages: tuple[str, ...]
    main_size: int
    main_file_count: int
    subpackages: list[SubPackage] = field(default_factory=list)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    def as_json(self) -> dict[str, Any]:
        """The summary stored with a version (file lists live in the build index)."""
        return {
            "root_prefix": self.root_prefix,
            "file_count": len(self.files),
            "total_size": self.total_size,
            "pages": list(self.pages),
            "main": {"size": self.main_size, "file_count": self.main_file_count},
            "subpackages": [
                {
                    "root": s.root,
                    "pages": list(s.pages),
                    "size": s.size,
                    "file_count": s.file_count,
                }
                for s in self.subpackages
            ],
        }


def _human(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


# --- 1 and 2: the central directory ------------------------------------------------------------


def _check_name(info: zipfile.ZipInfo, limits: Limits) -> None:
    name = info.filename
    shown = name if len(name) <= 120 else name[:117] + "…"
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise PackageRejected(
            f"The file name “{shown!r}” contains control characters.", code="bad_name"
        )
    if "\\" in name:
        raise PackageRejected(
            f"“{shown}” uses backslashes: zip paths must use forward slashes (/).",
            code="backslash",
        )
    if name.startswith("/"):
        raise PackageRejected(
            f"“{shown}” is an absolute path; every path must be relative to the package root.",
            code="absolute_path",
        )
    if _DRIVE.match(name):
        raise PackageRejected(
            f"“{shown}” starts with a drive letter; every path must be relative to the package "
            "root.",
            code="absolute_path",
        )
    segments = name.rstrip("/").split("/")
    if ".." in segments:
        raise PackageRejected(
            f"“{shown}” climbs out of the package with “..” (a zip-slip path).", code="zip_slip"
        )
    if any(s in ("", ".") for s in segments):
        raise PackageRejected(f"“{shown}” has an empty or “.” path segment.", code="bad_name")
    if len(name.encode("utf-8")) > limits.max_name_length:
        raise PackageRejected(
            f"“{shown}” is a path longer than {limits.max_name_length} bytes.", code="bad_name"
        )
    if len(segments) > limits.max_depth:
        raise PackageRejected(
            f"“{shown}” is nested {len(segments)} folders deep; the limit is {limits.max_depth}.",
            code="bad_name",
        )
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        raise PackageRejected(
            f"“{shown}” is a symbolic link; packages may contain only regular files.",
            code="symlink",
        )
    if info.flag_bits & 0x1:
        raise PackageRejected(
            f"“{shown}” is encrypted; upload the package without a password.", code="encrypted"
        )
    if info.compress_type not in ACCEPTED_METHODS:
        raise PackageRejected(
            f"“{shown}” uses compression method {info.compress_type}; only stored and deflated "
            "entries are accepted.",
            code="compression_method",
        )


def _check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = 0
    for info in infos:
        if info.file_size > limits.max_entry_size:
            raise PackageRejected(
                f"“{info.filename}” is {_human(info.file_size)} uncompressed; one file may be at "
                f"most {_human(limits.max_entry_size)}.",
                code="entry_too_large",
            )
        if info.file_size > limits.ratio_min_size:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise PackageRejected(
                    f"“{info.filename}” expands {ratio:.0f} times ({_human(info.compress_size)} "
                    f"→ {_human(info.file_size)}); more than {limits.max_ratio} times is "
                    "refused as a zip bomb.",
                    code="zip_bomb",
                )
        total += info.file_size
        if total > limits.max_total_size:
            raise PackageRejected(
                f"The package expands to more than {_human(limits.max_total_size)}; it is "
                "refused as a zip bomb.",
                code="zip_bomb",
            )


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise PackageRejected(
            f"The package has {len(infos):,} entries; the limit is {limits.max_entries:,}.",
            code="too_many_entries",
        )
    seen: dict[str, str] = {}
    files = []
    for info in infos:
        _check_name(info, limits)
        key = info.filename.rstrip("/").casefold()
        if key in seen:
            other = seen[key]
            if other.rstrip("/") == info.filename.rstrip("/"):
                raise PackageRejected(
                    f"“{info.filename}” appears twice in the package.", code="duplicate_name"
                )
            raise PackageRejected(
                f"“{other}” and “{info.filename}” differ only in upper/lower case; they would "
                "overwrite each other on many systems.",
                code="duplicate_name",
            )
        seen[key] = info.filename
        if not info.is_dir():
            files.append(info)
    _check_sizes(files, limits)
    return files


# --- 4: integrity ------------------------------------------------------------------------------


def _verify(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = 0
    for info in infos:
        read = 0
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    read += len(chunk)
                    total += len(chunk)
                    if total > limits.max_total_size:
                        raise PackageRejected(
                            f"The package expands to more than {_human(limits.max_total_size)}; "
                            "it is refused as a zip bomb.",
                            code="zip_bomb",
                        )
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,  # "zip file version 6.4", an unknown compression method
        ) as exc:
            # An OSError's text may name a server path or a storage host: not for the user.
            reason = "" if isinstance(exc, OSError) else f" ({exc})"
            raise PackageRejected(
                f"“{info.filename}” is damaged and cannot be read{reason}; rebuild the package.",
                code="corrupt",
            ) from exc
        except RuntimeError as exc:  # e.g. "File … is encrypted, password required"
            raise PackageRejected(
                f"“{info.filename}” cannot be read ({exc}).", code="corrupt"
            ) from exc
        if read != info.file_size:
            raise PackageRejected(
                f"“{info.filename}” holds {read} bytes but its header says {info.file_size}; "
                "rebuild the package.",
                code="corrupt",
            )


# --- 5 and 6: the manifest and the package layout ----------------------------------------------


def _root_prefix(names: set[str]) -> str:
    if MANIFEST in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1:
        (top,) = tops
        if f"{top}/{MANIFEST}" in names:
            return f"{top}/"
    raise PackageRejected(
        f"The package has no {MANIFEST} at its root: build it with the IDE or `mpp upload`, "
        f"which put {MANIFEST} next to the pages folder.",
        code="no_manifest",
    )


def _clean_page(page: Any, where: str) -> str:
    if not isinstance(page, str) or not page.strip():
        raise PackageRejected(
            f"{MANIFEST}: {where} must list pages as non-empty strings.", code="bad_manifest"
        )
    page = page.strip().removesuffix(PAGE_SUFFIX)
    if page.startswith("/") or ".." in page.split("/") or "\\" in page:
        raise PackageRejected(
            f"{MANIFEST}: the page “{page}” in {where} must be a relative path inside the package.",
            code="bad_manifest",
        )
    return page


def _read_manifest(archive: zipfile.ZipFile, prefix: str, limits: Limits) -> dict[str, Any]:
    info = archive.getinfo(prefix + MANIFEST)
    if info.file_size > limits.max_manifest_size:
        raise PackageRejected(
            f"{MANIFEST} is {_human(info.file_size)}; the limit is "
            f"{_human(limits.max_manifest_size)}.",
            code="bad_manifest",
        )
    raw = archive.read(info)
    try:
        manifest = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PackageRejected(f"{MANIFEST} is not UTF-8 text.", code="bad_manifest") from exc
    except json.JSONDecodeError as exc:
        raise PackageRejected(
            f"{MANIFEST} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            code="bad_manifest",
        ) from exc
    except RecursionError as exc:  # the decoder recurses once per nesting level
        raise PackageRejected(f"{MANIFEST} is nested too deeply.", code="bad_manifest") from exc
    if not isinstance(manifest, dict):
        raise PackageRejected(f"{MANIFEST} must be a JSON object.", code="bad_manifest")
    return manifest


def _layout(
    manifest: dict[str, Any], files: dict[str, FileEntry]
) -> tuple[tuple[str, ...], list[tuple[str, tuple[str, ...]]]]:
    pages = manifest.get("pages")
    if not isinstance(pages, list) or not pages:
        raise PackageRejected(
            f"{MANIFEST} must have a non-empty “pages” list (the first page opens first).",
            code="bad_manifest",
        )
    main_pages = tuple(_clean_page(p, "“pages”") for p in pages)
    raw_subs = manifest.get("subPackages", manifest.get("subpackages", []))
    if not isinstance(raw_subs, list):
        raise PackageRejected(
            f"{MANIFEST}: “subPackages” must be a list of {{root, pages}} objects.",
            code="bad_manifest",
        )
    subs: list[tuple[str, tuple[str, ...]]] = []
    for index, sub in enumerate(raw_subs, start=1):
        if not isinstance(sub, dict) or not isinstance(sub.get("root"), str):
            raise PackageRejected(
                f"{MANIFEST}: subpackage {index} needs a “root” folder and a “pages” list.",
                code="bad_manifest",
            )
        root = sub["root"].strip().strip("/")
        if not root or root.startswith(".") or ".." in root.split("/") or "\\" in root:
            raise PackageRejected(
                f"{MANIFEST}: subpackage {index} has an invalid root “{sub['root']}”.",
                code="bad_manifest",
            )
        sub_pages = sub.get("pages")
        if not isinstance(sub_pages, list) or not sub_pages:
            raise PackageRejected(
                f"{MANIFEST}: subpackage “{root}” must list its pages.", code="bad_manifest"
            )
        where = f"subpackage “{root}”"
        subs.append((root + "/", tuple(_clean_page(p, where) for p in sub_pages)))
    roots = [root for root, _pages in subs]
    for i, a in enumerate(roots):
        for b in roots[i + 1 :]:
            if a.startswith(b) or b.startswith(a):
                raise PackageRejected(
                    f"{MANIFEST}: the subpackage roots “{a}” and “{b}” overlap.",
                    code="bad_manifest",
                )
        if not any(path.startswith(a) for path in files):
            raise PackageRejected(
                f"The subpackage root “{a}” is listed in {MANIFEST} but has no files in the "
                "package.",
                code="missing_file",
            )
    for page in main_pages:
        inside = next((r for r in roots if page.startswith(r)), None)
        if inside:
            raise PackageRejected(
                f"{MANIFEST}: the main-package page “{page}” is inside the subpackage root "
                f"“{inside}”; list it under that subpackage.",
                code="bad_manifest",
            )
        if page + PAGE_SUFFIX not in files:
            raise PackageRejected(
                f"“{page}{PAGE_SUFFIX}” is listed in {MANIFEST} but missing from the package.",
                code="missing_file",
            )
    for root, sub_pages in subs:
        for page in sub_pages:
            path = root + page + PAGE_SUFFIX
            if path not in files:
                raise PackageRejected(
                    f"“{path}” is listed in {MANIFEST} but missing from the package.",
                    code="missing_file",
                )
    return main_pages, subs


def scan_package(fileobj: IO[bytes], *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a zip given as a seekable binary file object; raise :class:`PackageRejected`."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,  # UnicodeDecodeError of a name included
        NotImplementedError,
    ) as exc:
        raise PackageRejected(
            "The file is not a readable zip archive (its table of contents is missing or "
            "damaged); rebuild the package with the IDE or `mpp upload`.",
            code="not_a_zip",
        ) from exc
    with archive:
        infos = _entries(archive, limits)
        if not infos:
            raise PackageRejected("The package is empty.", code="empty")
        names = {i.filename for i in infos}
        prefix = _root_prefix(names)
        _verify(archive, infos, limits)
        manifest = _read_manifest(archive, prefix, limits)
    files = {
        i.filename[len(prefix) :]: FileEntry(
            path=i.filename[len(prefix) :],
            size=i.file_size,
            compressed_size=i.compress_size,
            crc=i.CRC,
        )
        for i in infos
        if i.filename.startswith(prefix)
    }
    outside = sorted(n for n in names if not n.startswith(prefix))
    if outside:
        raise PackageRejected(
            f"“{outside[0]}” is outside the package folder “{prefix}”.", code="bad_layout"
        )
    main_pages, subs = _layout(manifest, files)
    subpackages = []
    in_subs: set[str] = set()
    for root, sub_pages in subs:
        members = [f for p, f in files.items() if p.startswith(root)]
        in_subs.update(f.path for f in members)
        subpackages.append(
            SubPackage(
                root=root,
                pages=sub_pages,
                size=sum(f.size for f in members),
                file_count=len(members),
            )
        )
    main = [f for p, f in files.items() if p not in in_subs]
    return ScanResult(
        root_prefix=prefix,
        files=sorted(files.values(), key=lambda f: f.path),
        manifest=manifest,
        pages=main_pages,
        main_size=sum(f.size for f in main),
        main_file_count=len(main),
        subpackages=subpackages,
    )
