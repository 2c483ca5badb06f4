"""Subscription messages are delivered by workers to the host app's endpoint (issue 13): signed
POSTs to a real local HTTP server, retries with capped backoff, permanent failures, the
doorbell, the sweep and a real Celery worker through Redis."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from miniprograms.subscriptions import delivery
from miniprograms.subscriptions.delivery import (
    backoff,
    messages_claim,
    messages_deliver_due,
    messages_sweep,
    next_retry_in,
)
from miniprograms.subscriptions.endpoints import message_endpoint_secret
from miniprograms.subscriptions.models import Message
from miniprograms.tests.subscribing import World, send, subscribe
from workspaces.tests.webhook_receiver import closed_port

State = Message.State


@pytest.fixture
def w(owner, receiver, settings) -> World:
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    return World(owner, endpoint_url=receiver.url("/mpp/messages"))


def queue(client, w, template=None, count=1) -> list[Message]:
    template = template or w.long
    user = subscribe(client, w, {template.template_id: "accept"}).json()["user_id"]
    token = w.app_token()
    for _ in range(count):
        assert send(client, token, template, user).status_code == 202
    return list(Message.objects.order_by("id"))


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@pytest.mark.django_db
def test_a_message_is_posted_signed_with_the_users_host_app_id_and_values(client, w, receiver):
    [message] = queue(client, w)
    assert messages_deliver_due() == {"delivered": 1}
    [request] = receiver.requests
    assert request.path == "/mpp/messages"
    headers = request.headers
    assert headers["X-MPP-Message-Id"] == str(message.uid)
    assert headers["X-MPP-Attempt"] == "1"
    secret = message_endpoint_secret(w.endpoint)
    assert secret.startswith("mmsec_")
    assert headers["X-MPP-Signature"] == signature_of(
        secret, headers["X-MPP-Timestamp"], request.body
    )
    body = json.loads(request.body)
    assert body["app_id"] == w.shop.app_id
    assert body["user_id"] == "u-1"  # the host app's own id of its user
    assert body["template_id"] == w.long.template_id and body["kind"] == "long_term"
    assert body["keywords"] == [{"name": k, "value": f"value of {k}"} for k in w.long.keywords]
    message.refresh_from_db()
    assert message.state == State.DELIVERED and message.attempts == 1
    assert message.last_status_code == 200 and message.delivered_at is not None
    assert messages_deliver_due() == {}  # nothing due: a second run sends nothing again
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_failing_endpoint_is_retried_with_backoff_until_it_answers(client, w, receiver):
    receiver.script = [500, 503, 200]
    [message] = queue(client, w)
    t0 = timezone.now()
    assert messages_deliver_due(now=t0) == {"queued": 1}
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.attempts == 1
    assert message.next_attempt_at == t0 + timedelta(seconds=5)
    assert "HTTP 500" in message.last_error and message.last_status_code == 500
    assert messages_deliver_due(now=t0 + timedelta(seconds=4)) == {}  # not due yet
    assert next_retry_in(now=t0) == pytest.approx(5.0)
    assert messages_deliver_due(now=t0 + timedelta(seconds=5)) == {"queued": 1}
    message.refresh_from_db()
    assert message.next_attempt_at == t0 + timedelta(seconds=15)  # 5 s + 10 s
    assert messages_deliver_due(now=t0 + timedelta(seconds=15)) == {"delivered": 1}
    assert [r.headers["X-MPP-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    assert len({r.headers["X-MPP-Message-Id"] for r in receiver.requests}) == 1


@pytest.mark.django_db
def test_one_batch_records_each_messages_own_outcome(client, w, receiver):
    """The outcomes of a batch are written per kind of outcome (one UPDATE each), every row
    still getting its own attempt count, duration and retry time."""
    receiver.script = [503]
    first, second = queue(client, w, count=2)
    t0 = timezone.now()
    assert messages_deliver_due(now=t0) == {"queued": 2}
    Message.objects.filter(pk=second.pk).update(attempts=3)  # as if it had failed twice more
    Message.objects.filter(pk=first.pk).update(last_duration_ms=None)
    receiver.script = [503, 503, 503]
    at = t0 + timedelta(seconds=5)
    assert messages_deliver_due(now=at) == {"queued": 2}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attempts, second.attempts) == (2, 4)
    assert first.next_attempt_at == at + backoff(2) and second.next_attempt_at == at + backoff(4)
    assert first.last_duration_ms is not None and second.lease_token == ""
    third = queue(client, w)[-1]
    Message.objects.filter(pk=first.pk).update(next_attempt_at=at)
    receiver.script = [200]
    later = at + timedelta(minutes=30)
    assert messages_deliver_due(now=later) == {"delivered": 3}
    states = dict(Message.objects.values_list("pk", "attempts"))
    assert states == {first.pk: 3, second.pk: 5, third.pk: 1}
    assert set(Message.objects.values_list("state", flat=True)) == {State.DELIVERED}


def test_the_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(20) == timedelta(minutes=10)


@pytest.mark.django_db
def test_a_message_fails_after_the_last_attempt_or_at_once_on_a_permanent_answer(
    client, w, receiver
):
    receiver.script = [404]
    first, *_ = queue(client, w)
    assert messages_deliver_due() == {"failed": 1}
    first.refresh_from_db()
    assert first.state == State.FAILED and first.attempts == 1 and "HTTP 404" in first.last_error

    receiver.script = [429]  # "slow down" is not permanent
    token = w.app_token()
    assert send(client, token, w.long, first.open_user_id).status_code == 202
    second = Message.objects.latest("id")
    at = timezone.now()
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        messages_deliver_due(now=at)
        second.refresh_from_db()
        assert second.attempts == attempt
        at = second.next_attempt_at
    assert second.state == State.FAILED


@pytest.mark.django_db
def test_a_dead_or_switched_off_endpoint_fails_the_message_without_blocking_sends(
    client, w, receiver
):
    w.endpoint.url = f"http://127.0.0.1:{closed_port()}/gone"
    w.endpoint.save()
    messages = queue(client, w, count=2)  # the sends answer 202: nothing is posted meanwhile
    assert receiver.requests == [] and {m.state for m in messages} == {State.QUEUED}
    assert messages_deliver_due() == {"queued": 2}
    assert "Connection refused" in Message.objects.first().last_error
    w.endpoint.is_active = False
    w.endpoint.save()
    assert messages_deliver_due(now=timezone.now() + timedelta(minutes=1)) == {"failed": 2}
    assert "turned off" in Message.objects.first().last_error


@pytest.mark.django_db
def test_a_claimed_row_is_not_claimed_twice_and_comes_back_when_its_lease_expires(client, w):
    [message] = queue(client, w)
    now = timezone.now()
    token, ids = messages_claim(now=now)
    assert ids == [message.pk]
    assert messages_claim(now=now)[1] == []  # taken
    later = now + delivery.LEASE + timedelta(seconds=1)
    token2, again = messages_claim(now=later)  # its worker died: taken over
    assert again == [message.pk] and token2 != token
    # The first worker's late outcome is ignored: the lease is no longer its.
    delivery._record_all(token=token, now=later, outcomes=[(message, None, "late")])
    message.refresh_from_db()
    assert message.state == State.SENDING and message.lease_token == token2


@pytest.mark.django_db
def test_the_sweep_rings_for_due_messages_and_forgets_month_old_ones(client, w, monkeypatch):
    rings = []
    monkeypatch.setattr(delivery, "delivery_ring", lambda force=False: rings.append(force))
    old, fresh = queue(client, w, count=2)
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert messages_sweep() == {"rang": 1, "forgotten": 1}
    assert rings == [True]
    assert list(Message.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_doorbell_rings_once_until_the_worker_clears_it(client, w, settings, monkeypatch):
    rings = _redis_doorbell(settings, monkeypatch)
    queue(client, w, count=3)
    assert rings == ["miniprograms.deliver_messages"]  # one ring for three sends
    assert messages_deliver_due() == {"delivered": 3}
    assert not delivery._redis().exists(delivery.DOORBELL_KEY)  # cleared when the queue is empty
    token = w.app_token()
    assert send(client, token, w.long, Message.objects.first().open_user_id).status_code == 202
    assert rings == ["miniprograms.deliver_messages"] * 2


@pytest.mark.django_db
def test_claims_take_the_earliest_due_rows_a_batch_at_a_time_and_never_twice(client, w):
    messages = queue(client, w, count=5)
    now = timezone.now()
    for n, message in enumerate(messages):  # due in the reverse order of their ids
        Message.objects.filter(pk=message.pk).update(next_attempt_at=now - timedelta(seconds=n))
    first = messages_claim(now=now, limit=2)[1]
    second = messages_claim(now=now, limit=2)[1]
    third = messages_claim(now=now, limit=2)[1]
    ids = [m.pk for m in messages]
    assert (first, second, third) == (sorted(ids[3:]), sorted(ids[1:3]), ids[:1])
    assert messages_claim(now=now)[1] == []
    assert set(Message.objects.values_list("state", flat=True)) == {State.SENDING}


@pytest.mark.django_db
def test_a_claim_takes_rows_whose_lease_ended_first_then_the_earliest_queued(client, w):
    leased, early, late = queue(client, w, count=3)
    now = timezone.now()
    Message.objects.filter(pk=early.pk).update(next_attempt_at=now - timedelta(seconds=5))
    Message.objects.filter(pk=late.pk).update(next_attempt_at=now - timedelta(seconds=1))
    Message.objects.filter(pk=leased.pk).update(
        state=State.SENDING, lease_token="dead-worker", lease_expires_at=now - timedelta(seconds=1)
    )
    token, ids = messages_claim(now=now, limit=2)
    assert ids == sorted([leased.pk, early.pk])
    assert Message.objects.get(pk=leased.pk).lease_token == token
    assert Message.objects.get(pk=late.pk).state == State.QUEUED  # left for the next claim
    assert messages_claim(now=now, limit=2)[1] == [late.pk]


def _redis_doorbell(settings, monkeypatch) -> list[str]:
    """The Redis doorbell in use (not the eager test mode); returns the list of rings."""
    from conftest import _require_redis

    settings.REDIS_URL = _require_redis()
    monkeypatch.setattr(delivery, "_eager", lambda: False)
    monkeypatch.setattr(delivery, "_doorbell_seen_at", float("-inf"))
    rings: list[str] = []
    monkeypatch.setattr("console.outbox.ring", lambda task, *a, **k: rings.append(task.name))
    delivery._redis().delete(delivery.DOORBELL_KEY)
    return rings


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_send_soon_after_its_process_saw_the_doorbell_set_does_not_ask_redis(
    client, w, settings, monkeypatch
):
    rings = _redis_doorbell(settings, monkeypatch)
    monkeypatch.setattr(delivery, "RING_QUIET_SECONDS", 3600.0)
    [message] = queue(client, w)
    assert rings == ["miniprograms.deliver_messages"]
    delivery._redis().delete(delivery.DOORBELL_KEY)  # as if the run cleared it meanwhile
    assert send(client, w.app_token(), w.long, message.open_user_id).status_code == 202
    assert rings == ["miniprograms.deliver_messages"]  # within the quiet window: not asked
    assert not delivery._redis().exists(delivery.DOORBELL_KEY)
    monkeypatch.setattr(delivery, "RING_QUIET_SECONDS", 0.0)
    assert send(client, w.app_token(), w.long, message.open_user_id).status_code == 202
    assert rings == ["miniprograms.deliver_messages"] * 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_run_keeps_looking_after_clearing_the_doorbell_for_a_send_that_did_not_ring(
    client, w, settings, monkeypatch
):
    """The race the quiet window opens: a send commits just after the run cleared the doorbell
    and looked once more, and does not ring (its process saw the doorbell set a moment ago).
    The run's lingering looks deliver it."""
    rings = _redis_doorbell(settings, monkeypatch)
    [message] = queue(client, w)
    token = w.app_token()
    real_sleep = delivery.time.sleep
    late: list[int] = []

    def sleep(seconds: float) -> None:
        if seconds == delivery.LINGER_STEP_SECONDS and not late:
            delivery._doorbell_seen_at = delivery.time.monotonic()  # saw it set just now
            late.append(send(client, token, w.long, message.open_user_id).status_code)
        real_sleep(seconds)

    monkeypatch.setattr(delivery.time, "sleep", sleep)
    assert messages_deliver_due() == {"delivered": 2}
    assert late == [202] and rings == ["miniprograms.deliver_messages"]  # it did not ring
    assert set(Message.objects.values_list("state", flat=True)) == {State.DELIVERED}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_redis_after_the_commit(
    client, owner, receiver, spawn_worker
):
    worker = spawn_worker(env={"WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1"})
    delivery._redis().delete(delivery.DOORBELL_KEY)
    w = World(owner, endpoint_url=receiver.url("/mpp/messages"))
    [message] = queue(client, w)
    delivered = worker.wait_for(
        lambda: Message.objects.filter(pk=message.pk, state=State.DELIVERED).first(),
        timeout=60,
        what="the message delivery",
    )
    assert delivered.attempts == 1
    assert [r.headers["X-MPP-Message-Id"] for r in receiver.requests] == [str(message.uid)]
    assert "miniprograms.deliver_messages" in worker.log()
