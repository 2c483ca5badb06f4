"""Webhooks: a workspace's HTTPS endpoints, told about the events they chose (SPEC §11).

Endpoints are managed by whoever may change the workspace's settings (``Cap.CHANGE_WORKSPACE``:
the Owner and Admins): :func:`webhook_endpoint_create`, :func:`webhook_endpoint_update`,
:func:`webhook_endpoint_delete`, :func:`webhook_endpoint_rotate_secret` — each audited — and
:func:`webhook_endpoint_test`, which queues a ``ping``.

:func:`webhook_emit` is the one call the apps above make, inside the transaction that made the
event happen: it writes one :class:`~workspaces.models.WebhookDelivery` per subscribed active
endpoint and an outbox row for each (``console/outbox.py``), and nothing else — no network, so a
dead endpoint never slows or blocks the caller, a rolled-back transaction sends nothing and a
broker outage loses nothing. The worker runs :func:`webhook_deliver` through the outbox handler
``workspaces.webhook_deliver`` (``workspaces/tasks.py``): one signed POST per attempt, each
attempt recorded on the row; a failed attempt raises, so the outbox retries with its capped
backoff, until ``MAX_ATTEMPTS`` (then the delivery is failed). :func:`webhook_deliveries_sweep`
(hourly) gives up on deliveries stuck pending and forgets them after 30 days.

**Signing.** Each request carries ``X-MPP-Timestamp`` (Unix seconds) and ``X-MPP-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` keyed with the endpoint's secret. The secret
is shown once (creation, rotation) and never stored: it is ``HMAC(HASH_PEPPER, salt)`` with a
random salt kept on the row (``webhook_secret``), so a copy of the database alone cannot sign,
and rotating it is drawing a new salt.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from console import outbox
from console.text import clean_display_text
from workspaces import authz, keys, webhook_transport
from workspaces.authz import Cap
from workspaces.models import Membership, WebhookDelivery, WebhookEndpoint, Workspace
from workspaces.services.audit import audit_record
from workspaces.transitions import WEBHOOK_DELIVERY_ALLOWED, transition_needed
from workspaces.webhook_transport import WebhookURLRefused

logger = logging.getLogger(__name__)

# Event codes an endpoint may subscribe to ("<noun>.<verb>"), with the sentence the console shows.
WEBHOOK_EVENTS: dict[str, str] = {
    "release.submitted": "A version was submitted for release",
    "release.approved": "A release was approved",
    "release.rejected": "A release was rejected",
    "release.withdrawn": "A release request was withdrawn",
    "release.cancelled": "A release was cancelled",
    "release.published": "A version went online",
    "release.rolled_back": "A target was rolled back",
    "grayscale.started": "A grayscale task started delivering",
    "grayscale.suspended": "A grayscale task was suspended",
    "grayscale.resumed": "A grayscale task delivers again",
    "grayscale.ended": "A grayscale task ended (with the reason)",
    "grayscale.version_replaced": "A grayscale task's version was replaced (hotfix)",
    "approval.requested": "A request is waiting for this workspace's decision",
    "approval.decided": "A request of this workspace was decided",
}
# The test event ("Send test event"): sent to one endpoint whatever it subscribed to; nobody
# subscribes to it and webhook_emit refuses it.
PING_EVENT = "ping"
PING_SENTENCE = "A test event sent from the console or the API"

HANDLER = "workspaces.webhook_deliver"  # the outbox handler (workspaces/tasks.py)
MAX_ENDPOINTS = 20  # per workspace
DESCRIPTION_MAX_LENGTH = 200
MAX_ATTEMPTS = outbox.MAX_ATTEMPTS  # one delivery attempt per outbox attempt
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
KEEP_DELIVERIES = timedelta(days=30)
# A delivery still pending this long after it was written lost its outbox row's attempts to
# dead workers (the outbox itself gives up within about an hour of backoff): it has failed.
STALE_PENDING = timedelta(days=1)
PURGE_BATCH = 1000

State = WebhookDelivery.State


class WebhookAttemptFailed(Exception):
    """An attempt did not get a 2xx answer; raised so the outbox tries again later."""


EVENT_CODE = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")


def webhook_event_register(code: str, sentence: str) -> None:
    """Let endpoints subscribe to another app's event ``code`` ("<noun>.<verb>", the console
    showing ``sentence``), from that app's ``AppConfig.ready`` — the apps above workspaces add
    their events here instead of editing :data:`WEBHOOK_EVENTS`. Registering a code again with
    the same sentence changes nothing; a different sentence, a malformed code or the test
    event's code is a programming error (``ValueError``)."""
    if not EVENT_CODE.fullmatch(code) or code == PING_EVENT:
        raise ValueError(f"not a webhook event code: {code!r}")
    known = WEBHOOK_EVENTS.get(code)
    if known is not None and known != sentence:
        raise ValueError(f"webhook event {code!r} is registered already: {known!r}")
    WEBHOOK_EVENTS[code] = sentence


