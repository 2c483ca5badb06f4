"""``/api/v1/…/miniprograms/<app_id>/shelf`` and ``…/host-apps/<id>/offline``: on or off
shelf, and offline from one host app."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.api.programs import TAG_MINIPROGRAMS
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.serializers.programs import (
    MiniProgramDetailSerializer,
    OfflineSerializer,
    ShelfSerializer,
)
from miniprograms.services.lifecycle import miniprogram_set_shelf, miniprogram_take_offline
from workspaces.authz import Cap
from workspaces.endpoints import SLUG, WRITE_ERRORS, id_parameter

HOST_APP_ID = id_parameter("host_app_id", "host app (see the mini program's host_apps)")


class MiniProgramShelfView(MiniProgramAPIView):
    serializer_class = ShelfSerializer

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Put a mini program on or off shelf",
        description="Off shelf: no host app gets it and nothing can be published (versions can "
        "still be submitted for review); taking it off needs a reason. Asking for the state "
        "it is in changes nothing. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=ShelfSerializer,
        responses={200: MiniProgramDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_MINIPROGRAM)
        data = self.body(ShelfSerializer)
        miniprogram_set_shelf(
            actor=self.membership,
            miniprogram=mp,
            on_shelf=data["on_shelf"],
            reason=data["reason"],
        )
        return self.detail(app_id)


class MiniProgramHostAppOfflineView(MiniProgramAPIView):
    serializer_class = OfflineSerializer

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Take a mini program offline from one host app",
        description="That host app stops getting it; its data is kept and adding the host app "
        "back (PATCH host_apps) releases it there again. 404 when it is not released to that "
        "host app. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID, HOST_APP_ID],
        request=OfflineSerializer,
        responses={200: MiniProgramDetailSerializer, **WRITE_ERRORS},
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, host_app_id: int
    ) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_MINIPROGRAM)
        if not any(target.host_app_id == host_app_id for target in mp.targets.all()):
            raise exceptions.NotFound("The mini program is not released to this host app.")
        data = self.body(OfflineSerializer)
        miniprogram_take_offline(
            actor=self.membership, miniprogram=mp, host_app_id=host_app_id, reason=data["reason"]
        )
        return self.detail(app_id)
