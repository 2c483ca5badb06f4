"""A host app's message endpoint (issue 13): where the delivery worker posts its users'
subscription messages, configured by the tenant (Settings → Message delivery, and the API).

**Who.** Whoever manages the tenant's host apps (``Cap.MANAGE_HOST_APPS``: the Owner, Admins
and members granted it) sets an endpoint up, changes its URL, turns it off and on, rotates its
secret, removes it and sends it a test message: :func:`message_endpoint_set`,
:func:`message_endpoint_set_active`, :func:`message_endpoint_rotate_secret`,
:func:`message_endpoint_delete`, :func:`message_endpoint_test`. Every change is audited
(``message_endpoint.<verb>``, words in ``audit.py``).

**The URL rule** is the webhooks' (``workspaces.webhook_transport.check_url``): HTTPS, no user
name or password, no fragment, and a host that resolves only to public addresses (plain HTTP and
private addresses only for the hosts of ``settings.WEBHOOK_ALLOW_HTTP_HOSTS``, empty in
production). It is checked when the URL is saved and again at every POST.

**Signing.** Each delivery carries ``X-MPP-Message-Id`` (the message's id, the same on every
retry), ``X-MPP-Timestamp`` (Unix seconds) and ``X-MPP-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>">`` keyed with the endpoint's secret — the same scheme as the workspace
webhooks (``workspaces.webhook_transport.signature``), so a tenant verifies both with one
function (:func:`message_endpoint_request` builds them). The secret is shown once (set-up,
rotation) and never stored: it is ``HMAC(HASH_PEPPER, salt)`` with a random salt kept on the
row, so a copy of the database alone cannot sign, and rotating it is drawing a new salt.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from miniprograms.subscriptions.models import MessageEndpoint
from workspaces import authz, keys, webhook_transport
from workspaces.authz import Cap
from workspaces.models import HostApp, Membership, Workspace
from workspaces.services.audit import audit_record
from workspaces.webhook_transport import WebhookURLRefused

SECRET_PREFIX = "mmsec_"  # noqa: S105 - a prefix, not a secret
USER_AGENT = "MPP-Messages/1.0"  # as the delivery worker's (delivery.py)
TEST_USER_ID = "test-user"
TEST_TITLE = "Test message"


def message_endpoint_secret(endpoint: MessageEndpoint) -> str:
    """The endpoint's signing secret, derived from its salt and the server pepper."""
    return SECRET_PREFIX + keys.keyed_hash(f"message-endpoint-secret:{endpoint.secret_salt}")


def message_endpoint_request(
    *,
    endpoint: MessageEndpoint,
    payload: dict[str, Any],
    message_id: str,
    timestamp: int,
    attempt: int = 1,
) -> tuple[bytes, dict[str, str]]:
    """The body (compact JSON, UTF-8) and the headers of one POST of ``payload``: the same as
    the delivery worker's (``delivery.message_request``)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    signature = webhook_transport.signature(
        secret=message_endpoint_secret(endpoint), timestamp=timestamp, body=body
    )
    headers = {
        "User-Agent": USER_AGENT,
        "X-MPP-Message-Id": message_id,
        "X-MPP-Attempt": str(attempt),
        "X-MPP-Timestamp": str(timestamp),
        "X-MPP-Signature": signature,
    }
    return body, headers


# --- reads -------------------------------------------------------------------------------------


def message_endpoint_get(*, host_app: HostApp) -> MessageEndpoint | None:
    """The host app's endpoint, or ``None`` while it has none."""
    return MessageEndpoint.objects.select_related("host_app").filter(host_app=host_app).first()


@dataclass(frozen=True)
class HostAppEndpoint:
    """One card of the Settings tab: a host app and its endpoint (``None``: not set up)."""

    host_app: HostApp
    endpoint: MessageEndpoint | None


