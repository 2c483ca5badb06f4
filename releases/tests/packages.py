"""Build real (and deliberately bad) mini program packages for tests and benchmarks."""

from __future__ import annotations

import io
import json
import random
import stat
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

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


MB = 1024 * 1024
_VOCABULARY = (
    "const let return function this data item value index page setData props state list map "
    "filter reduce onLoad onShow request total price count title banner cart order user"
)


def _script_text(rng: random.Random, size: int) -> bytes:
    """``size`` bytes of JavaScript-like lines: compresses about as well as real code."""
    words = _VOCABULARY.split()
    lines: list[str] = []
    written = 0
    while written < size:
        a, b, c = rng.choice(words), rng.choice(words), rng.choice(words)
        line = f"  {a}_{rng.randrange(10_000)} = {b}({rng.randrange(1_000_000)}, '{c}');\n"
        lines.append(line)
        written += len(line)
    return "".join(lines).encode()


def large_package(
    path: Path,
    *,
    size: int = 95 * MB,
    files: int = 5000,
    image_share: float = 0.8,
    seed: int = 0,
    compresslevel: int = 6,
) -> Path:
    """Write a valid package of about ``size`` bytes holding ``files`` files to ``path``.

    A realistic mix: JavaScript and JSON that compress (deflated) for ``1 - image_share`` of the
    zip, and incompressible images (stored, as zip tools store data that does not shrink) for
    the rest; a main package and two subpackages. The same arguments give the same bytes.
    """
    rng = random.Random(seed)
    corpus = _script_text(rng, 512 * 1024)
    images = max(1, files // 5)
    texts = files - images - 1
    budget = size - files * 180  # zip headers: ~180 bytes a file with paths this long
    text_each = int(budget * (1 - image_share) * 4 / texts)  # a first guess of the ratio
    for _ in range(2):  # small files compress less than the whole corpus: measure at their size
        samples = [corpus[i * text_each : (i + 1) * text_each] for i in range(8)]
        compressed = sum(len(zlib.compress(sample, compresslevel)) for sample in samples)
        ratio = sum(map(len, samples)) / compressed
        text_each = min(len(corpus) // 8, int(budget * (1 - image_share) * ratio / texts))
    image_each = int(budget * image_share / images)
    roots = ("", "packageA/", "packageB/")
    pages: dict[str, list[str]] = {root: [] for root in roots}
    entries: list[tuple[str, bytes, int]] = []
    for number in range(texts):
        root = roots[number % 3]
        if number < 30:
            name = f"pages/p{number}/index.js"
            pages[root].append(name.removesuffix(".js"))
        elif number % 4:
            name = f"src/m{number // 100}/f{number}.js"
        else:
            name = f"data/d{number // 100}/f{number}.json"
        length = min(len(corpus), max(64, int(text_each * rng.uniform(0.5, 1.5))))
        start = rng.randrange(0, len(corpus) - length + 1)
        body = f"// {root}{name}\n".encode() + corpus[start : start + length]
        entries.append((root + name, body, zipfile.ZIP_DEFLATED))
    for number in range(images):
        length = max(1024, int(image_each * rng.uniform(0.5, 1.5)))
        body = b"\x89PNG\r\n\x1a\n" + rng.randbytes(length)
        entries.append((f"{roots[number % 3]}images/g{number // 100}/i{number}.png", body, 0))
    manifest = {
        "pages": pages[""],
        "subPackages": [{"root": root.rstrip("/"), "pages": pages[root]} for root in roots[1:]],
    }
    entries.insert(0, ("app.json", json.dumps(manifest).encode(), zipfile.ZIP_DEFLATED))
    with zipfile.ZipFile(path, "w") as archive:
        for name, body, method in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, body, compresslevel=compresslevel)
    return path
