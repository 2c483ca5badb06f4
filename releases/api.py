"""``/api/v1/…/miniprograms/<app_id>/versions``: the versions API (STYLE.md §10b).

Built like the mini programs API: the workspace is resolved through authz (404 for
non-members), the mini program is fetched and authorized in one step by ``access_miniprogram``
(404 when it is not visible — missing, in another workspace, or a Developer not assigned to it —
and 403 naming the roles when the capability is missing), and a version is looked up *inside*
that mini program by its number (404 otherwise). Reading needs
``miniprograms.view_miniprogram``; uploading, retrying a scan, restarting the quality review and
the trial version need ``miniprograms.develop_miniprogram``. Writes call the console's services.

The upload streams: :mod:`releases.package.uploads` installs its handler before DRF reads the
body, so the package goes to a temporary file with its SHA-256 measured on the way, and a body that
reaches 100 MB is refused (413) without being read further.
"""

from __future__ import annotations

import zipfile
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.models import MiniProgram
from releases import selectors
from releases.models import Artifact, Version
from releases.package import uploads
from releases.package.downloads import JSON, ZIP, stored_file_response
from releases.package.versioning import parse_version
from releases.serializers import (
    MISSING_PACKAGE,
    ArtifactQuerySerializer,
    DiffQuerySerializer,
    DiffSerializer,
    QualityReportSerializer,
    TrialSerializer,
    TrialUpdateSerializer,
    VersionDetailSerializer,
    VersionSerializer,
    VersionUploadSerializer,
)
from releases.services.trial import trial_clear, trial_configure
from releases.services.versions import (
    version_restart_quality,
    version_retry_scan,
    version_upload,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS

TAG_VERSIONS = "versions"
TAG_TRIAL = "trial version"

NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The version number, MAJOR.MINOR.PATCH.",
    pattern=r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$",
)
KIND = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="complete (for SDKs that cannot load subpackages), main, subpackage (with "
    "?root=) or index (the subpackaged form's JSON index).",
    enum=list(Artifact.Kind.values),
)
FILE_RESPONSES: dict[Any, Any] = {
    (200, ZIP): OpenApiResponse(OpenApiTypes.BINARY, description="The file, streamed."),
    302: OpenApiResponse(
        description="With S3 storage: a presigned URL of the file, valid 5 minutes."
    ),
    304: OpenApiResponse(description="If-None-Match named the file's ETag (its SHA-256)."),
    **ERRORS,
}


