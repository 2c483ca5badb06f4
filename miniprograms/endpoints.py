"""The API base for endpoints about one mini program, for this app and the apps above it
(releases' versions API, …): the App ID parameter, fetch-and-authorize, and the detail answer.

As in the console (``miniprograms.mixins``), a tenant's member reads a merchant's mini program
that targets one of the tenant's host apps at the same paths as its own: GETs answer, every
write is a 403, and an endpoint with ``host_readable = False`` (the merchant's developers and
testers) a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import exceptions
from rest_framework.response import Response

from miniprograms.access import SAFE_METHODS, HostReadOnly, access_miniprogram_or_hosted
from miniprograms.models import MiniProgram
from miniprograms.selectors import miniprogram_get
from miniprograms.serializers import MiniProgramDetailSerializer
from workspaces.authz import Cap, CapabilityDenied
from workspaces.endpoints import WorkspaceAPIView, capability_message

APP_ID = OpenApiParameter(
    "app_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The mini program's 16-digit App ID.",
    pattern=r"^[1-9][0-9]{15}$",
)


class MiniProgramAPIView(WorkspaceAPIView):
    """A workspace endpoint about mini programs: fetch-and-authorize, and the detail answer."""

    host_readable: bool = True
    is_hosted: bool = False

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, HostReadOnly):
            exc = exceptions.PermissionDenied(str(exc))
        if isinstance(exc, CapabilityDenied) and exc.cap == Cap.DEVELOP_MINIPROGRAM:
            # Developers hold it per mini program, through being assigned: say so.
            message = capability_message(exc).removesuffix(".")
            exc = exceptions.PermissionDenied(
                f"{message}, or a Developer assigned to this mini program."
            )
        return super().handle_exception(exc)

    def miniprogram(self, app_id: str, cap: Cap = Cap.VIEW_MINIPROGRAM) -> MiniProgram:
        mp, self.is_hosted = access_miniprogram_or_hosted(
            member=self.membership,
            app_id=app_id,
            cap=cap,
            hosted=self.host_readable,
            writing=self.request.method not in SAFE_METHODS,
        )
        return mp

    def detail(self, app_id: str, *, code: int = 200) -> Response:
        """The detail body, read again after a write (what the console's page would show)."""
        mp = miniprogram_get(workspace=self.workspace, app_id=app_id)
        return self.out(MiniProgramDetailSerializer, mp, code=code)
