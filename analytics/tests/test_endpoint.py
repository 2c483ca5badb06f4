"""``POST /runtime/v1/events``: SDK authentication, body limits, gzip, answers by index, and
the embedded default (no Redis) writing each batch itself, once."""

from __future__ import annotations

import gzip
import uuid

import orjson
import pytest

from analytics.batch import MAX_BODY, MAX_EVENTS
from analytics.models import Event, LogLine
from analytics.tests.conftest import URL, error_of, event, now_ms
from workspaces.services.hostapps import host_app_freeze_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("embedded")]


def test_a_batch_is_accepted_and_its_valid_events_kept(post, host_app):
    events = [
        event(),
        event(ts=now_ms() + 10 * 60_000),
        event(type="jsapi_call", name="getLocation", success=True, duration_ms=7),
        event(type="log", level="error", message="boom", page="pages/pay/pay", guid="g-1"),
    ]
    response = post({"events": events})
    assert response.status_code == 202, response.content
    assert response.json() == {
        "accepted": 3,
        "rejected": 1,
        "errors": [
            {"index": 1, "field": "ts", "message": "“ts” is more than 5 minutes in the future."}
        ],
    }
    assert Event.objects.count() == 2 and LogLine.objects.count() == 1
    call = Event.objects.get(type="jsapi_call")
    assert (call.host_app_id, call.name, call.success, call.duration_ms) == (
        host_app[0].pk,
        "getLocation",
        True,
        7,
    )
    assert call.event_id == uuid.UUID(events[2]["id"])
    assert LogLine.objects.get().level == LogLine.Level.ERROR


def test_a_redelivered_batch_inserts_nothing_twice(post):
    body = {"events": [event(), event(type="log", level="info", message="hi")]}
    assert post(body).status_code == 202
    assert post(body).status_code == 202
    assert (Event.objects.count(), LogLine.objects.count()) == (1, 1)


def test_a_gzipped_batch_is_accepted(post):
    response = post({"events": [event(), event()]}, gzip=True)
    assert response.status_code == 202, response.content
    assert response.json()["accepted"] == 2 and Event.objects.count() == 2


@pytest.mark.parametrize(
    ("key", "secret", "status", "code"),
    [("", "", 401, "unauthenticated"), (None, "wrong", 401, "unauthenticated")],
)
def test_sdk_credentials_are_required(post, key, secret, status, code):
    error_of(post({"events": [event()]}, key=key, secret_=secret), status, code)
    assert not Event.objects.exists()


def test_a_frozen_key_is_refused_with_key_frozen(post, host_app, owner):
    host_app_freeze_key(actor=owner, host_app_id=host_app[0].pk)
    error_of(post({"events": [event()]}), 403, "key_frozen")
    error_of(post({"events": [event()]}, secret_="wrong"), 401, "unauthenticated")
    assert not Event.objects.exists()


def test_a_body_over_1_mb_is_refused(post):
    error_of(post(b"[" + b" " * MAX_BODY + b"]"), 413, "too_large")


def test_a_gzip_body_inflating_past_1_mb_is_refused(post):
    bomb = gzip.compress(b" " * (MAX_BODY + 1))
    assert len(bomb) < 10_000
    response = post(bomb, HTTP_CONTENT_ENCODING="gzip")
    error_of(response, 413, "too_large")


def test_a_truncated_or_false_gzip_body_is_a_bad_request(post):
    body = gzip.compress(orjson.dumps({"events": [event()]}))
    error_of(post(body[:-12], HTTP_CONTENT_ENCODING="gzip"), 400, "bad_request")
    error_of(post(b"not gzip", HTTP_CONTENT_ENCODING="gzip"), 400, "bad_request")


def test_more_than_500_events_are_refused_whole(post):
    error = error_of(post({"events": [event() for _ in range(MAX_EVENTS + 1)]}), 400, "invalid")
    assert "events" in error["fields"]
    assert not Event.objects.exists()


def test_other_bodies_and_methods_are_refused(client, post):
    error_of(post(b"{not json"), 400, "bad_request")
    error_of(post({"events": [event()]}, CONTENT_TYPE="text/plain"), 415, "unsupported_media_type")
    error_of(post({"events": [event()]}, HTTP_CONTENT_ENCODING="br"), 415, "unsupported_media_type")
    response = client.get(URL)
    error_of(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_redis_down_is_a_503_and_nothing_is_kept(post, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port: the connection is refused
    response = post({"events": [event()]})
    error_of(response, 503, "unavailable")
    assert response["Retry-After"] == "30"
    assert not Event.objects.exists()


def test_the_embedded_path_writes_a_batch_in_a_few_queries_not_row_by_row(
    post, django_assert_max_num_queries
):
    events = [event() for _ in range(250)]
    events += [event(type="log", level="info", message=f"line {n}") for n in range(250)]
    # The credentials, then multi-row INSERTs (SQLite binds at most 999 parameters a statement:
    # ~50 rows each; PostgreSQL: COPY, which the counter does not see).
    with django_assert_max_num_queries(16):
        assert post({"events": events}).json()["accepted"] == 500
    assert (Event.objects.count(), LogLine.objects.count()) == (250, 250)
