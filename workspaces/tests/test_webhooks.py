"""Webhooks end to end against a real HTTP server on 127.0.0.1: signed deliveries, retries through
the outbox, dead and slow endpoints, the URL rule (HTTPS, no private addresses), secrets, audit,
the sweep."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from console import outbox
from console.models import OutboxMessage
from workspaces.authz import CapabilityDenied
from workspaces.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from workspaces.services import webhooks
from workspaces.services.webhooks import (
    MAX_ATTEMPTS,
    webhook_deliver,
    webhook_deliveries_sweep,
    webhook_emit,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_endpoint_update,
    webhook_secret,
)
from workspaces.tests.factories import MembershipFactory
from workspaces.tests.webhook_receiver import closed_port
from workspaces.webhook_transport import is_public_address

pytestmark = pytest.mark.django_db

EVENT = "release.published"
DATA = {"app_id": "2026004112345678", "version": "1.2.0", "host_app": "Acme Wallet"}


@pytest.fixture
def endpoint_and_secret(owner, receiver):
    return webhook_endpoint_create(
        actor=owner, url=receiver.url(), events=[EVENT, "release.rolled_back"]
    )


def emit(workspace, capture, event=EVENT, data=DATA) -> int:
    """Emit inside a transaction, as a release service does; run what it queued on commit."""
    with capture(execute=True), transaction.atomic():
        return webhook_emit(workspace=workspace, event=event, data=data)


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a receiver computes (the README's recipe)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def retry_now(delivery: WebhookDelivery) -> str:
    """The outbox's next attempt, as if its backoff had passed."""
    message = OutboxMessage.objects.get(kwargs={"delivery_id": delivery.pk})
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    return outbox.outbox_deliver(message_id=message.pk)


# --- delivery ----------------------------------------------------------------------------------


