"""``/api/v1/…/miniprograms/<app_id>/app-secret[/reset|/freeze|/unfreeze]``: the AppSecret's
state and actions, and the OAuth settings. The secret appears only in the answers of generate
and reset. Every action needs miniprograms.manage_appsecret (the Owner and Admins)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.secrets.selectors import appsecret_get
from miniprograms.secrets.serializers import (
    AppSecretSerializer,
    NewAppSecretSerializer,
    OAuthSettingsSerializer,
)
from miniprograms.secrets.services import (
    appsecret_freeze,
    appsecret_generate,
    appsecret_reset,
    appsecret_unfreeze,
    oauth_settings_update,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS

TAG = "mini program AppSecret"
NEEDS = " Needs miniprograms.manage_appsecret."


class _AppSecretAPIView(MiniProgramAPIView):
    def _new(self, mp, secret: str, code: int) -> Response:
        """The state with the new secret: the only answer that ever holds it (not stored)."""
        row = appsecret_get(miniprogram=mp)
        return Response(
            NewAppSecretSerializer(row, context={"secret": secret}).data,
            status=code,
            headers={"Cache-Control": "no-store"},
        )


class AppSecretView(_AppSecretAPIView):
    serializer_class = OAuthSettingsSerializer

    @extend_schema(
        tags=[TAG],
        summary="AppSecret state and OAuth settings",
        description="Never the secret: it is shown once, when generated or reset.",
        parameters=[SLUG, APP_ID],
        responses={200: AppSecretSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        return self.out(AppSecretSerializer, appsecret_get(miniprogram=mp))

    @extend_schema(
        tags=[TAG],
        summary="Generate the AppSecret",
        description="The first AppSecret of the mini program, in `secret`: this answer is the "
        "only time it is shown. 400 when one exists (reset it instead)." + NEEDS,
        parameters=[SLUG, APP_ID],
        request=None,
        responses={201: NewAppSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_APP_SECRET)
        _row, secret = appsecret_generate(actor=self.membership, miniprogram=mp)
        return self._new(mp, secret, status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG],
        summary="Change the OAuth settings",
        description="How long accessTokens live. Tokens already issued keep their expiry." + NEEDS,
        parameters=[SLUG, APP_ID],
        request=OAuthSettingsSerializer,
        responses={200: AppSecretSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_APP_SECRET)
        data = self.body(OAuthSettingsSerializer)
        oauth_settings_update(
            actor=self.membership, miniprogram=mp, access_token_ttl=data["access_token_ttl"]
        )
        return self.out(AppSecretSerializer, appsecret_get(miniprogram=mp))


class AppSecretResetView(_AppSecretAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Reset the AppSecret",
        description="A new AppSecret, in `secret` (the only time it is shown); the previous one "
        "stops working at once. A frozen AppSecret stays frozen. 400 when none was generated."
        + NEEDS,
        parameters=[SLUG, APP_ID],
        request=None,
        responses={200: NewAppSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_APP_SECRET)
        _row, secret = appsecret_reset(actor=self.membership, miniprogram=mp)
        return self._new(mp, secret, status.HTTP_200_OK)


class AppSecretFreezeView(_AppSecretAPIView):
    freeze = True

    @extend_schema(
        tags=[TAG],
        summary="Freeze the AppSecret",
        description="Every token exchange answers 403 secret_frozen until it is unfrozen. "
        "Freezing a frozen AppSecret changes nothing." + NEEDS,
        parameters=[SLUG, APP_ID],
        request=None,
        responses={200: AppSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_APP_SECRET)
        action = appsecret_freeze if self.freeze else appsecret_unfreeze
        action(actor=self.membership, miniprogram=mp)
        return self.out(AppSecretSerializer, appsecret_get(miniprogram=mp))


class AppSecretUnfreezeView(AppSecretFreezeView):
    freeze = False

    @extend_schema(
        tags=[TAG],
        summary="Unfreeze the AppSecret",
        description="The same AppSecret works again at once." + NEEDS,
        parameters=[SLUG, APP_ID],
        request=None,
        responses={200: AppSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        return super().post(request, workspace_slug, app_id)
