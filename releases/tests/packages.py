"""Build real (and deliberately bad) mini program packages for tests and benchmarks."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterable

DEFAULT_FILES: dict[str, bytes] = {
    "app.json": json.dumps(
        {
            "pages": ["pages/index/index", "pages/cart/index"],
            "subPackages": [{"root": "packageA", "pages": ["pages/detail/index"]}],
        }
    ).encode(),
    "app.js": b"App({});\n",
    "pages/index/index.js": b"Page({ data: { title: 'Home' } });\n",
    "pages/index/index.axml": b"<view>{{title}}</view>\n",
    "pages/cart/index.js": b"Page({});\n",
    "packageA/pages/detail/index.js": b"Page({ data: {} });\n",
    "packageA/images/banner.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
}


def zip_bytes(
    files: dict[str, bytes] | Iterable[tuple[str, bytes]] | None = None,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip of ``files`` (name → content), in order; names are written exactly as given."""
    items = (files or DEFAULT_FILES).items() if isinstance(files or {}, dict) else files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in items:  # type: ignore[union-attr]
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buffer.getvalue()


def with_files(changes: dict[str, bytes | None]) -> dict[str, bytes]:
    """The default package with files replaced or added (``None`` removes one)."""
    files = dict(DEFAULT_FILES)
    for name, content in changes.items():
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    return files


def manifest(**fields) -> bytes:
    return json.dumps(fields).encode()


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in DEFAULT_FILES.items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo("pages/evil.js")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def bomb_zip(size: int = 64 * 1024 * 1024) -> bytes:
    """The default package plus one file of ``size`` zero bytes (compresses ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in DEFAULT_FILES.items():
            archive.writestr(name, content)
        with archive.open("assets/zeros.bin", "w") as stream:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                stream.write(chunk)
    return buffer.getvalue()


def corrupt_zip() -> bytes:
    """A zip whose central directory is fine but one entry's compressed data is damaged."""
    data = bytearray(zip_bytes())
    marker = b"Page({ data: { title"  # not present compressed; damage the first entry instead
    assert marker not in data
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("pages/index/index.js")
    # Local header is 30 bytes + name + extra; flip bytes in the middle of the data.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 2, start + min(info.compress_size, 12)):
        data[offset] ^= 0xFF
    return bytes(data)
