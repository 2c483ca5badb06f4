"""Offline packages (SPEC §10): a version that is online somewhere, as one ``.apkg`` file that a
host app ships preset, named exactly ``{miniAppId}_{miniAppVersion}.apkg``.

Only a version with a *released* release on at least one target of its mini program has one,
and never while the mini program is off shelf (host apps no longer get it). The file is a zip:

* ``manifest.json`` — ``format``, ``app_id``, ``version``, ``package_sha256`` and
  ``package_size`` (the uploaded package), ``created_at`` and ``artifacts``: each entry's
  ``name`` in the archive, ``kind``, ``root``, ``size`` and ``sha256``;
* the built files, stored as they are (they are zips already): ``complete.zip``,
  ``main.zip``, ``subpackages/<root>.zip`` and ``index.json``.

It is produced while it is sent (:func:`offline_package_stream`): each stored file is read in
blocks and passes straight through, so nothing is built whole in memory or on disk, and a
stored file whose bytes no longer match its recorded SHA-256 stops the stream (the client is
left with a truncated zip, never a wrong one). The caller authorizes first (the API and the
console fetch the version through ``access_miniprogram``, as for package downloads).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_can_publish
from releases.models import Artifact, Release, Version
from releases.selectors import version_artifacts

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/zip"  # an .apkg is a zip
CHUNK = 256 * 1024
FORMAT = 1
ZIP64_FROM = 0x7FFFFFFF  # zipfile needs to be told up front when an entry may pass 2 GiB


class OfflinePackageRefused(ValidationError):
    """The version has no offline package; ``code`` is ``off_shelf`` or ``not_online``."""


@dataclass(frozen=True)
class OfflineEntry:
    name: str  # the path inside the .apkg
    artifact: Artifact


@dataclass(frozen=True)
class OfflinePackage:
    """What :func:`offline_package_stream` writes (nothing is read from storage yet)."""

    miniprogram: MiniProgram
    version: Version
    entries: list[OfflineEntry]
    created_at: datetime

    @property
    def filename(self) -> str:
        """``{miniAppId}_{miniAppVersion}.apkg``, exactly (SPEC §10)."""
        return f"{self.miniprogram.app_id}_{self.version.number}.apkg"

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "app_id": self.miniprogram.app_id,
            "version": self.version.number,
            "package_sha256": self.version.package_sha256,
            "package_size": self.version.package_size,
            "created_at": self.created_at.astimezone(UTC)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z"),
            "artifacts": [
                {
                    "name": e.name,
                    "kind": e.artifact.kind,
                    "root": e.artifact.root,
                    "size": e.artifact.size,
                    "sha256": e.artifact.sha256,
                }
                for e in self.entries
            ],
        }


def _entry_name(artifact: Artifact) -> str:
    if artifact.kind == Artifact.Kind.SUBPACKAGE:
        return f"subpackages/{artifact.root.strip('/')}.zip"
    if artifact.kind == Artifact.Kind.INDEX:
        return "index.json"
    return f"{artifact.kind}.zip"


def online_version_numbers(*, miniprogram: MiniProgram) -> list[str]:
    """The version numbers online on at least one target of the mini program, highest first."""
    rows = (
        Release.objects.filter(target__miniprogram=miniprogram, state=Release.State.RELEASED)
        .order_by("-version__major", "-version__minor", "-version__patch")
        .values_list("version__number", flat=True)
        .distinct()
    )
    return list(dict.fromkeys(rows))


def offline_package_get(*, miniprogram: MiniProgram, version: Version) -> OfflinePackage:
    """The offline package of ``version`` (a version of ``miniprogram``, already authorized).

    Raises :class:`OfflinePackageRefused` with the sentence to show: the mini program is off
    shelf (``miniprogram_can_publish``'s reason), or the version is not online anywhere (naming
    the versions that are). One query (the online versions) when the version's artifacts are
    prefetched, as ``selectors.version_get`` does.
    """
    allowed, reason = miniprogram_can_publish(miniprogram)
    if not allowed:
        raise OfflinePackageRefused(
            f"{reason} An off-shelf mini program has no offline package.", code="off_shelf"
        )
    online = online_version_numbers(miniprogram=miniprogram)
    if version.number not in online:
        hint = (
            f" Online now: {', '.join(online)}."
            if online
            else " Nothing of this mini program is online yet."
        )
        raise OfflinePackageRefused(
            f"Version {version.number} is not online in any host app: only a version that is "
            f"online somewhere has an offline package.{hint}",
            code="not_online",
        )
    entries = [OfflineEntry(_entry_name(a), a) for a in version_artifacts(version)]
    return OfflinePackage(
        miniprogram=miniprogram, version=version, entries=entries, created_at=timezone.now()
    )


class _Sink:
    """The unseekable file ``zipfile`` writes to: it only collects what to send next."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:  # offsets for the central directory; no seek(): zipfile streams
        return self._written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _info(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.external_attr = 0o644 << 16
    return info


def offline_package_stream(package: OfflinePackage) -> Iterator[bytes]:
    """The ``.apkg`` bytes, block by block (see the module docstring)."""
    when = package.created_at.astimezone(UTC)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        manifest = json.dumps(package.manifest(), indent=2, ensure_ascii=False).encode()
        archive.writestr(_info("manifest.json", when), manifest, zipfile.ZIP_DEFLATED)
        for entry in package.entries:
            stored, digest = entry.artifact.file, hashlib.sha256()
            big = entry.artifact.size > ZIP64_FROM
            with (
                stored.storage.open(str(stored.name), "rb") as source,
                archive.open(_info(entry.name, when), "w", force_zip64=big) as target,
            ):
                while block := source.read(CHUNK):
                    digest.update(block)
                    target.write(block)
                    if data := sink.take():
                        yield data
            if digest.hexdigest() != entry.artifact.sha256:
                # Stop before the .apkg's own directory: what the client has lists no manifest.
                logger.error(
                    "offline package of version %s: %s does not match its SHA-256; stopped",
                    package.version.pk,
                    stored.name,
                )
                raise OSError(f"{entry.name} of version {package.version.pk} is damaged")
    if data := sink.take():
        yield data


def offline_package_response(package: OfflinePackage) -> StreamingHttpResponse:
    """The attachment ``package.filename``, streamed (no length: it is written as it goes)."""
    response = StreamingHttpResponse(offline_package_stream(package), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, package.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
