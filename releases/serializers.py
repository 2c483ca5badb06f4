"""Input and output shapes of the versions API (STYLE.md §3: no saving, no permissions).

The rules (version number format and order, package size, notes length, trial page and query)
are the services' — ``releases.services.versions`` and ``releases.services.trial`` — and their
``ValidationError`` reaches the client as ``error.fields`` in the console's words. Input
serializers here only check the shape.

Every output serializer needs ``workspace`` and ``miniprogram`` in its context (the view puts
them there) to build URLs without touching the database again.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import QuerySerializer
from releases import selectors
from releases.models import Artifact, PackageJob, TrialVersion, Version
from releases.services.trial import QUERY_MAX
from releases.services.versions import LARGE_WARNING, NOTES_MAX
from workspaces.serializers import PersonSerializer

MISSING_PACKAGE = "Choose the package to upload: a .zip of the mini program's code."


def _url(context: dict[str, Any], name: str, **kwargs: Any) -> str:
    """An absolute URL of the versions API for the context's mini program."""
    mp = context["miniprogram"]
    workspace = context.get("workspace") or mp.workspace
    path = reverse(
        f"releases-api:{name}",
        kwargs={"workspace_slug": workspace.slug, "app_id": mp.app_id, **kwargs},
    )
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- versions: output --------------------------------------------------------------------------


class VersionSerializer(serializers.ModelSerializer):
    """A version as lists show it (and the answer to an upload)."""

    status = serializers.ChoiceField(choices=Version.Status.choices)
    warning = serializers.SerializerMethodField(
        help_text="The large-package advice for a package of 8 MB or more, else null."
    )
    uploaded_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="This version in the API.")

    class Meta:
        model = Version
        fields = [
            "number",
            "status",
            "notes",
            "package_size",
            "package_sha256",
            "is_large",
            "warning",
            "created_at",
            "uploaded_by",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_warning(self, version: Version) -> str | None:
        return LARGE_WARNING if version.is_large else None

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_uploaded_by(self, version: Version) -> dict[str, str] | None:
        return PersonSerializer(version.uploaded_by).data if version.uploaded_by else None

    @extend_schema_field(serializers.URLField())
    def get_url(self, version: Version) -> str:
        return _url(self.context, "version-detail", number=version.number)


class FailureSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable: zip_slip, missing_page, too_large…")
    message = serializers.CharField(help_text="The sentence to show, naming the file at fault.")


class JobSerializer(serializers.ModelSerializer):
    """One step of the pipeline: scan, build or quality review."""

    kind = serializers.ChoiceField(choices=PackageJob.Kind.choices)
    state = serializers.ChoiceField(choices=PackageJob.State.choices)
    progress = serializers.IntegerField(help_text="0–100.")

    class Meta:
        model = PackageJob
        fields = ["kind", "state", "progress", "attempts", "error", "started_at", "finished_at"]
        read_only_fields = fields


class ArtifactSerializer(serializers.ModelSerializer):
    """A built file: the complete package, or a part of the subpackaged form."""

    kind = serializers.ChoiceField(choices=Artifact.Kind.choices)
    root = serializers.CharField(help_text='The subpackage root ("packageA/"); "" otherwise.')
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Artifact
        fields = ["kind", "root", "size", "sha256", "download_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, artifact: Artifact) -> str:
        url = _url(
            self.context,
            "version-artifact",
            number=self.context["version"].number,
            kind=artifact.kind,
        )
        return f"{url}?root={artifact.root}" if artifact.root else url


class QualitySummarySerializer(serializers.Serializer):
    warnings = serializers.IntegerField()
    infos = serializers.IntegerField()
    by_rule = serializers.DictField(
        child=serializers.IntegerField(), help_text="Findings per rule (package_size, eval…)."
    )
    scripts_searched = serializers.IntegerField()


class VersionDetailSerializer(VersionSerializer):
    """A version with its scan result, pipeline steps, built files and quality summary."""

    failure = serializers.SerializerMethodField(help_text="Why the scan refused it, or null.")
    scan_summary = serializers.JSONField(
        help_text="What the scan measured: pages, main package and subpackage sizes; null "
        "until scanned."
    )
    jobs = serializers.SerializerMethodField()
    artifacts = serializers.SerializerMethodField()
    quality_summary = serializers.SerializerMethodField(
        help_text="Counts of the quality review's findings; null until it finished."
    )
    quality_url = serializers.SerializerMethodField(help_text="The full quality report.")
    package_url = serializers.SerializerMethodField(help_text="Download the uploaded zip.")

    class Meta(VersionSerializer.Meta):
        fields = [
            *VersionSerializer.Meta.fields,
            "failure",
            "scan_summary",
            "jobs",
            "artifacts",
            "quality_summary",
            "quality_url",
            "package_url",
        ]
        read_only_fields = fields

    @extend_schema_field(FailureSerializer(allow_null=True))
    def get_failure(self, version: Version) -> dict[str, str] | None:
        if not version.failure_code and not version.failure_message:
            return None
        return {"code": version.failure_code, "message": version.failure_message}

    @extend_schema_field(JobSerializer(many=True))
    def get_jobs(self, version: Version) -> list[dict[str, Any]]:
        return JobSerializer(selectors.version_jobs(version), many=True).data

    @extend_schema_field(ArtifactSerializer(many=True))
    def get_artifacts(self, version: Version) -> list[dict[str, Any]]:
        context = {**self.context, "version": version}
        return ArtifactSerializer(
            selectors.version_artifacts(version), many=True, context=context
        ).data

    @extend_schema_field(QualitySummarySerializer(allow_null=True))
    def get_quality_summary(self, version: Version) -> dict[str, Any] | None:
        report = selectors.version_quality_report(version)
        return report["summary"] if report else None

    @extend_schema_field(serializers.URLField())
    def get_quality_url(self, version: Version) -> str:
        return _url(self.context, "version-quality", number=version.number)

    @extend_schema_field(serializers.URLField())
    def get_package_url(self, version: Version) -> str:
        return _url(self.context, "version-package", number=version.number)


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="package_size, large_image, duplicate_file, eval…")
    level = serializers.ChoiceField(choices=["warning", "info"])
    message = serializers.CharField()
    path = serializers.CharField(help_text='The file it is about; "" for a whole package.')


class QualitySizesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    main = serializers.IntegerField()
    subpackages = serializers.DictField(child=serializers.IntegerField())
    advice = serializers.IntegerField(help_text="The recommended maximum per package (2 MB).")


class QualityReportSerializer(serializers.Serializer):
    """The quality review's report. It never blocks a release."""

    summary = QualitySummarySerializer()
    sizes = QualitySizesSerializer()
    findings = FindingSerializer(many=True)


class FileChangeSerializer(serializers.Serializer):
    path = serializers.CharField()
    old_size = serializers.IntegerField(allow_null=True, help_text="null: added.")
    new_size = serializers.IntegerField(allow_null=True, help_text="null: removed.")
    delta = serializers.IntegerField()


class PartDeltaSerializer(serializers.Serializer):
    part = serializers.CharField(help_text='"main" or a subpackage root.')
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    delta = serializers.IntegerField()


class DiffSerializer(serializers.Serializer):
    """What changed from ``against`` to ``version``, read from the zips' directories."""

    version = serializers.CharField()
    against = serializers.CharField()
    added = FileChangeSerializer(many=True)
    removed = FileChangeSerializer(many=True)
    changed = FileChangeSerializer(many=True)
    unchanged_count = serializers.IntegerField()
    parts = PartDeltaSerializer(many=True)
    total_delta = serializers.IntegerField()


# --- versions: input ---------------------------------------------------------------------------


class VersionUploadSerializer(serializers.Serializer):
    """The multipart upload (documentation and shape; the services decide the rest)."""

    version = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="MAJOR.MINOR.PATCH, greater than every version uploaded so far.",
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"What changed; at most {NOTES_MAX} characters.",
    )
    package = serializers.FileField(
        help_text="The zip of the mini program's code: under 100 MB; 8 MB or more is "
        "accepted with a warning.",
        allow_empty_file=True,  # the service says "The package is empty."
        error_messages={"required": MISSING_PACKAGE},
    )