class _AnyAccept(BaseContentNegotiation):
    """Downloads answer a file whatever ``Accept`` says (``application/zip`` included); the
    errors are still JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VersionAPIView(MiniProgramAPIView):
    """An endpoint about the versions of one mini program."""

    mp: MiniProgram

    def miniprogram(self, app_id: str, cap: Cap = Cap.VIEW_MINIPROGRAM) -> MiniProgram:
        self.mp = super().miniprogram(app_id, cap)
        return self.mp

    def version(self, app_id: str, number: str, cap: Cap = Cap.VIEW_MINIPROGRAM) -> Version:
        mp = self.miniprogram(app_id, cap)
        version = selectors.version_get(miniprogram=mp, number=number)
        if version is None:
            raise exceptions.NotFound(f"This mini program has no version {number}.")
        return version

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["miniprogram"] = getattr(self, "mp", None)
        return context

    def version_detail(self, version: Version, *, code: int = 200) -> Response:
        """The detail body, read again after a write (what the console's page would show)."""
        fresh = selectors.version_get(miniprogram=self.mp, number=version.number)
        return self.out(VersionDetailSerializer, fresh, code=code)

    def other_version(self, number: str, *, field: str) -> Version:
        """Another version of the same mini program named in the input (400 when absent)."""
        try:
            semver = parse_version(number)
        except DjangoValidationError as exc:
            raise DjangoValidationError({field: exc.message_dict["version"]}) from exc
        version = selectors.version_get(miniprogram=self.mp, number=str(semver))
        if version is None:
            raise DjangoValidationError({field: f"This mini program has no version {semver}."})
        return version


# --- versions ----------------------------------------------------------------------------------


class VersionListView(VersionAPIView):
    serializer_class = VersionUploadSerializer
    parser_classes = [MultiPartParser]
    upload: uploads.PackageUploadHandler | None = None

    def initialize_request(self, request, *args: Any, **kwargs: Any) -> Request:
        # Before DRF wraps the request: nothing has read the body yet (session authentication
        # reads a POST's form for its CSRF check, through these same handlers).
        if request.method == "POST":
            self.upload = uploads.install(request)
        return super().initialize_request(request, *args, **kwargs)

    def dispatch(self, request, *args: Any, **kwargs: Any):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # Whatever the answer (stored, refused, 404 after a session's CSRF check read the
            # body), no temporary file outlives the request.
            if self.upload is not None:
                self.upload.discard()

    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Versions of a mini program",
        description="Highest version first, with each one's status (uploaded → scanning → "
        "ready or scan_failed).",
        parameters=[SLUG, APP_ID],
        responses={200: VersionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        return self.paginated(selectors.version_list(miniprogram=mp), VersionSerializer)

    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Upload a version",
        description="multipart/form-data with version, notes and the package file. The version "
        "must be greater than every version ever uploaded for the mini program (the refusal "
        "names the highest). A package of 100 MB or more is refused with 413 "
        "(code package_too_large) as soon as the stream reaches that size; 8 MB or more is "
        "accepted with a warning. The new version is scanning: poll its url until it is ready "
        "or scan_failed. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request={"multipart/form-data": VersionUploadSerializer},
        responses={201: VersionSerializer, 413: ErrorSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)  # 404/403 before the body
        assert self.upload is not None
        received = uploads.received_package(request, self.upload)  # 413 at the limit
        data = self.body(VersionUploadSerializer)
        if received is None:
            raise exceptions.ValidationError({"package": [MISSING_PACKAGE]})
        version = version_upload(
            actor=self.membership,
            miniprogram=mp,
            number=data["version"],
            notes=data["notes"],
            package=received.file,
            size=received.size,
            sha256=received.sha256,
        )
        return self.out(VersionSerializer, version, code=status.HTTP_201_CREATED)


class VersionDetailView(VersionAPIView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="One version",
        description="Its scan result (or the sentence saying why the scan refused it), the "
        "pipeline's steps with their progress, the built files and the quality summary.",
        parameters=[SLUG, APP_ID, NUMBER],
        responses={200: VersionDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, number: str) -> Response:
        return self.out(VersionDetailSerializer, self.version(app_id, number))


class VersionRetryScanView(VersionAPIView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Scan a version again",
        description="Only a version whose scan failed (e.g. the worker was lost); it goes back "
        "to scanning. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, NUMBER],
        request=None,
        responses={200: VersionDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, number: str) -> Response:
        version = self.version(app_id, number, Cap.DEVELOP_MINIPROGRAM)
        version = version_retry_scan(actor=self.membership, version=version)
        return self.version_detail(version)


class VersionRestartQualityView(VersionAPIView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Restart the quality review",
        description="Cancels a running review and starts it again (it never blocks a "
        "release). Only for a ready version. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, NUMBER],
        request=None,
        responses={200: VersionDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, number: str) -> Response:
        version = self.version(app_id, number, Cap.DEVELOP_MINIPROGRAM)
        version = version_restart_quality(actor=self.membership, version=version)
        return self.version_detail(version)


class VersionQualityView(VersionAPIView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="The quality report of a version",
        description="Package sizes against the 2 MB advice, large images, duplicate files, "
        "source maps and forbidden constructs (eval, DOM APIs, http:// URLs, debugger). 404 "
        "until the review has finished.",
        parameters=[SLUG, APP_ID, NUMBER],
        responses={200: QualityReportSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, number: str) -> Response:
        version = self.version(app_id, number)
        report = selectors.version_quality_report(version)
        if report is None:
            raise exceptions.NotFound(
                f"Version {version.number} has no quality report yet: the review runs once the "
                "package is scanned and built."
            )
        return Response(report)


class VersionDiffView(VersionAPIView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Compare a version's package with another's",
        description="Files added, removed and changed (size or CRC), and the size delta of the "
        "main package and of each subpackage. Compares with the version before it unless "
        "against names another.",
        parameters=[SLUG, APP_ID, NUMBER, DiffQuerySerializer],
        responses={200: DiffSerializer, **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, number: str) -> Response:
        version = self.version(app_id, number)
        query = self.query(DiffQuerySerializer)
        # The console's diff page applies the same rule (one selector).
        against = selectors.version_diff_base(version=version, against=query.get("against", ""))
        if against is None:
            raise DjangoValidationError(
                {
                    "against": f"Version {version.number} is the first version of this "
                    "mini program: there is none before it to compare with."
                }
            )
        try:
            diff = selectors.version_diff(old=against, new=version)
        except zipfile.BadZipFile as exc:
            raise DjangoValidationError(
                "One of the two packages is not a readable zip file (its scan failed), so "
                "they cannot be compared."
            ) from exc
        body = {
            "version": version.number,
            "against": against.number,
            "added": diff.added,
            "removed": diff.removed,
            "changed": diff.changed,
            "unchanged_count": diff.unchanged_count,
            "parts": diff.parts,
            "total_delta": diff.total_delta,
        }
        return Response(DiffSerializer(body).data)


class _DownloadView(VersionAPIView):
    content_negotiation_class = _AnyAccept


class VersionPackageView(_DownloadView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Download the uploaded package",
        description="The zip as uploaded, as {app_id}_{number}.zip: streamed, or with S3 "
        "storage a redirect to a presigned URL valid 5 minutes.",
        parameters=[SLUG, APP_ID, NUMBER],
        responses=FILE_RESPONSES,
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, number: str):
        version = self.version(app_id, number)
        return stored_file_response(
            request,
            version.package,
            filename=f"{self.mp.app_id}_{version.number}.zip",
            sha256=version.package_sha256,
        )


class VersionArtifactView(_DownloadView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Download a built file",
        description="The complete package, the main package, a subpackage (?root=packageA/) "
        "or the subpackaged form's index (JSON). Streamed, or a presigned redirect on S3.",
        parameters=[SLUG, APP_ID, NUMBER, KIND, ArtifactQuerySerializer],
        responses={
            **FILE_RESPONSES,
            (200, JSON): OpenApiResponse(OpenApiTypes.OBJECT, description="The index."),
        },
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, number: str, kind: str):
        version = self.version(app_id, number)
        root = self.query(ArtifactQuerySerializer)["root"].strip()
        artifact = selectors.version_artifact_get(version=version, kind=kind, root=root)
        if artifact is None:
            raise exceptions.NotFound(
                f"Version {version.number} has no {kind} artifact"
                + (f" for “{root}”." if root else ".")
            )
        label = "_".join(p for p in (kind, artifact.root.strip("/").replace("/", "-")) if p)
        is_index = artifact.kind == Artifact.Kind.INDEX
        return stored_file_response(
            request,
            artifact.file,
            filename=f"{self.mp.app_id}_{version.number}_{label}.{'json' if is_index else 'zip'}",
            sha256=artifact.sha256,
            content_type=JSON if is_index else ZIP,
        )


# --- trial version -----------------------------------------------------------------------------


class TrialView(VersionAPIView):
    serializer_class = TrialUpdateSerializer

    def _answer(self) -> Response:
        # to_representation directly: a serializer given ``None`` would answer its defaults.
        serializer = TrialSerializer(context=self.get_serializer_context())
        return Response(serializer.to_representation(selectors.trial_get(miniprogram=self.mp)))

    @extend_schema(
        tags=[TAG_TRIAL],
        summary="The trial version",
        description="The version whitelisted testers open, and the page it opens at; version "
        "is null when none is set.",
        parameters=[SLUG, APP_ID],
        responses={200: TrialSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        self.miniprogram(app_id)
        return self._answer()

    @extend_schema(
        tags=[TAG_TRIAL],
        summary="Set the trial version",
        description="A ready version, one of its pages (app.json) and an optional query "
        "(a=1&b=2). Replaces the current one. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=TrialUpdateSerializer,
        responses={200: TrialSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(TrialUpdateSerializer)
        trial_configure(
            actor=self.membership,
            miniprogram=mp,
            version=self.other_version(data["version"], field="version"),
            page_path=data["page_path"],
            query=data["query"],
        )
        return self._answer()

    @extend_schema(
        tags=[TAG_TRIAL],
        summary="Stop offering a trial version",
        description="Testers can no longer open one. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        trial_clear(actor=self.membership, miniprogram=mp)
        return Response(status=status.HTTP_204_NO_CONTENT)
