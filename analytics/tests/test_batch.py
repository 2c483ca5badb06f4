"""Validation of a batch, rule by rule (no database): invalid events by index, others kept."""

from __future__ import annotations

import pytest

from analytics.batch import (
    EVENT_COLUMNS,
    LOG_COLUMNS,
    MAX_EVENTS,
    Invalid,
    batch_parse,
    copy_rows,
    copy_text,
)
from analytics.tests import conftest as fixtures
from analytics.tests.conftest import event, now_ms

NOW = now_ms()  # taken when the module is collected: a whole suite may run long after
MINUTE = 60_000
DAY = 24 * 60 * MINUTE


@pytest.fixture(autouse=True)
def _events_made_now(monkeypatch):
    """Events made here default to ``NOW`` (not the clock), however late the test runs."""
    monkeypatch.setattr(fixtures, "now_ms", lambda: NOW)


def parse(events, **payload):
    return batch_parse({"events": events, **payload}, host_app_id=7, now_ms=NOW)


def only_error(event_fields):
    batch = parse([event(**{"ts": NOW, **event_fields})])
    assert not batch.events and not batch.logs
    [error] = batch.errors
    return error["field"], error["message"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"id": "not-a-uuid"}, "id", "“id” must be a UUID."),
        ({"ts": "2026-12-01"}, "ts", "“ts” is required (milliseconds since the Unix epoch)."),
        ({"ts": NOW + 5 * MINUTE + 1}, "ts", "“ts” is more than 5 minutes in the future."),
        ({"ts": NOW - 3 * DAY - 1}, "ts", "“ts” is more than 3 days old."),
        ({"type": "click"}, "type", None),
        ({"type": ["page_view"]}, "type", None),
        ({"type": "log", "level": ["info"], "message": "x"}, "level", None),
        ({"app_id": "123"}, "app_id", "“app_id” must be a mini program's 16-digit App ID."),
        ({"app_id": ["2021000000000001"]}, "app_id", None),
        ({"id": {"a": 1}}, "id", "“id” must be a UUID."),
        ({"env": "staging"}, "env", None),
        ({"env": None}, "env", "“env” is required."),
        ({"device_id": ""}, "device_id", "“device_id” is required."),
        ({"user_id": 42}, "user_id", "“user_id” must be a string."),
        ({"version": "9" * 65}, "version", "“version” is longer than 64 characters."),
        ({"version": "*"}, "version", "“version” cannot be “*”: it stands for every version."),
        ({"page": "a\x00b"}, "page", "“page” contains a NUL character."),
        ({"page": None}, "page", "“page” is required."),
        ({"type": "jsapi_call", "name": "getLocation"}, "success", None),
        ({"type": "jsapi_call", "name": "x", "success": 1, "duration_ms": 3}, "success", None),
        (
            {"type": "http_request", "domain": "a.com", "status": 1000, "duration_ms": 1},
            "status",
            None,
        ),
        ({"type": "startup", "success": True, "duration_ms": -1}, "duration_ms", None),
        ({"type": "log", "level": "fatal", "message": "x"}, "level", None),
        ({"type": "log", "level": "info"}, "message", "“message” is required."),
    ],
)
def test_each_rule_refuses_the_event_with_its_field(fields, field, message):
    got_field, got_message = only_error(fields)
    assert got_field == field
    if message:
        assert got_message == message


def test_invalid_events_are_reported_by_index_and_the_others_kept():
    events = [event(), event(ts="x"), "not an object", event(type="search", keyword="tea")]
    batch = parse(events)
    assert [e["index"] for e in batch.errors] == [1, 2]
    assert batch.errors[1] == {
        "index": 2,
        "field": "",
        "message": "An event must be a JSON object.",
    }
    assert [row[EVENT_COLUMNS.index("type")] for row in batch.events] == ["page_view", "search"]
    assert batch.accepted == 2


def test_timestamps_at_the_bounds_are_kept():
    batch = parse([event(ts=NOW + 5 * MINUTE), event(ts=NOW - 3 * DAY)])
    assert batch.accepted == 2 and not batch.errors
    assert (batch.first_ms, batch.last_ms) == (NOW - 3 * DAY, NOW + 5 * MINUTE)


def test_the_context_fills_every_event_and_an_events_own_field_wins():
    context = {
        "app_id": "2021000000000009",
        "env": "test",
        "device_id": "d-9",
        "platform": "android",
    }
    own = event(platform="ios")
    for key in ("app_id", "env", "device_id"):
        del own[key]
    batch = parse([own], context=context)
    [row] = batch.events
    values = dict(zip(EVENT_COLUMNS, row, strict=True))
    assert values["app_id"] == "2021000000000009" and values["environment"] == "test"
    assert values["platform"] == "ios" and values["host_app_id"] == 7


def test_every_type_maps_to_its_columns():
    batch = parse(
        [
            event(type="jsapi_call", name="getLocation", success=False, duration_ms=12),
            event(type="http_request", domain="api.shop.com", status=503, duration_ms=80),
            event(type="startup", success=True, duration_ms=900),
            event(type="favorite_add"),
            event(type="log", level="warn", message="slow\tpage\n", guid="g-1"),
        ]
    )
    assert not batch.errors
    rows = [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in batch.events]
    assert (rows[0]["name"], rows[0]["success"], rows[0]["duration_ms"]) == (
        "getLocation",
        False,
        12,
    )
    assert (rows[1]["domain"], rows[1]["status_code"]) == ("api.shop.com", 503)
    assert rows[2]["success"] is True and rows[3]["page"] == ""
    [log] = [dict(zip(LOG_COLUMNS, r, strict=True)) for r in batch.logs]
    assert (log["level"], log["guid"], log["message"]) == (30, "g-1", "slow\tpage\n")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], ""),
        ({"events": []}, "events"),
        ({"events": [{}] * (MAX_EVENTS + 1)}, "events"),
        ({"events": [{}], "context": []}, "context"),
    ],
)
def test_a_malformed_body_is_refused_whole(payload, field):
    with pytest.raises(Invalid) as caught:
        batch_parse(payload, host_app_id=1, now_ms=NOW)
    assert caught.value.field == field


def test_copy_text_escapes_and_reads_back():
    batch = parse(
        [
            event(type="jsapi_call", name="a\\b", success=True, duration_ms=3, user_id=""),
            event(type="http_request", domain="a.com", status=0, duration_ms=9),  # plain
            event(type="log", level="info", message="plain"),
            event(type="log", level="error", message="tab\there\nnew line\r\\N", page="p"),
        ]
    )

    def strings(row):
        return [
            None if v is None else "t" if v is True else "f" if v is False else str(v) for v in row
        ]

    assert copy_rows(copy_text(batch.events)) == [strings(r) for r in batch.events]
    text = copy_text(batch.logs, LOG_COLUMNS)
    assert text.count(b"\n") == 2
    assert copy_rows(text) == [strings(r) for r in batch.logs]