class DiffQuerySerializer(QuerySerializer):
    against = serializers.CharField(
        required=False,
        help_text="The version to compare with; by default the one before (the highest lower "
        "number).",
    )


class ArtifactQuerySerializer(QuerySerializer):
    root = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For kind=subpackage: the subpackage root, e.g. packageA/.",
    )


# --- trial version -----------------------------------------------------------------------------


class TrialSerializer(serializers.Serializer):
    """The trial version whitelisted testers open; ``version`` is null when none is set."""

    version = serializers.CharField(allow_null=True, help_text="A version number, or null.")
    page_path = serializers.CharField(help_text="The page it opens at (from app.json).")
    query = serializers.CharField(help_text="a=1&b=2, without the question mark.")
    launch_path = serializers.CharField()
    version_url = serializers.URLField(allow_null=True)
    updated_by = PersonSerializer(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, trial: TrialVersion | None) -> dict[str, Any]:
        if trial is None:
            return {
                "version": None,
                "page_path": "",
                "query": "",
                "launch_path": "",
                "version_url": None,
                "updated_by": None,
                "updated_at": None,
            }
        return {
            "version": trial.version.number,
            "page_path": trial.page_path,
            "query": trial.query,
            "launch_path": trial.launch_path,
            "version_url": _url(self.context, "version-detail", number=trial.version.number),
            "updated_by": PersonSerializer(trial.updated_by).data if trial.updated_by else None,
            "updated_at": serializers.DateTimeField().to_representation(trial.updated_at),
        }


class TrialUpdateSerializer(serializers.Serializer):
    version = serializers.CharField(
        allow_blank=True, help_text="A ready version of this mini program."
    )
    page_path = serializers.CharField(
        allow_blank=True,
        help_text="One of the version's pages, e.g. pages/index/index (see scan_summary).",
    )
    query = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"a=1&b=2; at most {QUERY_MAX} characters.",
    )
