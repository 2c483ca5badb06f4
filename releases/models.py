"""Versions (uploaded code packages), their pipeline jobs and build artifacts (SPEC §5).

The database is the job ledger and the broker only a doorbell: every piece of worker work on a
version (scan, build, quality review) is a :class:`PackageJob` row with its state and a lease.
A worker *claims* a job with one conditional UPDATE (``releases.package.jobs.job_claim``); a second
concurrent run of the same job claims nothing and returns; the sweeper re-enqueues jobs whose
lease expired (a killed worker) and fails those that ran out of attempts.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MB = 1024 * 1024
LARGE_PACKAGE = 8 * MB  # a package this big is accepted with a warning (SPEC §5)


def _package_path(instance: models.Model, filename: str) -> str:
    """Generated keys, never the client's file name (STYLE.md §8)."""
    return f"packages/{secrets.token_hex(2)}/{secrets.token_hex(16)}.zip"


class VersionFloor(models.Model):
    """The highest version ever uploaded for a mini program (rejected and deleted included).

    A new upload must be greater; the row is locked while an upload is accepted, so two
    concurrent uploads are ordered, and it is never lowered.
    """

    miniprogram = models.OneToOneField(
        "miniprograms.MiniProgram",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="version_floor",
    )
    major = models.PositiveIntegerField(default=0)
    minor = models.PositiveIntegerField(default=0)
    patch = models.PositiveIntegerField(default=0)
    has_any = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}" if self.has_any else "-"

    @property
    def number(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


class Version(models.Model):
    """One uploaded code package of a mini program, identified by its semantic version."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        SCANNING = "scanning", _("Scanning")
        READY = "ready", _("Ready")
        SCAN_FAILED = "scan_failed", _("Scan failed")

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="versions"
    )
    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.CharField(max_length=32)  # "1.2.3", canonical (no leading zeros)
    major = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    patch = models.PositiveIntegerField()
    notes = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    package = models.FileField(upload_to=_package_path, max_length=200)
    package_size = models.BigIntegerField()
    package_sha256 = models.CharField(max_length=64)
    scan_summary = models.JSONField(null=True, blank=True)
    failure_code = models.CharField(max_length=32, blank=True)
    failure_message = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "major", "minor", "patch"], name="version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["uploaded", "scanning", "ready", "scan_failed"]),
                name="version_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(package_size__gte=0) & Q(package_size__lt=100 * 1024 * 1024),
                name="version_package_size_range",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="version_ws_created"),
            models.Index(fields=["status", "updated_at"], name="version_status_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.miniprogram_id} {self.number}"

    @property
    def semver(self) -> tuple[int, int, int]:
        """(major, minor, patch): how versions compare ("higher than the online version")."""
        return (self.major, self.minor, self.patch)

    @property
    def is_large(self) -> bool:
        """8 MB or more (under the 100 MB limit): accepted with the large-package warning."""
        return self.package_size >= LARGE_PACKAGE

    @property
    def status_tone(self) -> str:
        """The status badge's colour (UI.md: grey waits, blue works, green ready, red failed)."""
        tones: dict[str, str] = {
            self.Status.UPLOADED: "neutral",
            self.Status.SCANNING: "blue",
            self.Status.READY: "green",
            self.Status.SCAN_FAILED: "red",
        }
        return tones.get(self.status, "neutral")


class PackageJob(models.Model):
    """One unit of worker work on a version, with its lease (the ledger; see module doc)."""

    class Kind(models.TextChoices):
        SCAN = "scan", _("Scan")
        BUILD = "build", _("Build")
        QUALITY = "quality", _("Quality review")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # 0–100, for the version page
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="packagejob_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["scan", "build", "quality"]), name="packagejob_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "succeeded", "failed", "cancelled"]),
                name="packagejob_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(lease_expires_at__isnull=False),
                name="packagejob_running_has_lease",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "lease_expires_at"], name="packagejob_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of version {self.version_id} ({self.state})"


