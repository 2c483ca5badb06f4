"""``/api/v1/…/versions/<number>/diff``: compare a version's package with another's (by
default the version before it: the rule the console's diff page applies, one selector)."""

from __future__ import annotations

import zipfile

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID
from releases import selectors
from releases.api.base import NUMBER, TAG_VERSIONS, VersionAPIView
from releases.serializers import DiffQuerySerializer, DiffSerializer
from workspaces.endpoints import SLUG, WRITE_ERRORS


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
