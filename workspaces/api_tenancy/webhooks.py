"""``…/{slug}/webhooks``: a workspace's webhook endpoints, their secrets and delivery logs.

Every method needs ``workspaces.change_workspace`` (the Owner and Admins), reads included: an
endpoint's URL and its log say where the workspace's data goes.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter
from workspaces.models import WebhookEndpoint
from workspaces.selectors_webhooks import (
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from workspaces.serializers_tenancy.webhooks import (
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
    WebhookEndpointWithSecretSerializer,
)
from workspaces.services.webhooks import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_endpoint_update,
)

TAG_WEBHOOKS = "webhooks"
ENDPOINT_ID = id_parameter("endpoint_id", "webhook endpoint")
DELIVERY_ID = id_parameter("delivery_id", "delivery")
NEEDS = " Needs workspaces.change_workspace."


class _WebhookView(WorkspaceAPIView):
    read_cap = Cap.CHANGE_WORKSPACE

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        authz.require(self.membership, Cap.CHANGE_WORKSPACE)  # 403 before "bad input"

    def endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        endpoint = webhook_endpoint_get(workspace=self.workspace, endpoint_id=endpoint_id)
        if endpoint is None:
            raise Http404("No such webhook endpoint.")
        return endpoint


class WebhookListView(_WebhookView):
    serializer_class = WebhookEndpointCreateSerializer

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Webhook endpoints of a workspace",
        description="Oldest first, each with its newest delivery's outcome." + NEEDS,
        parameters=[SLUG],
        responses={200: WebhookEndpointSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        return self.paginated(
            webhook_endpoint_list(workspace=self.workspace), WebhookEndpointSerializer
        )

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Add a webhook endpoint",
        description="An https:// URL whose host resolves only to public addresses, and the "
        "events to send. Answers with the signing secret, once." + NEEDS,
        parameters=[SLUG],
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(WebhookEndpointCreateSerializer)
        endpoint, secret = webhook_endpoint_create(
            actor=self.membership,
            url=data["url"],
            description=data.get("description", ""),
            events=data["events"],
            is_active=data.get("is_active", True),
        )
        return self.out(
            WebhookEndpointWithSecretSerializer, self.endpoint(endpoint.pk), code=201, secret=secret
        )


class WebhookDetailView(_WebhookView):
    serializer_class = WebhookEndpointUpdateSerializer

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="One webhook endpoint",
        description="Never includes the signing secret." + NEEDS,
        parameters=[SLUG, ENDPOINT_ID],
        responses={200: WebhookEndpointSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, endpoint_id: int) -> Response:
        return self.out(WebhookEndpointSerializer, self.endpoint(endpoint_id))

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Edit a webhook endpoint",
        description="Send only what changes; the signing secret stays (see rotate-secret)." + NEEDS,
        parameters=[SLUG, ENDPOINT_ID],
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, endpoint_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        data = self.body(WebhookEndpointUpdateSerializer, partial=True)
        webhook_endpoint_update(
            actor=self.membership,
            endpoint_id=endpoint.pk,
            url=data.get("url"),
            description=data.get("description"),
            events=data.get("events"),
            is_active=data.get("is_active"),
        )
        return self.out(WebhookEndpointSerializer, self.endpoint(endpoint.pk))

    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Delete a webhook endpoint",
        description="With its delivery log; deliveries not sent yet are dropped." + NEEDS,
        parameters=[SLUG, ENDPOINT_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, endpoint_id: int) -> Response:
        webhook_endpoint_delete(actor=self.membership, endpoint_id=self.endpoint(endpoint_id).pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(_WebhookView):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Rotate the signing secret",
        description="Requests are signed with the new secret at once (retries included); it is "
        "in this answer only." + NEEDS,
        parameters=[SLUG, ENDPOINT_ID],
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, endpoint_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        _, secret = webhook_endpoint_rotate_secret(actor=self.membership, endpoint_id=endpoint.pk)
        return self.out(
            WebhookEndpointWithSecretSerializer, self.endpoint(endpoint.pk), secret=secret
        )


class WebhookTestView(_WebhookView):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Send a test event",
        description="Queues a `ping` delivery to this endpoint (even if it is turned off); "
        "follow it in the deliveries list." + NEEDS,
        parameters=[SLUG, ENDPOINT_ID],
        request=None,
        responses={202: WebhookDeliveryDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, endpoint_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        delivery = webhook_endpoint_test(actor=self.membership, endpoint_id=endpoint.pk)
        return self.out(WebhookDeliveryDetailSerializer, delivery, code=202)


class WebhookDeliveryListView(_WebhookView):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="Deliveries of a webhook endpoint",
        description="Newest first, kept 30 days: state, attempts, the last answer code and "
        "error." + NEEDS,
        parameters=[SLUG, ENDPOINT_ID],
        responses={200: WebhookDeliverySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, endpoint_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        return self.paginated(webhook_delivery_list(endpoint=endpoint), WebhookDeliverySerializer)


class WebhookDeliveryDetailView(_WebhookView):
    @extend_schema(
        tags=[TAG_WEBHOOKS],
        summary="One delivery, with its payload",
        parameters=[SLUG, ENDPOINT_ID, DELIVERY_ID],
        description="The JSON body it sends and the outcome of its last attempt." + NEEDS,
        responses={200: WebhookDeliveryDetailSerializer, **ERRORS},
    )
    def get(
        self, request: Request, workspace_slug: str, endpoint_id: int, delivery_id: int
    ) -> Response:
        delivery = webhook_delivery_get(
            endpoint=self.endpoint(endpoint_id), delivery_id=delivery_id
        )
        if delivery is None:
            raise Http404("No such delivery.")
        return self.out(WebhookDeliveryDetailSerializer, delivery)
