"""The versions table: each version with its status and quality columns."""

from __future__ import annotations

from dataclasses import dataclass

from releases.models import PackageJob, Version
from releases.views.display.status import (
    ACTIVE,
    current_stage,
    is_active,
    jobs_by_kind,
    status_json,
    status_signature,
)


@dataclass(frozen=True)
class VersionRow:
    """A row of the versions table: the version with its status and quality columns."""

    version: Version
    tone: str
    step: str  # while scanning: what runs now ("Scanning", "Building"), with ``progress``
    progress: int
    quality_state: str  # "" (not queued yet) or the quality job's state
    warnings: int
    infos: int
    # While something is queued or running: what the list's script compares its polls with
    # (the status signature, as on the version page); "" once nothing will change by itself.
    signature: str = ""

    @property
    def is_active(self) -> bool:
        return bool(self.signature)

    @property
    def findings(self) -> int:
        return self.warnings + self.infos

    @property
    def is_reviewing(self) -> bool:
        return self.quality_state in ACTIVE


def version_row(version: Version) -> VersionRow:
    """From :func:`releases.selectors.version_list_with_jobs` rows (annotated jobs)."""
    jobs = jobs_by_kind(version)
    step, progress = current_stage(version)
    quality = jobs.get(PackageJob.Kind.QUALITY)
    return VersionRow(
        version=version,
        tone=version.status_tone,
        step=step,
        progress=progress,
        quality_state=quality.state if quality is not None else "",
        warnings=getattr(quality, "quality_warnings", None) or 0,
        infos=getattr(quality, "quality_infos", None) or 0,
        signature=status_signature(status_json(version)) if is_active(version) else "",
    )
