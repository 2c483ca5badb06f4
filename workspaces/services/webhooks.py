"""Webhooks: a workspace's HTTPS endpoints, told about the events they chose (SPEC §11).

Placeholder until the webhooks increment lands: :func:`webhook_emit` is the one call the apps
above make (inside their transaction; deliveries go out through the outbox after commit).
"""

from __future__ import annotations

from typing import Any

from workspaces.models import Workspace

# Event codes an endpoint may subscribe to ("<noun>.<verb>"), with the sentence the console shows.
WEBHOOK_EVENTS: dict[str, str] = {
    "release.submitted": "A version was submitted for release",
    "release.approved": "A release was approved",
    "release.rejected": "A release was rejected",
    "release.withdrawn": "A release request was withdrawn",
    "release.cancelled": "A release was cancelled",
    "release.published": "A version went online",
    "release.rolled_back": "A target was rolled back",
    "approval.requested": "A request is waiting for this workspace's decision",
    "approval.decided": "A request of this workspace was decided",
}


def webhook_emit(*, workspace: Workspace, event: str, data: dict[str, Any]) -> int:
    """Queue ``event`` with ``data`` to every active endpoint of ``workspace`` subscribed to it;
    returns how many deliveries were queued. Call inside the transaction that made it happen."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}.")
    return 0
