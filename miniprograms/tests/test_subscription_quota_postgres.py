"""Quotas and idempotency hold under concurrency (issue 13): 50 sends at once for one user
(PostgreSQL: real concurrent connections; run with DATABASE_URL=postgres://…)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from conftest import require_service
from miniprograms.secrets.oauth import access_token_get, open_user_id
from miniprograms.subscriptions.errors import SubscriptionError
from miniprograms.subscriptions.models import Message, Subscription
from miniprograms.subscriptions.runtime import subscription_record
from miniprograms.subscriptions.sending import message_send
from miniprograms.tests.subscribing import World

RACERS = 50


def race(count: int, send) -> Counter:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            try:
                send(index)
                outcome = "sent"
            except SubscriptionError as exc:
                outcome = exc.code
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Counter(outcomes)


@pytest.fixture
def w(owner):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", False, "concurrent sends need it (set DATABASE_URL)")
    return World(owner)


def subscribe(w, template, times: int = 1) -> str:
    for _ in range(times):
        subscription_record(
            host_app=w.wallet,
            app_id=w.shop.app_id,
            user_id="u-1",
            decisions={template.template_id: "accept"},
        )
    return open_user_id(app_id=w.shop.app_id, host_app_id=w.wallet.pk, user_id="u-1")


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_long_term_sends_deliver_at_most_five(w):
    user = subscribe(w, w.long)
    token = access_token_get(token=w.app_token())
    values = w.values(w.long)
    outcomes = race(
        RACERS,
        lambda i: message_send(
            token=token, template_id=w.long.template_id, to_user_id=user, data=values
        ),
    )
    assert outcomes == Counter({"sent": 5, "daily_limit": RACERS - 5})
    assert Message.objects.count() == 5
    assert Subscription.objects.get(my_template=w.long).day_count == 5


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_one_time_sends_use_exactly_the_credits(w):
    user = subscribe(w, w.once, times=3)
    token = access_token_get(token=w.app_token())
    values = w.values(w.once)
    outcomes = race(
        RACERS,
        lambda i: message_send(
            token=token, template_id=w.once.template_id, to_user_id=user, data=values
        ),
    )
    assert outcomes == Counter({"sent": 3, "subscription_used": RACERS - 3})
    assert Subscription.objects.get(my_template=w.once).credits == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_send_once(w):
    user = subscribe(w, w.long)
    token = access_token_get(token=w.app_token())
    values = w.values(w.long)
    ids: list[str] = []

    def send(_i: int) -> None:
        sent = message_send(
            token=token,
            template_id=w.long.template_id,
            to_user_id=user,
            data=values,
            idempotency_key="order-42",
        )
        ids.append(str(sent.message.uid))

    outcomes = race(20, send)
    assert outcomes == Counter({"sent": 20})
    assert len(set(ids)) == 1 and Message.objects.count() == 1
    assert Subscription.objects.get(my_template=w.long).day_count == 1
