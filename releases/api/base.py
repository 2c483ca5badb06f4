"""The API base for endpoints about the versions of one mini program: the version number
parameter, a version looked up *inside* the mini program (404 otherwise), and the detail answer
read again after a write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import exceptions
from rest_framework.response import Response

from miniprograms.endpoints import MiniProgramAPIView
from miniprograms.models import MiniProgram
from releases import selectors
from releases.models import Version
from releases.package.versioning import parse_version
from releases.serializers import VersionDetailSerializer
from workspaces.authz import Cap

TAG_VERSIONS = "versions"

NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The version number, MAJOR.MINOR.PATCH.",
    pattern=r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$",
)


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
