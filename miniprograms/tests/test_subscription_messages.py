"""Subscription messages (issue 13): the SDK's subscribe calls and the backend's send, every rule
with its own error code, quotas, idempotency and the client-credentials token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from miniprograms.services.lifecycle import miniprogram_set_shelf
from miniprograms.subscriptions.models import Message, Subscription
from miniprograms.subscriptions.selectors import library_workspace_ids
from miniprograms.subscriptions.services import my_template_create
from miniprograms.tests.factories import create_miniprogram
from miniprograms.tests.subscribing import (
    SEND,
    TEMPLATES,
    World,
    error,
    post,
    send,
    subscribe,
)
from workspaces.services.hostapps import host_app_create, host_app_freeze_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(owner) -> World:
    return World(owner)


def open_id(client, w, user_id="u-1") -> str:
    response = subscribe(client, w, {w.once.template_id: "reject"}, user_id=user_id)
    assert response.status_code == 200, response.content
    return response.json()["user_id"]


# --- the pop-up and the answers ----------------------------------------------------------------


def test_the_popup_lists_up_to_three_templates_with_titles_and_ordered_keywords(client, w):
    body = {"app_id": w.shop.app_id, "template_ids": [w.once.template_id, w.once_c.template_id]}
    response = post(client, TEMPLATES, body, **w.sdk())
    assert response.status_code == 200, response.content
    payload = response.json()
    assert payload["kind"] == "one_time"
    assert [t["template_id"] for t in payload["templates"]] == [
        w.once.template_id,
        w.once_c.template_id,
    ]
    assert payload["templates"][0]["keywords"] == w.once.keywords
    assert payload["templates"][0]["title"] == "Order shipped"
    assert response["Cache-Control"] == "no-store"


def test_more_than_three_ids_are_refused_but_a_repeated_id_counts_once(client, w):
    four = [w.once.template_id, w.once_b.template_id, w.once_c.template_id, "x" * 20]
    body = {"app_id": w.shop.app_id, "template_ids": four}
    error(post(client, TEMPLATES, body, **w.sdk()), "too_many_templates", 400)
    again = [w.once_c.template_id] * 4
    body = {"app_id": w.shop.app_id, "template_ids": again}
    response = post(client, TEMPLATES, body, **w.sdk())
    assert [t["template_id"] for t in response.json()["templates"]] == [w.once_c.template_id]


def test_one_time_and_long_term_ids_cannot_be_mixed(client, w):
    body = {"app_id": w.shop.app_id, "template_ids": [w.once.template_id, w.long.template_id]}
    error(post(client, TEMPLATES, body, **w.sdk()), "mixed_kinds", 400)
    results = {w.once.template_id: "accept", w.long.template_id: "accept"}
    error(subscribe(client, w, results), "mixed_kinds", 400)
    assert not Subscription.objects.exists()


def test_ids_whose_titles_repeat_keep_the_first(client, w):
    # once and once_b are both "Order shipped" (different keywords): the second is ignored.
    results = {w.once.template_id: "accept", w.once_b.template_id: "accept"}
    response = subscribe(client, w, results)
    payload = response.json()
    assert [r["template_id"] for r in payload["results"]] == [w.once.template_id]
    assert payload["ignored"] == [
        {"template_id": w.once_b.template_id, "reason": "duplicate_title"}
    ]
    assert Subscription.objects.get().my_template == w.once


def test_unknown_or_foreign_templates_and_bad_answers_are_refused(client, w, owner):
    error(subscribe(client, w, {"nope": "accept"}), "unknown_template", 404)
    error(subscribe(client, w, {w.once.template_id: "maybe"}), "invalid_decision", 400)
    error(subscribe(client, w, {}), "no_templates", 400)
    # A template of another mini program of the same tenant is not this one's.
    cafe = create_miniprogram(owner, name="Cafe", host_app_ids=[w.wallet.pk])
    theirs = my_template_create(
        actor=owner,
        miniprogram=cafe,
        public_template=w.one_time_public,
        keywords=list(w.one_time_public.keywords[:1]),
        library_workspace_ids=library_workspace_ids(miniprogram=cafe),
    )
    error(subscribe(client, w, {theirs.template_id: "accept"}), "unknown_template", 404)


def test_the_sdk_key_and_the_programs_release_are_checked(client, w, owner):
    headers = {"HTTP_X_MPP_APP_KEY": w.wallet.app_key, "HTTP_AUTHORIZATION": "Bearer wrong"}
    body = {"app_id": w.shop.app_id, "user_id": "u", "results": {w.once.template_id: "accept"}}
    error(post(client, "/runtime/v1/subscriptions", body, **headers), "unauthenticated", 401)
    host_app_freeze_key(actor=owner, host_app_id=w.wallet.pk)
    error(post(client, "/runtime/v1/subscriptions", body, **w.sdk()), "key_frozen", 403)
    other, other_secret = host_app_create(actor=owner, name="Acme Go", platforms={"ios": "a.g"})
    headers = {"HTTP_X_MPP_APP_KEY": other.app_key, "HTTP_AUTHORIZATION": f"Bearer {other_secret}"}
    error(post(client, "/runtime/v1/subscriptions", body, **headers), "unknown_app", 404)


def test_an_off_shelf_program_takes_no_subscriptions(client, w, owner):
    miniprogram_set_shelf(actor=owner, miniprogram=w.shop, on_shelf=False, reason="Maintenance")
    error(subscribe(client, w, {w.once.template_id: "accept"}), "off_shelf", 403)


# --- sending -----------------------------------------------------------------------------------


def test_a_one_time_accept_allows_exactly_one_message(client, w):
    response = subscribe(client, w, {w.once.template_id: "accept"})
    assert response.json()["results"][0] == {
        "template_id": w.once.template_id,
        "title": "Order shipped",
        "status": "accepted",
        "credits": 1,
    }
    user = response.json()["user_id"]
    token = w.app_token()
    first = send(client, token, w.once, user, page="pages/order/detail?id=42")
    assert first.status_code == 202, first.content
    assert first.json()["state"] == "queued"
    message = Message.objects.get()
    assert message.data == [[k, f"value of {k}"] for k in w.once.keywords]
    assert message.user_id == "u-1" and message.page == "pages/order/detail?id=42"
    error(send(client, token, w.once, user), "subscription_used", 403)
    # Two more accepts: two more messages.
    subscribe(client, w, {w.once.template_id: "accept"})
    subscribe(client, w, {w.once.template_id: "accept"})
    assert send(client, token, w.once, user).status_code == 202
    assert send(client, token, w.once, user).status_code == 202
    error(send(client, token, w.once, user), "subscription_used", 403)
    assert Message.objects.count() == 3


def test_no_accept_is_not_subscribed(client, w):
    user = open_id(client, w)  # rejected
    error(send(client, w.app_token(), w.once, user), "not_subscribed", 403)
    error(send(client, w.app_token(), w.once_c, user), "not_subscribed", 403)


def test_a_long_term_subscription_allows_five_per_utc_day_and_until_withdrawn(client, w):
    user = subscribe(client, w, {w.long.template_id: "accept"}).json()["user_id"]
    with time_machine.travel(datetime(2026, 12, 2, 23, 0, tzinfo=UTC), tick=False):
        token = w.app_token()
        remaining = [
            send(client, token, w.long, user).json()["quota"]["remaining"] for _ in range(5)
        ]
        assert remaining == [4, 3, 2, 1, 0]
        refused = send(client, token, w.long, user)
        error(refused, "daily_limit", 429)
        assert refused["Retry-After"] == str(3600 + 1)
    with time_machine.travel(datetime(2026, 12, 3, 0, 0, 1, tzinfo=UTC), tick=False):
        token = w.app_token()
        again = send(client, token, w.long, user)
        assert again.status_code == 202
        assert again.json()["quota"] == {
            "limit": 5,
            "remaining": 4,
            "resets_at": "2026-12-04T00:00:00Z",
        }
        subscribe(client, w, {w.long.template_id: "reject"})
        error(send(client, token, w.long, user), "subscription_withdrawn", 403)
    assert Message.objects.count() == 6


def test_values_are_checked_against_the_templates_keywords(client, w):
    user = subscribe(client, w, {w.once.template_id: "accept"}).json()["user_id"]
    token = w.app_token()
    first, second = w.once.keywords
    cases = [
        ({first: "A"}, f"Give a value for “{second}”."),
        ({first: "A", second: "   "}, f"Give a value for “{second}”."),
        ({first: "A", second: "B", "Bogus": "C"}, "“Bogus” is not a keyword"),
        ({first: "A", second: "x" * 201}, "longer than 200 characters"),
        ({first: "A", second: "line\x00"}, "control characters"),
        (["A", "B"], "“data” must be an object"),
    ]
    for data, sentence in cases:
        refused = error(send(client, token, w.once, user, data=data), "invalid_data", 400)
        assert sentence in refused["message"]
    for page in ("https://evil.example/", "//evil", "pages/a b", "x" * 257):
        error(send(client, token, w.once, user, page=page), "invalid_page", 400)
    assert not Message.objects.exists()
    assert Subscription.objects.get().credits == 1  # nothing was used by the refusals
    numbers = {first: 42, second: "B"}
    assert send(client, token, w.once, user, data=numbers).status_code == 202


def test_tokens_unknown_templates_and_user_tokens_for_someone_else(client, w):
    user = subscribe(client, w, {w.once.template_id: "accept"}).json()["user_id"]
    error(send(client, "at_nope", w.once, user), "invalid_token", 401)
    response = post(
        client,
        SEND,
        {"template_id": "zzz", "to_user_id": user, "data": {}},
        HTTP_AUTHORIZATION=f"Bearer {w.app_token()}",
    )
    error(response, "unknown_template", 404)
    # A user's own token sends to that user only.
    token, mine = w.user_token("u-1")
    assert mine == user
    other_token, _other = w.user_token("u-2")
    error(send(client, other_token, w.once, user), "token_user_mismatch", 403)
    assert send(client, token, w.once, user).status_code == 202


def test_without_a_message_endpoint_the_send_is_refused_and_nothing_used(client, w):
    user = subscribe(client, w, {w.once.template_id: "accept"}).json()["user_id"]
    w.endpoint.is_active = False
    w.endpoint.save()
    error(send(client, w.app_token(), w.once, user), "endpoint_not_configured", 409)
    assert Subscription.objects.get().credits == 1


def test_a_retried_send_with_the_same_idempotency_key_never_sends_twice(client, w):
    user = subscribe(client, w, {w.long.template_id: "accept"}).json()["user_id"]
    token = w.app_token()
    first = send(client, token, w.long, user, key="order-42-shipped")
    again = send(client, token, w.long, user, key="order-42-shipped")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["duplicate"] is True
    assert Message.objects.count() == 1
    assert Subscription.objects.get().day_count == 1
    changed = send(
        client,
        token,
        w.long,
        user,
        key="order-42-shipped",
        data=dict.fromkeys(w.long.keywords, "other"),
    )
    error(changed, "idempotency_conflict", 409)
    error(send(client, token, w.long, user, key="bad key"), "bad_request", 400)
    assert send(client, token, w.long, user, key="order-43").status_code == 202


def test_the_sender_reads_the_delivery_state_of_its_own_messages_only(client, w, owner):
    user = subscribe(client, w, {w.once.template_id: "accept"}).json()["user_id"]
    token = w.app_token()
    sent = send(client, token, w.once, user).json()
    response = client.get(f"{SEND}/{sent['id']}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.json()["state"] == "queued"
    error(client.get(f"{SEND}/not-a-uuid", HTTP_AUTHORIZATION=f"Bearer {token}"), "not_found", 404)
    cafe = create_miniprogram(owner, name="Cafe", host_app_ids=[w.wallet.pk])
    from miniprograms.secrets.oauth import access_token_for_app
    from miniprograms.secrets.services import appsecret_generate

    _row, secret = appsecret_generate(actor=owner, miniprogram=cafe)
    theirs = access_token_for_app(app_id=cafe.app_id, app_secret=secret).access_token
    response = client.get(f"{SEND}/{sent['id']}", HTTP_AUTHORIZATION=f"Bearer {theirs}")
    error(response, "not_found", 404)


def test_the_client_credentials_grant_gives_an_app_token(client, w):
    body = {"grant_type": "client_credentials", "app_id": w.shop.app_id, "app_secret": w.app_secret}
    response = post(client, "/oauth/v1/token", body)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert response.json()["user_id"] == ""
    info = client.get("/oauth/v1/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert info["user_id"] is None and info["app_id"] == w.shop.app_id
    body["app_secret"] = "wrong"
    assert post(client, "/oauth/v1/token", body).json()["error"]["code"] == "invalid_secret"
    body["grant_type"] = "password"
    assert post(client, "/oauth/v1/token", body).json()["error"]["code"] == "bad_request"


def test_a_send_commits_before_ringing_the_worker(client, w, django_capture_on_commit_callbacks):
    user = subscribe(client, w, {w.once.template_id: "accept"}).json()["user_id"]
    with django_capture_on_commit_callbacks() as callbacks:
        assert send(client, w.app_token(), w.once, user).status_code == 202
    assert len(callbacks) == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_days_quota_boundary_is_utc_midnight():
    from miniprograms.subscriptions.sending import next_utc_midnight

    moment = datetime(2026, 12, 2, 23, 59, tzinfo=UTC) + timedelta(seconds=30)
    assert next_utc_midnight(moment) == datetime(2026, 12, 3, tzinfo=UTC)


def test_bodies_are_json_and_bounded(client, w):
    response = client.post(TEMPLATES, "app_id=1", content_type="text/plain", **w.sdk())
    error(response, "unsupported_media_type", 415)
    huge = {"app_id": w.shop.app_id, "template_ids": ["x" * 20_000]}
    error(post(client, TEMPLATES, huge, **w.sdk()), "too_large", 413)
    error(
        post(client, TEMPLATES, {"app_id": "12", "template_ids": []}, **w.sdk()), "bad_request", 400
    )


def test_the_sdk_calls_are_throttled_per_host_app(client, w, settings):
    settings.MPP_SUBSCRIBE_RATE = 2
    body = {"app_id": w.shop.app_id, "template_ids": [w.once.template_id]}
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        answers = [post(client, TEMPLATES, body, **w.sdk()) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = error(answers[2], "throttled", 429)
    assert "at most 2 per second" in refused["message"]
    assert answers[2]["Retry-After"] == "1"