def webhook_event_codes() -> list[str]:
    """Every event code an endpoint may subscribe to, the registered ones included."""
    return list(WEBHOOK_EVENTS)


def event_label(code: str) -> str:
    """The sentence of an event code (the code itself for one nobody registered)."""
    if code == PING_EVENT:
        return PING_SENTENCE
    return WEBHOOK_EVENTS.get(code, code)


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret, derived from its salt and the server pepper."""
    return SECRET_PREFIX + keys.keyed_hash(f"webhook-secret:{endpoint.secret_salt}")


def _new_salt() -> str:
    return secrets.token_hex(32)


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
    }


def _clean_url(url: str) -> str:
    value = (url or "").strip()
    try:
        webhook_transport.check_url(value)
    except WebhookURLRefused as exc:
        raise ValidationError({"url": str(exc)}, code="url") from None
    return value


def _clean_description(description: str) -> str:
    value = clean_display_text(description, label="The description", field="description")
    if len(value) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": f"Keep the description under {DESCRIPTION_MAX_LENGTH} characters "
                f"(it has {len(value)})."
            }
        )
    return value


def _clean_events(events: list[str]) -> list[str]:
    chosen = set(events or [])
    unknown = sorted(chosen - set(WEBHOOK_EVENTS))
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event: {', '.join(unknown)}. Choose from the list."}
        )
    if not chosen:
        raise ValidationError({"events": "Choose at least one event to send."})
    return [code for code in WEBHOOK_EVENTS if code in chosen]


def _clean(**fields: Any) -> dict[str, Any]:
    """The given fields as stored; every refusal at once, keyed by field."""
    cleaners: dict[str, Callable[[Any], Any]] = {
        "url": _clean_url,
        "description": _clean_description,
        "events": _clean_events,
    }
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, value in fields.items():
        try:
            cleaned[name] = cleaners[name](value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.error_dict[name])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _locked(actor: Membership, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint of the actor's workspace, locked (``DoesNotExist`` for another's)."""
    return WebhookEndpoint.objects.select_for_update().get(
        workspace_id=actor.workspace_id, pk=endpoint_id
    )


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: Membership,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown once, never stored).

    Refuses (``ValidationError`` by field) a URL that breaks the rule of
    ``workspaces/webhook_transport.py`` (HTTPS, public addresses), unknown or no events, and a
    workspace that already has ``MAX_ENDPOINTS``.
    """
    authz.require(actor, Cap.CHANGE_WORKSPACE)
    workspace = Workspace.objects.select_for_update().get(pk=actor.workspace_id)
    if WebhookEndpoint.objects.filter(workspace=workspace).count() >= MAX_ENDPOINTS:
        raise ValidationError(
            f"A workspace can have at most {MAX_ENDPOINTS} webhook endpoints; delete one first."
        )
    cleaned = _clean(url=url, description=description, events=events)
    endpoint = WebhookEndpoint(
        workspace=workspace,
        is_active=bool(is_active),
        secret_salt=_new_salt(),
        created_by=actor.user,
        **cleaned,
    )
    endpoint.full_clean()
    endpoint.save()
    audit_record(
        actor=actor.user,
        verb="webhook.create",
        workspace=workspace,
        target=endpoint,
        after=_snapshot(endpoint),
    )
    return endpoint, webhook_secret(endpoint)


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: Membership,
    endpoint_id: int,
    url: str | None = None,
    description: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given (``None`` keeps a value), under the row lock; the secret stays.

    A changed URL is checked again (the same rule as on creation); an unchanged one is not, so a
    passing DNS hiccup never stops an edit of the description.
    """
    authz.require(actor, Cap.CHANGE_WORKSPACE)
    endpoint = _locked(actor, endpoint_id)
    before = _snapshot(endpoint)
    given: dict[str, Any] = {}
    if url is not None and url.strip() != endpoint.url:
        given["url"] = url
    if description is not None:
        given["description"] = description
    if events is not None:
        given["events"] = events
    for name, value in _clean(**given).items():
        setattr(endpoint, name, value)
    if is_active is not None:
        endpoint.is_active = bool(is_active)
    after = _snapshot(endpoint)
    if after == before:
        return endpoint
    endpoint.full_clean()
    endpoint.save(update_fields=["url", "description", "events", "is_active", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="webhook.update",
        workspace=endpoint.workspace,
        target=endpoint,
        before=before,
        after=after,
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Membership, endpoint_id: int) -> None:
    """Delete an endpoint and its delivery log; deliveries not sent yet are dropped with it."""
    authz.require(actor, Cap.CHANGE_WORKSPACE)
    endpoint = _locked(actor, endpoint_id)
    audit_record(
        actor=actor.user,
        verb="webhook.delete",
        workspace=endpoint.workspace,
        target=endpoint,
        before=_snapshot(endpoint),
    )
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, actor: Membership, endpoint_id: int
) -> tuple[WebhookEndpoint, str]:
    """Issue a new signing secret (returned, shown once); the old one signs nothing any more,
    including the retries of deliveries already queued."""
    authz.require(actor, Cap.CHANGE_WORKSPACE)
    endpoint = _locked(actor, endpoint_id)
    endpoint.secret_salt = _new_salt()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret_salt", "secret_rotated_at", "updated_at"])
    audit_record(
        actor=actor.user,
        verb="webhook.rotate_secret",
        workspace=endpoint.workspace,
        target=endpoint,
        after={"secret_rotated_at": endpoint.secret_rotated_at.isoformat()},
    )
    return endpoint, webhook_secret(endpoint)


