"""``/api/v1/…/miniprograms/<app_id>/trial``: the trial version whitelisted testers open."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID
from releases import selectors
from releases.api.base import VersionAPIView
from releases.serializers import TrialSerializer, TrialUpdateSerializer
from releases.services.trial import trial_clear, trial_configure
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS

TAG_TRIAL = "trial version"


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