def message_endpoint_list(*, workspace: Workspace) -> list[HostAppEndpoint]:
    """Every host app of the tenant, by name, with its endpoint: one query."""
    apps = (
        HostApp.objects.filter(workspace=workspace)
        .select_related("message_endpoint", "message_endpoint__created_by")
        .order_by("name", "pk")
    )
    return [
        HostAppEndpoint(host_app=app, endpoint=getattr(app, "message_endpoint", None))
        for app in apps
    ]


# --- writes ------------------------------------------------------------------------------------


def _new_salt() -> str:
    return secrets.token_hex(32)


def _snapshot(endpoint: MessageEndpoint) -> dict[str, Any]:
    return {"url": endpoint.url, "is_active": endpoint.is_active}


def _clean_url(url: str) -> str:
    """The URL as stored, or ``ValidationError`` keyed ``url`` saying what is wrong."""
    value = (url or "").strip()
    try:
        webhook_transport.check_url(value)
    except WebhookURLRefused as exc:
        # The transport's sentences speak of webhooks; here the same rule carries messages.
        message = (
            str(exc)
            .replace("your workspace's data", "your users' messages")
            .replace("webhooks", "messages")
        )
        raise ValidationError({"url": message}, code="url") from None
    return value


def _locked_app(actor: Membership, host_app: HostApp) -> HostApp:
    """The host app of the actor's workspace, locked (``DoesNotExist`` for another's): two
    set-ups of one host app at once wait for each other instead of racing the unique row."""
    return HostApp.objects.select_for_update().get(workspace_id=actor.workspace_id, pk=host_app.pk)


def _locked(actor: Membership, host_app: HostApp) -> MessageEndpoint:
    """The host app's endpoint, locked (``DoesNotExist`` when it has none or is another's)."""
    return MessageEndpoint.objects.select_for_update().get(
        host_app__workspace_id=actor.workspace_id, host_app_id=host_app.pk
    )


def _audit(
    actor: Membership,
    verb: str,
    endpoint: MessageEndpoint,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor.user,
        verb=f"message_endpoint.{verb}",
        workspace=actor.workspace,
        target=endpoint,
        before=before,
        after=after,
    )


@transaction.atomic
def message_endpoint_set(
    *, actor: Membership, host_app: HostApp, url: str
) -> tuple[MessageEndpoint, str | None]:
    """Set up the host app's endpoint, or change its URL. Returns the endpoint and, only when it
    was created, its signing secret (shown once, never stored); a change keeps the secret.

    Refuses (``ValidationError`` keyed ``url``) a URL that breaks the rule above. An unchanged
    URL is not checked again (a passing DNS hiccup never fails a no-op) and writes nothing.
    """
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    app = _locked_app(actor, host_app)
    endpoint = MessageEndpoint.objects.filter(host_app=app).first()
    if endpoint is not None and (url or "").strip() == endpoint.url:
        return endpoint, None
    cleaned = _clean_url(url)
    if endpoint is None:
        endpoint = MessageEndpoint(
            host_app=app,
            url=cleaned,
            is_active=True,
            secret_salt=_new_salt(),
            secret_rotated_at=timezone.now(),
            created_by=actor.user,
        )
        endpoint.full_clean()
        endpoint.save()
        _audit(actor, "create", endpoint, after=_snapshot(endpoint))
        return endpoint, message_endpoint_secret(endpoint)
    before = _snapshot(endpoint)
    endpoint.url = cleaned
    endpoint.full_clean()
    endpoint.save(update_fields=["url", "updated_at"])
    _audit(actor, "update", endpoint, before=before, after=_snapshot(endpoint))
    return endpoint, None


