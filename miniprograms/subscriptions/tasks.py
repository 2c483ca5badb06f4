"""Celery entry points of subscription messages (STYLE.md §7): the delivery run and its sweep."""

from __future__ import annotations

from celery import shared_task

from console.outbox import ring
from miniprograms.subscriptions import delivery


@shared_task(name="miniprograms.deliver_messages")
def deliver_messages() -> dict[str, int]:
    """Drain the due subscription messages (rung by sends; safe to run twice: rows are claimed).
    Before it ends, a retry due within a minute is rung for its time."""
    counts = delivery.messages_deliver_due()
    wait = delivery.next_retry_in()
    if wait is not None and wait <= 60:
        ring(deliver_messages, what="subscription message retries", countdown=max(wait, 1.0))
    return counts


@shared_task(name="miniprograms.sweep_messages")
def sweep_messages() -> dict[str, int]:
    """Every minute: ring for due messages (lost rings, retries), forget month-old ones."""
    return delivery.messages_sweep()
