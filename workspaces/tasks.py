"""Celery entry points of the workspaces app (STYLE.md §7): webhook deliveries and their sweep."""

from __future__ import annotations

from celery import shared_task

from console import outbox
from workspaces.services import webhooks


@outbox.handler(webhooks.HANDLER)  # "workspaces.webhook_deliver", queued through the outbox
def webhook_deliver(delivery_id: int) -> str:
    """One attempt of a webhook delivery; raises on a failed attempt so the outbox retries it
    with its capped backoff. Safe to run twice: a finished delivery is left alone."""
    return webhooks.webhook_deliver(delivery_id=delivery_id)


@shared_task(name="workspaces.sweep_webhooks")
def sweep_webhooks() -> dict[str, int]:
    """Hourly: fail webhook deliveries stuck pending, forget those older than 30 days."""
    return webhooks.webhook_deliveries_sweep()