def test_delivery_is_a_signed_json_post_the_receiver_can_verify(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    _, secret = endpoint_and_secret

    assert emit(owner.workspace, django_capture_on_commit_callbacks) == 1

    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.path == "/hook"
    assert headers["content-type"] == "application/json"
    assert headers["x-mpp-event"] == EVENT
    assert headers["x-mpp-signature"] == expected_signature(
        secret, headers["x-mpp-timestamp"], request.body
    )
    delivery = WebhookDelivery.objects.get()
    assert headers["x-mpp-delivery"] == str(delivery.uid)
    body = json.loads(request.body)
    assert body["event"] == EVENT
    assert body["workspace"] == owner.workspace.slug
    assert body["data"] == DATA
    assert body["id"] and body["created_at"]
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None and delivery.last_duration_ms is not None


def test_a_tampered_body_does_not_match_the_signature(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    _, secret = endpoint_and_secret
    emit(owner.workspace, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    timestamp = request.headers["X-MPP-Timestamp"]
    tampered = request.body.replace(b"1.2.0", b"9.9.9")
    assert request.headers["X-MPP-Signature"] != expected_signature(secret, timestamp, tampered)
    assert request.headers["X-MPP-Signature"] != expected_signature(
        "whsec_other", timestamp, request.body
    )


def test_500_then_200_is_delivered_after_two_attempts_with_the_same_delivery_id(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    receiver.script = [500, 200]

    emit(owner.workspace, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.last_error.startswith("HTTP 500")
    message = OutboxMessage.objects.get(kwargs={"delivery_id": delivery.pk})
    assert message.state == OutboxMessage.State.PENDING
    assert message.next_attempt_at > timezone.now()  # backed off, not retried in a loop

    assert retry_now(delivery) == "done"

    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (2, 200, "")
    first, second = receiver.requests
    assert first.headers["X-MPP-Delivery"] == second.headers["X-MPP-Delivery"]
    assert first.body == second.body


def test_a_dead_endpoint_never_raises_in_the_release_path_and_fails_after_the_last_attempt(
    owner, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(
        actor=owner, url=f"http://127.0.0.1:{closed_port()}/hook", events=[EVENT]
    )

    queued = emit(owner.workspace, django_capture_on_commit_callbacks)  # no exception

    assert queued == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING
    assert (delivery.attempts, delivery.last_status_code) == (1, None)
    assert delivery.last_error == "Connection refused."
    for _ in range(MAX_ATTEMPTS - 1):
        retry_now(delivery)
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    message = OutboxMessage.objects.get(kwargs={"delivery_id": delivery.pk})
    assert message.state == OutboxMessage.State.DONE  # the handler settled it: no more retries
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"  # a late ring does nothing


def test_a_release_published_with_a_dead_and_a_live_endpoint_goes_online_and_tells_the_live_one(
    owner, receiver, django_capture_on_commit_callbacks
):
    """The real release path (releases emits inside its transaction): a closed port costs the
    release nothing; the live receiver gets ``release.published``, signed."""
    from miniprograms.tests.factories import create_miniprogram
    from releases.models import Release, ReleaseTarget, Version
    from releases.release.services import release_publish, release_submit
    from releases.tests.factories import upload_version
    from workspaces.services.hostapps import host_app_create

    webhook_endpoint_create(actor=owner, url=f"http://127.0.0.1:{closed_port()}/", events=[EVENT])
    _, secret = webhook_endpoint_create(actor=owner, url=receiver.url(), events=[EVENT])
    app, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    mp = create_miniprogram(owner, host_app_ids=[app.pk])
    version = upload_version(owner, mp, "1.0.0")
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    [release] = release_submit(
        actor=owner,
        version=version,
        host_app_ids=[app.pk],
        environment=ReleaseTarget.Environment.TEST,  # approved at once
    )

    with django_capture_on_commit_callbacks(execute=True):
        release_publish(actor=owner, release_id=release.pk)  # no exception

    release.refresh_from_db()
    assert release.state == Release.State.RELEASED
    [request] = [r for r in receiver.requests if r.headers["X-MPP-Event"] == EVENT]
    assert request.headers["X-MPP-Signature"] == expected_signature(
        secret, request.headers["X-MPP-Timestamp"], request.body
    )
    assert json.loads(request.body)["data"]
    states = sorted(WebhookDelivery.objects.filter(event=EVENT).values_list("state", flat=True))
    assert states == ["delivered", "pending"]
    dead = WebhookDelivery.objects.get(event=EVENT, state=WebhookDelivery.State.PENDING)
    assert (dead.attempts, dead.last_error) == (1, "Connection refused.")  # retried later


def test_a_silent_endpoint_times_out(owner, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.script = [("sleep", 2)]
    webhook_endpoint_create(actor=owner, url=receiver.url(), events=[EVENT])

    emit(owner.workspace, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.last_status_code is None
    assert delivery.last_error == "Timed out after 0.3 s."


def test_a_redirect_is_not_followed(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    receiver.script = [("redirect", receiver.url("/elsewhere"))]

    emit(owner.workspace, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    assert request.path == "/hook"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error


def test_a_rolled_back_transaction_sends_nothing(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        webhook_emit(workspace=owner.workspace, event=EVENT, data=DATA)
        raise RuntimeError("the release failed")

    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert receiver.requests == []


def test_emit_only_writes_rows_the_post_waits_for_the_commit(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_emit(workspace=owner.workspace, event=EVENT, data=DATA)

    assert receiver.requests == []
    assert len(callbacks) == 1
    assert OutboxMessage.objects.get().task == "workspaces.webhook_deliver"


def test_only_active_endpoints_subscribed_to_the_event_get_it(
    owner, receiver, django_capture_on_commit_callbacks
):
    subscribed, _ = webhook_endpoint_create(actor=owner, url=receiver.url("/a"), events=[EVENT])
    webhook_endpoint_create(actor=owner, url=receiver.url("/b"), events=["approval.decided"])
    webhook_endpoint_create(actor=owner, url=receiver.url("/c"), events=[EVENT], is_active=False)
    other = MembershipFactory(role="owner")
    webhook_endpoint_create(actor=other, url=receiver.url("/other"), events=[EVENT])

    assert emit(owner.workspace, django_capture_on_commit_callbacks) == 1

    assert [r.path for r in receiver.requests] == ["/a"]
    assert WebhookDelivery.objects.get().endpoint == subscribed


def test_an_endpoint_turned_off_after_queueing_is_not_called(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    endpoint, _ = endpoint_and_secret
    with django_capture_on_commit_callbacks(execute=False):
        webhook_emit(workspace=owner.workspace, event=EVENT, data=DATA)
    webhook_endpoint_update(actor=owner, endpoint_id=endpoint.pk, is_active=False)

    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    assert receiver.requests == []


def test_unknown_events_and_ping_cannot_be_emitted(owner):
    with pytest.raises(ValueError):
        webhook_emit(workspace=owner.workspace, event="release.exploded", data={})
    with pytest.raises(ValueError):
        webhook_emit(workspace=owner.workspace, event="ping", data={})


def test_send_test_event_pings_even_an_endpoint_that_is_off(
    owner, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = webhook_endpoint_create(
        actor=owner, url=receiver.url(), events=[EVENT], is_active=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_endpoint_test(actor=owner, endpoint_id=endpoint.pk)

    [request] = receiver.requests
    assert request.headers["X-MPP-Event"] == "ping"
    assert json.loads(request.body)["data"]["endpoint"]["id"] == endpoint.pk
    assert request.headers["X-MPP-Signature"] == expected_signature(
        secret, request.headers["X-MPP-Timestamp"], request.body
    )
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert AuditEvent.objects.filter(verb="webhook.test", target_id=str(endpoint.pk)).exists()


def test_delivering_twice_posts_once(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    emit(owner.workspace, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    assert webhook_deliver(delivery_id=delivery.pk) == "delivered"
    assert webhook_deliver(delivery_id=delivery.pk + 1000) == "gone"

    assert len(receiver.requests) == 1


# --- the URL rule (SSRF) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",  # a name that resolves to loopback
        "https://10.0.0.5/hook",
        "https://192.168.1.10/hook",
        "https://172.16.3.4/hook",
        "https://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "https://100.64.0.1/hook",  # shared address space (CGNAT)
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "https://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
        "https://224.0.0.1/hook",
    ],
)
def test_private_and_reserved_addresses_are_refused_unless_allowed(owner, settings, url):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []

    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=owner, url=url, events=[EVENT])

    [message] = refused.value.message_dict["url"]
    assert "public internet" in message
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_refused_unless_the_host_is_allowed(owner, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=owner, url="http://93.184.216.34/hook", events=[EVENT])
    assert "https://" in refused.value.message_dict["url"][0]

    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    endpoint, _ = webhook_endpoint_create(
        actor=owner, url="http://127.0.0.1:8080/hook", events=[EVENT]
    )
    assert endpoint.url == "http://127.0.0.1:8080/hook"


def test_a_public_https_address_is_accepted(owner, settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    endpoint, _ = webhook_endpoint_create(
        actor=owner, url="  https://93.184.216.34:8443/mpp?team=acme ", events=[EVENT]
    )
    assert endpoint.url == "https://93.184.216.34:8443/mpp?team=acme"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "Enter the URL"),
        ("hooks.example.com/mpp", "full HTTPS URL"),
        ("ftp://93.184.216.34/x", "full HTTPS URL"),
        ("https://user:pw@93.184.216.34/x", "user name and password"),
        ("https://93.184.216.34/x#part", "#fragment"),
        ("https://93.184.216.34:99999/x", "port"),
        ("https://93.184.216.34/a b", "spaces"),
        ("https://hooks.invalid/mpp", "could not be found"),
        ("https://" + "a" * 500 + ".com/", "too long"),
    ],
)
def test_malformed_urls_are_refused_with_a_reason(owner, url, words):
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=owner, url=url, events=[EVENT])
    assert words in refused.value.message_dict["url"][0]


def test_a_host_that_starts_resolving_to_a_private_address_is_refused_at_delivery(
    owner, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS is the boundary here: the name first answers a public address, then an internal one
    (rebinding). The worker checks again and never connects."""
    answer = {"ip": "93.184.216.34"}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer["ip"], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    webhook_endpoint_create(actor=owner, url="https://hooks.example.com/mpp", events=[EVENT])
    answer["ip"] = "10.1.2.3"

    emit(owner.workspace, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED  # refused: not retried
    assert delivery.attempts == 1
    assert "10.1.2.3" in delivery.last_error and "private" in delivery.last_error
    assert OutboxMessage.objects.get().state == OutboxMessage.State.DONE


def test_a_loopback_endpoint_is_refused_at_delivery_once_no_longer_allowed(
    owner, receiver, endpoint_and_secret, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []

    emit(owner.workspace, django_capture_on_commit_callbacks)

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert delivery.last_error.startswith("Not sent:")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("::ffff:93.184.216.34", True),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::5db8:d822", True),  # NAT64 of 93.184.216.34
        ("64:ff9b::7f00:1", False),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo of 10.0.0.1
        ("::", False),
        ("ff02::1", False),
    ],
)
def test_public_address_rule(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


# --- endpoints: secrets, edits, audit, limits ------------------------------------------------


def test_the_secret_is_returned_once_and_never_stored(owner, receiver):
    endpoint, secret = webhook_endpoint_create(actor=owner, url=receiver.url(), events=[EVENT])

    assert secret.startswith("whsec_") and len(secret) > 40
    stored = json.dumps(list(WebhookEndpoint.objects.filter(pk=endpoint.pk).values()), default=str)
    assert secret not in stored and secret[6:] not in stored
    assert webhook_secret(endpoint) == secret  # derived again from the salt and the pepper


def test_rotating_the_secret_signs_with_the_new_one_only(
    owner, receiver, endpoint_and_secret, django_capture_on_commit_callbacks
):
    endpoint, old = endpoint_and_secret

    _, new = webhook_endpoint_rotate_secret(actor=owner, endpoint_id=endpoint.pk)
    emit(owner.workspace, django_capture_on_commit_callbacks)

    assert new != old
    [request] = receiver.requests
    timestamp = request.headers["X-MPP-Timestamp"]
    assert request.headers["X-MPP-Signature"] == expected_signature(new, timestamp, request.body)
    assert request.headers["X-MPP-Signature"] != expected_signature(old, timestamp, request.body)
    [row] = AuditEvent.objects.filter(verb="webhook.rotate_secret")
    assert row.actor == owner.user and new not in json.dumps(row.after)


def test_create_update_delete_are_audited_with_before_and_after(owner, receiver):
    endpoint, _ = webhook_endpoint_create(
        actor=owner, url=receiver.url(), events=[EVENT], description="CI bot"
    )
    webhook_endpoint_update(
        actor=owner, endpoint_id=endpoint.pk, description="Deploy bot", events=["approval.decided"]
    )
    webhook_endpoint_update(actor=owner, endpoint_id=endpoint.pk, description="Deploy bot")
    webhook_endpoint_delete(actor=owner, endpoint_id=endpoint.pk)

    rows = {row.verb: row for row in AuditEvent.objects.filter(verb__startswith="webhook.")}
    assert set(rows) == {"webhook.create", "webhook.update", "webhook.delete"}
    assert AuditEvent.objects.filter(verb="webhook.update").count() == 1  # no-op not audited
    assert rows["webhook.create"].after["description"] == "CI bot"
    assert rows["webhook.update"].before["events"] == [EVENT]
    assert rows["webhook.update"].after["events"] == ["approval.decided"]
    assert rows["webhook.delete"].before["url"] == receiver.url()
    assert all(row.workspace == owner.workspace for row in rows.values())
    assert not WebhookEndpoint.objects.exists()


def test_events_must_be_known_and_at_least_one(owner, receiver):
    with pytest.raises(ValidationError) as none:
        webhook_endpoint_create(actor=owner, url=receiver.url(), events=[])
    with pytest.raises(ValidationError) as unknown:
        webhook_endpoint_create(actor=owner, url=receiver.url(), events=["ping"])
    assert "at least one" in none.value.message_dict["events"][0]
    assert "Unknown event: ping" in unknown.value.message_dict["events"][0]


def test_every_refusal_is_reported_at_once(owner):
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(actor=owner, url="ftp://x", events=[], description="bad\u202etext")
    assert set(refused.value.message_dict) == {"url", "events", "description"}


def test_a_workspace_has_at_most_max_endpoints(owner, receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "MAX_ENDPOINTS", 2)
    webhook_endpoint_create(actor=owner, url=receiver.url("/1"), events=[EVENT])
    webhook_endpoint_create(actor=owner, url=receiver.url("/2"), events=[EVENT])
    with pytest.raises(ValidationError, match="at most 2"):
        webhook_endpoint_create(actor=owner, url=receiver.url("/3"), events=[EVENT])


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_owners_and_admins_manage_endpoints(owner, receiver, role):
    endpoint, _ = webhook_endpoint_create(actor=owner, url=receiver.url(), events=[EVENT])
    member = MembershipFactory(workspace=owner.workspace, role=role)
    admin = MembershipFactory(workspace=owner.workspace, role="admin")

    for call in (
        lambda who: webhook_endpoint_create(actor=who, url=receiver.url("/x"), events=[EVENT]),
        lambda who: webhook_endpoint_update(actor=who, endpoint_id=endpoint.pk, description="x"),
        lambda who: webhook_endpoint_rotate_secret(actor=who, endpoint_id=endpoint.pk),
        lambda who: webhook_endpoint_test(actor=who, endpoint_id=endpoint.pk),
        lambda who: webhook_endpoint_delete(actor=who, endpoint_id=endpoint.pk),
    ):
        with pytest.raises(CapabilityDenied):
            call(member)
    webhook_endpoint_update(actor=admin, endpoint_id=endpoint.pk, description="by the admin")
    assert WebhookEndpoint.objects.get().description == "by the admin"


def test_another_workspaces_endpoint_cannot_be_touched(owner, receiver):
    other = MembershipFactory(role="owner")
    theirs, _ = webhook_endpoint_create(actor=other, url=receiver.url(), events=[EVENT])

    with pytest.raises(WebhookEndpoint.DoesNotExist):
        webhook_endpoint_delete(actor=owner, endpoint_id=theirs.pk)
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


# --- the sweep -------------------------------------------------------------------------------


def test_sweep_fails_stuck_deliveries_and_forgets_old_ones(owner, receiver, endpoint_and_secret):
    endpoint, _ = endpoint_and_secret
    now = timezone.now()

    def delivery(age: timedelta, state: str) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            workspace=owner.workspace,
            endpoint=endpoint,
            event=EVENT,
            state=state,
            created_at=now - age,
            delivered_at=now if state == "delivered" else None,
        )

    fresh = delivery(timedelta(minutes=5), "pending")
    stuck = delivery(timedelta(days=2), "pending")
    old = delivery(timedelta(days=31), "delivered")
    kept = delivery(timedelta(days=29), "delivered")

    assert webhook_deliveries_sweep(now=now) == {"failed": 1, "purged": 1}
    assert webhook_deliveries_sweep(now=now) == {"failed": 0, "purged": 0}

    states = dict(WebhookDelivery.objects.values_list("pk", "state"))
    assert states == {fresh.pk: "pending", stuck.pk: "failed", kept.pk: "delivered"}
    assert old.pk not in states


# --- a real worker -----------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_redis_after_the_commit(spawn_worker, receiver):
    """The outbox rings the broker on commit; ``celery -A console worker`` (another process,
    base settings: plain HTTP to this machine's receiver allowed for the test) makes the signed
    POST and records it."""
    live_worker = spawn_worker(env={"WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1"})
    owner = MembershipFactory(role="owner")
    _, secret = webhook_endpoint_create(actor=owner, url=receiver.url(), events=[EVENT])

    with transaction.atomic():
        webhook_emit(workspace=owner.workspace, event=EVENT, data=DATA)
        assert receiver.requests == []  # nothing leaves before the commit

    delivery = live_worker.wait_for(
        lambda: WebhookDelivery.objects.filter(state=WebhookDelivery.State.DELIVERED).first(),
        timeout=60,
        what="the webhook delivery",
    )
    [request] = receiver.requests
    assert request.headers["X-MPP-Delivery"] == str(delivery.uid)
    assert request.headers["X-MPP-Signature"] == expected_signature(
        secret, request.headers["X-MPP-Timestamp"], request.body
    )
    assert "Task console.outbox_deliver[" in live_worker.log()
