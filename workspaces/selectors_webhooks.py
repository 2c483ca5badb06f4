"""Reads of webhook endpoints and their delivery logs, scoped to one workspace, with what the
pages show fetched up front (constant queries whatever the number of rows)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from workspaces.models import WebhookDelivery, WebhookEndpoint, Workspace
from workspaces.services.webhooks import WEBHOOK_EVENTS


def webhook_event_choices() -> list[tuple[str, str]]:
    """``(code, sentence)`` of every event an endpoint can subscribe to, in the list's order."""
    return list(WEBHOOK_EVENTS.items())


def webhook_endpoint_list(*, workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    """The workspace's endpoints, oldest first, each annotated with its latest delivery's
    ``last_delivery_state``, ``last_delivery_status_code``, ``last_delivery_attempts`` and
    ``last_delivery_at`` (all None before the first delivery)."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        WebhookEndpoint.objects.filter(workspace=workspace)
        .annotate(
            last_delivery_state=Subquery(latest.values("state")[:1]),
            last_delivery_status_code=Subquery(latest.values("last_status_code")[:1]),
            last_delivery_attempts=Subquery(latest.values("attempts")[:1]),
            last_delivery_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("created_at", "id")
    )


def webhook_endpoint_get(*, workspace: Workspace, endpoint_id: int) -> WebhookEndpoint | None:
    """One endpoint of the workspace (``None`` for a missing one or another workspace's)."""
    return webhook_endpoint_list(workspace=workspace).filter(pk=endpoint_id).first()


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """An endpoint's delivery log, newest first (without the payloads: the list shows none)."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .defer("payload")
        .order_by("-created_at", "-id")
    )


def webhook_delivery_get(*, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery | None:
    """One delivery of the endpoint, with its payload (``None`` for another endpoint's)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint, pk=delivery_id).first()
