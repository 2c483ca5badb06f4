"""``/api/v1/workspaces/{slug}/host-apps/{host_app_id}/message-endpoint``: where a tenant's host
app receives its users' subscription messages (set up, change, turn off and on, rotate the
secret, remove, send a test message). The same services as Settings → Message delivery.

Every method needs ``workspaces.manage_hostapps`` (the Owner, Admins and members granted it),
reads included: the URL says where the users' messages go. 404 in a developer workspace.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.subscriptions.endpoints import (
    message_endpoint_delete,
    message_endpoint_get,
    message_endpoint_rotate_secret,
    message_endpoint_set,
    message_endpoint_set_active,
    message_endpoint_test,
)
from miniprograms.subscriptions.models import MessageEndpoint
from miniprograms.subscriptions.serializers_endpoints import (
    EndpointTestOutcomeSerializer,
    MessageEndpointPutSerializer,
    MessageEndpointSerializer,
    MessageEndpointWithSecretSerializer,
)
from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter
from workspaces.models import HostApp
from workspaces.selectors import host_app_get

TAG = "message endpoints"
HOST_APP_ID = id_parameter("host_app_id", "host app")
NEEDS = " Needs workspaces.manage_hostapps."


class _EndpointView(WorkspaceAPIView):
    read_cap = Cap.MANAGE_HOST_APPS
    tenant_only = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        authz.require(self.membership, Cap.MANAGE_HOST_APPS)  # 403 before "bad input"

    def host_app(self, host_app_id: int) -> HostApp:
        app = host_app_get(workspace=self.workspace, host_app_id=host_app_id)
        if app is None:
            raise Http404("No such host app.")
        return app

    def endpoint(self, app: HostApp) -> MessageEndpoint:
        endpoint = message_endpoint_get(host_app=app)
        if endpoint is None:
            raise Http404("This host app has no message endpoint.")
        return endpoint


class MessageEndpointView(_EndpointView):
    serializer_class = MessageEndpointPutSerializer

    @extend_schema(
        tags=[TAG],
        summary="A host app's message endpoint",
        description="Never includes the signing secret. 404 while the host app has none." + NEEDS,
        parameters=[SLUG, HOST_APP_ID],
        responses={200: MessageEndpointSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        return self.out(MessageEndpointSerializer, self.endpoint(self.host_app(host_app_id)))

    @extend_schema(
        tags=[TAG],
        summary="Set up or change a host app's message endpoint",
        description="An https:// URL whose host resolves only to public addresses. Setting it "
        "up answers 201 with the signing secret, once; changing the URL answers 200 and keeps "
        "the secret. is_active turns it on or off. Audited." + NEEDS,
        parameters=[SLUG, HOST_APP_ID],
        request=MessageEndpointPutSerializer,
        responses={
            200: MessageEndpointSerializer,
            201: MessageEndpointWithSecretSerializer,
            **WRITE_ERRORS,
        },
    )
    def put(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        data = self.body(MessageEndpointPutSerializer)
        endpoint, secret = message_endpoint_set(
            actor=self.membership, host_app=app, url=data["url"]
        )
        if "is_active" in data:
            endpoint = message_endpoint_set_active(
                actor=self.membership, host_app=app, is_active=data["is_active"]
            )
        if secret is not None:
            return self.out(
                MessageEndpointWithSecretSerializer,
                endpoint,
                code=status.HTTP_201_CREATED,
                secret=secret,
            )
        return self.out(MessageEndpointSerializer, endpoint)

    @extend_schema(
        tags=[TAG],
        summary="Remove a host app's message endpoint",
        description="Its secret is forgotten; setting one up again issues a new one. The "
        "delivery log stays. Audited." + NEEDS,
        parameters=[SLUG, HOST_APP_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        message_endpoint_delete(actor=self.membership, host_app=app)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageEndpointRotateSecretView(_EndpointView):
    @extend_schema(
        tags=[TAG],
        summary="Rotate the message endpoint's signing secret",
        description="Messages are signed with the new secret at once (retries included); it is "
        "in this answer only. Audited." + NEEDS,
        parameters=[SLUG, HOST_APP_ID],
        request=None,
        responses={200: MessageEndpointWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        endpoint, secret = message_endpoint_rotate_secret(actor=self.membership, host_app=app)
        return self.out(MessageEndpointWithSecretSerializer, endpoint, secret=secret)


class MessageEndpointTestView(_EndpointView):
    @extend_schema(
        tags=[TAG],
        summary="Send a test message to the message endpoint",
        description="Posts a signed message of type test now (even to an endpoint that is off) "
        "and answers with what came back: delivered, the HTTP status, the time taken and the "
        "error. Bounded by the delivery timeout. Audited." + NEEDS,
        parameters=[SLUG, HOST_APP_ID],
        request=None,
        responses={200: EndpointTestOutcomeSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        self.endpoint(app)
        outcome = message_endpoint_test(actor=self.membership, host_app=app)
        return self.out(EndpointTestOutcomeSerializer, outcome)
