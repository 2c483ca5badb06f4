"""``/api/v1/…/miniprograms/<app_id>/versions[/<number>]``: list and upload versions, read one,
scan it again, restart its quality review, and its quality report.

The upload streams: :mod:`releases.package.uploads` installs its handler before DRF reads the
body, so the package goes to a temporary file with its SHA-256 measured on the way, and a body that
reaches 100 MB is refused (413) without being read further.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from miniprograms.endpoints import APP_ID
from releases import selectors
from releases.api.base import NUMBER, TAG_VERSIONS, VersionAPIView
from releases.package import uploads
from releases.serializers import (
    MISSING_PACKAGE,
    QualityReportSerializer,
    VersionDetailSerializer,
    VersionSerializer,
    VersionUploadSerializer,
)
from releases.services.versions import (
    version_restart_quality,
    version_retry_scan,
    version_upload,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS


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
