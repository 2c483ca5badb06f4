"""``/api/v1/…/versions/<number>/package`` and ``…/artifacts/<kind>``: the uploaded package and
the built files, streamed or (with S3 storage) redirected to a presigned URL."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request

from miniprograms.endpoints import APP_ID
from releases import selectors
from releases.api.base import NUMBER, TAG_VERSIONS, VersionAPIView
from releases.models import Artifact
from releases.package.downloads import JSON, ZIP, stored_file_response
from releases.serializers import ArtifactQuerySerializer
from workspaces.endpoints import ERRORS, SLUG

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