def _payload(*, workspace: Workspace, event: str, data: dict[str, Any], event_id: str) -> dict:
    return {
        "id": event_id,
        "event": event,
        "created_at": timezone.now().isoformat(),
        "workspace": workspace.slug,
        # Plain JSON now (dates, decimals, UUIDs as text), exactly what will be sent.
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }


def _queue(endpoints: list[WebhookEndpoint], *, event: str, payload: dict) -> list[int]:
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                workspace_id=endpoint.workspace_id, endpoint=endpoint, event=event, payload=payload
            )
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        outbox.outbox_enqueue(task=HANDLER, kwargs={"delivery_id": delivery.pk})
    return [delivery.pk for delivery in deliveries]


@transaction.atomic
def webhook_endpoint_test(*, actor: Membership, endpoint_id: int) -> WebhookDelivery:
    """Queue a ``ping`` to this endpoint (active or not), to check the URL and the signature."""
    authz.require(actor, Cap.CHANGE_WORKSPACE)
    endpoint = _locked(actor, endpoint_id)
    payload = _payload(
        workspace=endpoint.workspace,
        event=PING_EVENT,
        data={
            "message": "A test event from MPP: your endpoint is reachable and the signature "
            "can be checked.",
            "endpoint": {"id": endpoint.pk, "url": endpoint.url},
            "sent_by": actor.user.email,
        },
        event_id=str(uuid.uuid4()),
    )
    [delivery_id] = _queue([endpoint], event=PING_EVENT, payload=payload)
    audit_record(
        actor=actor.user,
        verb="webhook.test",
        workspace=endpoint.workspace,
        target=endpoint,
        after={"delivery": delivery_id},
    )
    return WebhookDelivery.objects.get(pk=delivery_id)


