"""``…/{slug}/host-apps``: a tenant's host apps and their SDK secrets."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces.authz import Cap
from workspaces.endpoints import (
    ERRORS,
    SLUG,
    WRITE_ERRORS,
    WorkspaceAPIView,
    id_parameter,
    json_or_multipart,
)
from workspaces.models import HostApp
from workspaces.selectors import host_app_get, host_app_list
from workspaces.serializers_tenancy.hostapps import (
    HostAppCreateSerializer,
    HostAppSerializer,
    HostAppUpdateSerializer,
    HostAppWithSecretSerializer,
)
from workspaces.services.hostapps import (
    host_app_create,
    host_app_freeze_key,
    host_app_patch,
    host_app_reset_secret,
    host_app_unfreeze_key,
)

TAG_HOST_APPS = "host apps"
HOST_APP_ID = id_parameter("host_app_id", "host app")


class HostAppListView(WorkspaceAPIView):
    serializer_class = HostAppCreateSerializer
    read_cap = Cap.VIEW_HOST_APPS
    tenant_only = True

    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Host apps of a tenant workspace",
        description="In name order. Developer workspaces have none (404).",
        parameters=[SLUG],
        responses={200: HostAppSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        return self.paginated(host_app_list(workspace=self.workspace), HostAppSerializer)

    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Register a host app",
        description="Answers with the SDK secret, once: only its hash is kept. Needs "
        "workspaces.manage_hostapps.",
        parameters=[SLUG],
        request=json_or_multipart(HostAppCreateSerializer),
        responses={201: HostAppWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(HostAppCreateSerializer)
        app, secret = host_app_create(
            actor=self.membership,
            name=data["name"],
            description=data.get("description", ""),
            platforms={k: v or "" for k, v in data["platforms"].items()},
            icon=data.get("icon"),
            sandbox_needs_review=data.get("sandbox_needs_review", False),
            preview_scheme=data.get("preview_scheme", ""),
        )
        app = host_app_get(workspace=self.workspace, host_app_id=app.pk)
        return self.out(HostAppWithSecretSerializer, app, code=201, secret=secret)


class _HostAppObjectView(WorkspaceAPIView):
    read_cap = Cap.VIEW_HOST_APPS
    tenant_only = True

    def host_app(self, host_app_id: int) -> HostApp:
        app = host_app_get(workspace=self.workspace, host_app_id=host_app_id)
        if app is None:
            raise Http404("No such host app.")
        return app


class HostAppDetailView(_HostAppObjectView):
    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="One host app",
        description="Never includes the SDK secret.",
        parameters=[SLUG, HOST_APP_ID],
        responses={200: HostAppSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        return self.out(HostAppSerializer, self.host_app(host_app_id))

    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Edit a host app",
        description="Send only what changes. platforms is merged per platform: a null or empty "
        "bundle id removes that platform. The app key never changes. Needs "
        "workspaces.manage_hostapps.",
        parameters=[SLUG, HOST_APP_ID],
        request=json_or_multipart(HostAppUpdateSerializer),
        responses={200: HostAppSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        data = self.body(HostAppUpdateSerializer, partial=True)
        host_app_patch(
            actor=self.membership,
            host_app_id=app.pk,
            name=data.get("name"),
            description=data.get("description"),
            platforms=data.get("platforms"),
            icon=data.get("icon"),
            sandbox_needs_review=data.get("sandbox_needs_review"),
            preview_scheme=data.get("preview_scheme"),
        )
        return self.out(HostAppSerializer, self.host_app(app.pk))


class HostAppResetSecretView(_HostAppObjectView):
    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Reset the SDK secret",
        description="The old secret stops working at once; the new one is in this answer "
        "only. Needs workspaces.manage_hostapps.",
        parameters=[SLUG, HOST_APP_ID],
        request=None,
        responses={200: HostAppWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        app, secret = host_app_reset_secret(actor=self.membership, host_app_id=app.pk)
        return self.out(HostAppWithSecretSerializer, self.host_app(app.pk), secret=secret)


class HostAppFreezeKeyView(_HostAppObjectView):
    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Freeze the SDK key",
        description="Every runtime call with this host app's key is refused (403 key_frozen) "
        "until it is unfrozen; the secret is kept. Freezing a frozen key changes nothing. "
        "Needs workspaces.manage_hostapps.",
        parameters=[SLUG, HOST_APP_ID],
        request=None,
        responses={200: HostAppSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        host_app_freeze_key(actor=self.membership, host_app_id=app.pk)
        return self.out(HostAppSerializer, self.host_app(app.pk))


class HostAppUnfreezeKeyView(_HostAppObjectView):
    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Unfreeze the SDK key",
        description="The key and its secret work again. Unfreezing a working key changes "
        "nothing. Needs workspaces.manage_hostapps.",
        parameters=[SLUG, HOST_APP_ID],
        request=None,
        responses={200: HostAppSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        host_app_unfreeze_key(actor=self.membership, host_app_id=app.pk)
        return self.out(HostAppSerializer, self.host_app(app.pk))