class Artifact(models.Model):
    """A built file of a version: the complete package, or the subpackaged form's parts."""

    class Kind(models.TextChoices):
        COMPLETE = "complete", _("Complete package")
        MAIN = "main", _("Main package")
        SUBPACKAGE = "subpackage", _("Subpackage")
        INDEX = "index", _("Subpackage index")

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="artifacts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    root = models.CharField(max_length=200, blank=True)  # the subpackage root, for SUBPACKAGE
    file = models.FileField(max_length=200)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "kind", "root"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind", "root"], name="artifact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.root} of version {self.version_id}"


class TrialVersion(models.Model):
    """The trial version of a mini program: the version whitelisted testers open, and the page
    (relative path + query) it opens at. Only testers on the whitelist may open it."""

    miniprogram = models.OneToOneField(
        "miniprograms.MiniProgram", primary_key=True, on_delete=models.CASCADE, related_name="trial"
    )
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    page_path = models.CharField(max_length=200)
    query = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Trial of {self.miniprogram_id}: {self.version_id} at {self.page_path}"

    @property
    def launch_path(self) -> str:
        return f"{self.page_path}?{self.query}" if self.query else self.page_path


class ReleaseTarget(models.Model):
    """Where a mini program is released: one host app in one environment (created on the first
    submission there). Each target has at most one online release and one in-flight release
    (the partial unique constraints on :class:`Release`); grayscale tasks will hang here too."""

    class Environment(models.TextChoices):
        DEVELOPMENT = "development", _("Development")
        TEST = "test", _("Test")
        SANDBOX = "sandbox", _("Sandbox")
        PRODUCTION = "production", _("Production")

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="release_targets"
    )
    # RESTRICT, not PROTECT: a host app with releases cannot be deleted on its own, but deleting
    # the whole mini program (its targets cascade) still goes through.
    host_app = models.ForeignKey(
        "workspaces.HostApp", on_delete=models.RESTRICT, related_name="release_targets"
    )
    environment = models.CharField(max_length=16, choices=Environment.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["host_app__name", "environment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "host_app", "environment"], name="releasetarget_unique"
            ),
            models.CheckConstraint(
                condition=Q(environment__in=["development", "test", "sandbox", "production"]),
                name="releasetarget_environment_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.miniprogram_id} → {self.host_app_id} ({self.environment})"

    @property
    def is_production(self) -> bool:
        return self.environment == self.Environment.PRODUCTION


class Release(models.Model):
    """One version released (or on its way) to one target. The state changes only through
    ``releases.release.services.release_transition`` (the table is ``releases/transitions.py``).

    Alipay+'s "new" is the moment of creation: a release is created ``under_review``
    (production) or ``approved`` (other environments, approved automatically).
    """

    class State(models.TextChoices):
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Cancelled")
        # Grayscale states (next issue) slot in here, between APPROVED and RELEASED.
        RELEASED = "released", _("Released")
        ARCHIVED = "archived", _("Archived")

    class Kind(models.TextChoices):
        FULL = "full", _("Full release")
        ROLLBACK = "rollback", _("Rollback")

    OPEN_STATES = (State.UNDER_REVIEW, State.APPROVED)

    target = models.ForeignKey(ReleaseTarget, on_delete=models.CASCADE, related_name="releases")
    # RESTRICT: a released version cannot be deleted alone; the mini program's deletion cascades.
    version = models.ForeignKey(Version, on_delete=models.RESTRICT, related_name="releases")
    state = models.CharField(max_length=16, choices=State.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FULL)
    # The release this one took over from when it went online (the archived one).
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval = models.ForeignKey(
        "workspaces.ApprovalRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(blank=True, max_length=1000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "under_review",
                        "approved",
                        "rejected",
                        "withdrawn",
                        "cancelled",
                        "released",
                        "archived",
                    ]
                ),
                name="release_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["full", "rollback"]), name="release_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(state="released"),
                name="release_one_online_per_target",
            ),
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(state__in=["under_review", "approved"]),
                name="release_one_open_per_target",
            ),
        ]
        indexes = [
            models.Index(fields=["target", "-created_at"], name="release_target_created"),
        ]

    def __str__(self) -> str:
        return f"release {self.pk} of version {self.version_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


from releases.grayscale.models import *  # noqa: E402, F403  (grayscale tasks, issue 11)
from releases.runtime.models import *  # noqa: E402, F403  (the runtime revision, issue 11)