def webhook_emit(*, workspace: Workspace, event: str, data: dict[str, Any]) -> int:
    """Queue ``event`` with ``data`` to every active endpoint of ``workspace`` subscribed to it;
    returns how many deliveries were queued. Call inside the transaction that made it happen.

    Writes rows only (deliveries and their outbox rows): the POSTs happen in the worker after
    commit. ``data`` must be JSON-serializable (dates and decimals become text).
    """
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}.")
    # Few endpoints per workspace (MAX_ENDPOINTS): the event filter runs here, the same on
    # every database (SQLite has no JSON "contains").
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(workspace=workspace, is_active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    payload = _payload(workspace=workspace, event=event, data=data, event_id=str(uuid.uuid4()))
    with transaction.atomic():
        return len(_queue(endpoints, event=event, payload=payload))


# --- the worker side -----------------------------------------------------------------------


def webhook_request(delivery: WebhookDelivery, *, timestamp: int) -> tuple[bytes, dict[str, str]]:
    """The body and the MPP headers of one attempt of ``delivery`` (its endpoint loaded)."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    signature = webhook_transport.signature(
        secret=webhook_secret(delivery.endpoint), timestamp=timestamp, body=body
    )
    headers = {
        "X-MPP-Event": delivery.event,
        "X-MPP-Delivery": str(delivery.uid),
        "X-MPP-Timestamp": str(timestamp),
        "X-MPP-Signature": signature,
    }
    return body, headers


@transaction.atomic
def _record_attempt(
    *,
    delivery_id: int,
    status_code: int | None,
    error: str,
    duration_ms: int | None,
    give_up: bool = False,
) -> str:
    """Write one attempt's outcome and move the delivery on (the one door of its state):
    delivered on a 2xx; failed when out of attempts or ``give_up``; else still pending."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.state != State.PENDING:
        return delivery.state if delivery is not None else "gone"
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:300]
    delivery.last_duration_ms = duration_ms
    delivery.last_attempt_at = now
    ok = status_code is not None and 200 <= status_code < 300 and not give_up
    to = State.DELIVERED if ok else State.PENDING
    if not ok and (give_up or delivery.attempts >= MAX_ATTEMPTS):
        to = State.FAILED
    fields = ["attempts", "last_status_code", "last_error", "last_duration_ms", "last_attempt_at"]
    if transition_needed(WEBHOOK_DELIVERY_ALLOWED, delivery.state, to):
        delivery.state = to
        fields.append("state")
        if to == State.DELIVERED:
            delivery.delivered_at = now
            fields.append("delivered_at")
    delivery.save(update_fields=fields)
    return delivery.state


def webhook_deliver(*, delivery_id: int) -> str:
    """One attempt of a pending delivery (the outbox handler calls this; safe to run twice: a
    delivered or failed one is left alone). Returns the delivery's state after the attempt, and
    raises :class:`WebhookAttemptFailed` when it stays pending, so the outbox retries."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != State.PENDING:
        logger.info("webhook_deliver: delivery %s is gone or finished; skipping", delivery_id)
        return delivery.state if delivery is not None else "gone"
    if not delivery.endpoint.is_active and delivery.event != PING_EVENT:
        return _record_attempt(
            delivery_id=delivery_id,
            status_code=None,
            error="Not sent: the endpoint was turned off before this event went out.",
            duration_ms=None,
            give_up=True,
        )
    body, headers = webhook_request(delivery, timestamp=int(time.time()))
    try:
        outcome = webhook_transport.post(
            url=delivery.endpoint.url,
            body=body,
            headers=headers,
            timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS),
        )
    except WebhookURLRefused as exc:
        # The host points somewhere it may not any more (or never could): no retry.
        logger.warning("webhook_deliver: delivery %s refused: %s", delivery_id, exc)
        return _record_attempt(
            delivery_id=delivery_id,
            status_code=None,
            error=f"Not sent: {exc}",
            duration_ms=None,
            give_up=True,
        )
    state = _record_attempt(
        delivery_id=delivery_id,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    if state == State.PENDING:
        raise WebhookAttemptFailed(outcome.error)
    if state == State.FAILED:
        logger.warning(
            "webhook_deliver: gave up on delivery %s after %d attempts: %s",
            delivery_id,
            MAX_ATTEMPTS,
            outcome.error,
        )
    return state


def webhook_deliveries_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Fail deliveries stuck pending (their attempts were lost with dead workers) and forget
    deliveries older than ``KEEP_DELIVERIES``, a bounded batch at a time. Safe to run twice."""
    now = now or timezone.now()
    failed = WebhookDelivery.objects.filter(
        state=State.PENDING, created_at__lt=now - STALE_PENDING
    ).update(
        state=State.FAILED,
        last_error="Not delivered: no attempt finished within a day (the worker was lost).",
    )
    ids = list(
        WebhookDelivery.objects.filter(created_at__lt=now - KEEP_DELIVERIES).values_list(
            "pk", flat=True
        )[:PURGE_BATCH]
    )
    purged = WebhookDelivery.objects.filter(pk__in=ids).delete()[0] if ids else 0
    if failed or purged:
        logger.info("webhook_deliveries_sweep: failed %d stale, purged %d old", failed, purged)
    return {"failed": failed, "purged": purged}