@transaction.atomic
def message_endpoint_set_active(
    *, actor: Membership, host_app: HostApp, is_active: bool
) -> MessageEndpoint:
    """Turn the endpoint on or off (off: sends to the host app's users are refused and the
    worker fails messages still queued; a test message is still sent). The same state again
    is a no-op, not audited."""
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    endpoint = _locked(actor, host_app)
    if endpoint.is_active == bool(is_active):
        return endpoint
    before = _snapshot(endpoint)
    endpoint.is_active = bool(is_active)
    endpoint.save(update_fields=["is_active", "updated_at"])
    _audit(
        actor,
        "turn_on" if is_active else "turn_off",
        endpoint,
        before=before,
        after=_snapshot(endpoint),
    )
    return endpoint


@transaction.atomic
def message_endpoint_rotate_secret(
    *, actor: Membership, host_app: HostApp
) -> tuple[MessageEndpoint, str]:
    """Issue a new signing secret; returns the endpoint and the secret (shown once). The old
    secret signs nothing any more, retries of messages already queued included."""
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    endpoint = _locked(actor, host_app)
    endpoint.secret_salt = _new_salt()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret_salt", "secret_rotated_at", "updated_at"])
    _audit(
        actor,
        "rotate_secret",
        endpoint,
        after={"secret_rotated_at": endpoint.secret_rotated_at.isoformat()},
    )
    return endpoint, message_endpoint_secret(endpoint)


@transaction.atomic
def message_endpoint_delete(*, actor: Membership, host_app: HostApp) -> None:
    """Remove the endpoint (its secret with it); the host app's delivery log stays. Until one
    is set up again (with a new secret) sends are refused and queued messages fail."""
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    endpoint = _locked(actor, host_app)
    _audit(actor, "delete", endpoint, before=_snapshot(endpoint))
    endpoint.delete()


# --- the test button ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointTestOutcome:
    """What a test message got: the answer's status code (``None`` without one), an error
    sentence (empty on a 2xx) and how long it took (``None`` when nothing was sent)."""

    message_id: str
    url: str
    status_code: int | None
    error: str
    duration_ms: int | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def sample_payload(*, message_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The body of a test message: a real message's shape (``delivery.message_body``), with
    ``type`` "test" and no mini program or template."""
    return {
        "id": message_id,
        "type": "test",
        "app_id": None,
        "template_id": None,
        "title": TEST_TITLE,
        "user_id": TEST_USER_ID,
        "page": "",
        "keywords": [{"name": "Status", "value": "OK"}],
        "kind": "one_time",
        "created_at": (now or timezone.now()).isoformat().replace("+00:00", "Z"),
    }


def message_endpoint_test(*, actor: Membership, host_app: HostApp) -> EndpointTestOutcome:
    """POST a signed test message to the endpoint now (on or off) and return what happened.

    Synchronous, for the page and the API to show; bounded by the delivery timeout
    (``SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS``).
    Never raises for network trouble or a refused URL (the outcome says it); no transaction is
    held while waiting. Audited with the outcome.
    """
    authz.require(actor, Cap.MANAGE_HOST_APPS)
    endpoint = MessageEndpoint.objects.get(
        host_app__workspace_id=actor.workspace_id, host_app_id=host_app.pk
    )
    message_id = f"test-{uuid.uuid4().hex}"
    timestamp = int(timezone.now().timestamp())
    body, headers = message_endpoint_request(
        endpoint=endpoint,
        payload=sample_payload(message_id=message_id),
        message_id=message_id,
        timestamp=timestamp,
    )
    try:
        result = webhook_transport.post(
            url=endpoint.url,
            body=body,
            headers=headers,
            timeout=float(settings.SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS),
        )
    except WebhookURLRefused as exc:
        outcome = EndpointTestOutcome(
            message_id=message_id,
            url=endpoint.url,
            status_code=None,
            error=f"Not sent: {exc}",
            duration_ms=None,
        )
    else:
        outcome = EndpointTestOutcome(
            message_id=message_id,
            url=endpoint.url,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    _audit(
        actor,
        "test",
        endpoint,
        after={
            "message_id": message_id,
            "status_code": outcome.status_code,
            "duration_ms": outcome.duration_ms,
            "error": outcome.error[:300],
        },
    )
    return outcome
