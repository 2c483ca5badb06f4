"""Build a scanned package into its two delivery forms (SPEC §5, FAQ "SDK version is earlier"):

* the **complete package**: every file in one zip, for SDKs that cannot load subpackages;
* the **subpackaged form**: the main package, one zip per subpackage root, and an index
  (JSON) naming each part with its size and SHA-256, for SDKs that load subpackages on demand.

Entries are copied **raw** — their compressed bytes, CRC and sizes — from the source zip into
the new archives, never decompressed and recompressed: the scan has already verified every
CRC, and a copy runs at disk speed (see ``bench/scan.py``). Paths lose the package's top-level
folder when it had one; order is by path, so a rebuild of the same source is byte-identical.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from dataclasses import dataclass
from typing import IO, BinaryIO

from releases.package.scanner import ScanResult

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory header, 46 bytes
_END = struct.Struct("<4s4H2LH")  # end of central directory, 22 bytes
_DOS_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: builds are reproducible
UTF8_FLAG = 0x800
MADE_BY_UNIX = (3 << 8) | 20  # "made by" Unix, zip 2.0: the mode bits in external_attr apply


def _dos_time(value: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = value
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


class HashingWriter:
    """A write-only file wrapper that counts bytes and computes SHA-256 as they pass."""

    def __init__(self, target: BinaryIO):
        self.target = target
        self.size = 0
        self._hash = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.target.write(data)
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


@dataclass
class _Written:
    name: bytes
    method: int
    crc: int
    compressed: int
    size: int
    offset: int


class RawZipWriter:
    """Writes a zip from entries whose compressed bytes are already known (no zip64 needed:
    the scan caps packages far below 4 GB and 65,535 entries)."""

    def __init__(self, target: BinaryIO):
        self.out = HashingWriter(target)
        self._entries: list[_Written] = []

    def add_raw(
        self, *, name: str, method: int, crc: int, size: int, compressed: int, data_chunks
    ) -> None:
        """One entry: its header, then its ``compressed`` bytes streamed from ``data_chunks``."""
        encoded = name.encode("utf-8")
        offset = self.out.size
        time, date = _dos_time(_DOS_EPOCH)
        self.out.write(
            _LOCAL.pack(
                b"PK\x03\x04",
                20,
                UTF8_FLAG,
                method,
                time,
                date,
                crc,
                compressed,
                size,
                len(encoded),
                0,
            )
        )
        self.out.write(encoded)
        written = 0
        for chunk in data_chunks:
            self.out.write(chunk)
            written += len(chunk)
        if written != compressed:
            raise ValueError(f"{name}: wrote {written} bytes, expected {compressed}")
        self._entries.append(_Written(encoded, method, crc, compressed, size, offset))

    def close(self) -> None:
        start = self.out.size
        time, date = _dos_time(_DOS_EPOCH)
        for e in self._entries:
            self.out.write(
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    MADE_BY_UNIX,
                    20,
                    UTF8_FLAG,
                    e.method,
                    time,
                    date,
                    e.crc,
                    e.compressed,
                    e.size,
                    len(e.name),
                    0,
                    0,
                    0,
                    0,
                    0o100644 << 16,
                    e.offset,
                )
            )
            self.out.write(e.name)
        length = self.out.size - start
        count = len(self._entries)
        self.out.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, length, start, 0))


def _raw_chunks(source: IO[bytes], info: zipfile.ZipInfo, chunk_size: int = 1024 * 1024):
    """The compressed bytes of ``info`` as stored in ``source`` (after its local header)."""
    source.seek(info.header_offset)
    header = source.read(_LOCAL.size)
    fields = _LOCAL.unpack(header)
    name_length, extra_length = fields[9], fields[10]
    source.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
    remaining = info.compress_size
    while remaining:
        chunk = source.read(min(chunk_size, remaining))
        if not chunk:
            raise EOFError(f"{info.filename}: the archive ends inside this entry")
        remaining -= len(chunk)
        yield chunk


@dataclass(frozen=True)
class BuiltPart:
    kind: str  # "complete", "main", "subpackage", "index"
    root: str
    data_file: IO[bytes]  # positioned at 0, ready to store
    size: int
    sha256: str


def _write_zip(
    source: IO[bytes], infos: list[tuple[str, zipfile.ZipInfo]], target
) -> HashingWriter:
    writer = RawZipWriter(target)
    for path, info in infos:
        writer.add_raw(
            name=path,
            method=info.compress_type,
            crc=info.CRC,
            size=info.file_size,
            compressed=info.compress_size,
            data_chunks=_raw_chunks(source, info),
        )
    writer.close()
    return writer.out


def build_package(
    source: IO[bytes], scan: ScanResult, *, make_file=lambda: io.BytesIO()
) -> list[BuiltPart]:
    """The complete package, the main package, one zip per subpackage and the index.

    ``source`` is the stored package (seekable); ``make_file`` returns a fresh writable binary
    file for each part (a temporary file in the worker, so nothing big stays in memory).
    """
    prefix = scan.root_prefix
    with zipfile.ZipFile(source) as archive:
        infos = sorted(
            (
                (i.filename[len(prefix) :], i)
                for i in archive.infolist()
                if not i.is_dir() and i.filename.startswith(prefix)
            ),
            key=lambda pair: pair[0],
        )
    roots = [s.root for s in scan.subpackages]

    def part(kind: str, root: str, members: list[tuple[str, zipfile.ZipInfo]]) -> BuiltPart:
        target = make_file()
        out = _write_zip(source, members, target)
        target.seek(0)
        return BuiltPart(kind=kind, root=root, data_file=target, size=out.size, sha256=out.sha256)

    parts = [part("complete", "", infos)]
    main = [(p, i) for p, i in infos if not any(p.startswith(r) for r in roots)]
    parts.append(part("main", "", main))
    for root in roots:
        parts.append(part("subpackage", root, [(p, i) for p, i in infos if p.startswith(root)]))
    index = {
        "format": 1,
        "pages": list(scan.pages),
        "main": _describe(parts[1]),
        "subpackages": [
            {**_describe(p), "root": p.root, "pages": list(s.pages)}
            for p, s in zip(parts[2:], scan.subpackages, strict=True)
        ],
        "complete": _describe(parts[0]),
    }
    raw = json.dumps(index, indent=2, sort_keys=True).encode()
    index_file = make_file()
    index_file.write(raw)
    index_file.seek(0)
    parts.append(
        BuiltPart(
            kind="index",
            root="",
            data_file=index_file,
            size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
        )
    )
    return parts


def _describe(part: BuiltPart) -> dict[str, object]:
    return {"size": part.size, "sha256": part.sha256}
