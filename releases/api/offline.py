"""``/api/v1/…/versions/<number>/offline-package``: a version online somewhere, as the
``{app_id}_{number}.apkg`` a host app ships preset (SPEC §10; ``releases.package.offline``).

Readable by everyone who may download the version's package (``miniprograms.view_miniprogram``);
a version that is not online anywhere, or a mini program off shelf, is a 409 with the sentence.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request

from console.api import ErrorSerializer
from miniprograms.endpoints import APP_ID
from releases.api.base import NUMBER, TAG_VERSIONS
from releases.api.downloads import _DownloadView
from releases.package.offline import (
    CONTENT_TYPE,
    OfflinePackageRefused,
    offline_package_get,
    offline_package_response,
)
from workspaces.endpoints import ERRORS, SLUG


class OfflinePackageConflict(exceptions.APIException):
    """The version has no offline package now (its state, not the request, is at fault)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class OfflinePackageView(_DownloadView):
    @extend_schema(
        tags=[TAG_VERSIONS],
        summary="Download the offline package",
        description="A version that is online on at least one host app and environment, as "
        "{app_id}_{number}.apkg: a zip streamed as it is written, holding manifest.json "
        "(app_id, version, package_sha256, package_size, created_at, and each built file's "
        "name, kind, root, size and sha256) and the built files (complete.zip, main.zip, "
        "subpackages/<root>.zip, index.json). A 409 whose message says why when the version "
        "is not online on any host app or the mini program is off shelf.",
        parameters=[SLUG, APP_ID, NUMBER],
        responses={
            (200, CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="The .apkg, streamed."
            ),
            409: ErrorSerializer,
            **ERRORS,
        },
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, number: str):
        version = self.version(app_id, number)
        try:
            package = offline_package_get(miniprogram=self.mp, version=version)
        except OfflinePackageRefused as exc:
            raise OfflinePackageConflict(" ".join(exc.messages)) from None
        return offline_package_response(package)
