"""The real-time log query (issue 14): every filter, keyset pages (ties on the timestamp
included), the time-range rule, the Logs tab and its API, and a host tenant's view."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.logs import Cursor, LogFilters, earliest, like_escape, log_page, log_range_check
from analytics.models import LogLine
from analytics.realtime import Scope, analytics_host_apps, scope_for
from miniprograms.models import MiniProgramHostApp
from miniprograms.tests.hosted import hosted_world

NOW = timezone.now()
L = LogLine.Level


def line(key: str, *, app_id: str, host_app_id: int, when: datetime | None = None, **fields):
    """A log line whose message starts with ``key`` (the tests find lines by it)."""
    values = {
        "occurred_at": when or NOW - timedelta(hours=1),
        "event_id": uuid.uuid4(),
        "host_app_id": host_app_id,
        "app_id": app_id,
        "environment": "production",
        "device_id": "d-1",
        "platform": "android",
        "os_version": "13",
        "client_version": "8.1.0",
        "base_version": "3.4.0",
        "level": L.INFO,
        "guid": "guid-common",
        "page": "pages/index/index",
        **fields,
    }
    values["message"] = f"{key} {fields.get('message', 'something happened')}"
    return LogLine.objects.create(**values)


@pytest.fixture
def world():
    return hosted_world()


@pytest.fixture
def lines(world):
    """Acme Mall's lines: one per filter that only it passes, plus noise no filter returns."""
    app, wallet = world.own.app_id, world.wallet.pk

    def add(key, **fields):
        return line(key, app_id=app, host_app_id=wallet, **fields)

    add("plain")
    add("debug", level=L.DEBUG)
    add("warn", level=L.WARN)
    add("error", level=L.ERROR, message="payment failed: TimeOut after 3s")
    add("ios", platform="ios", os_version="17.5")
    add("android9", os_version="9")
    add("guid", guid="guid-42")
    add("page", page="pages/pay/index")
    add("base", base_version="2.1.0")
    add("client", client_version="7.0.0")
    add("percent", message="progress 100%_done")
    add("lookalike", message="progress 100xxdone")
    add("old", when=NOW - timedelta(hours=30))
    add("dev", environment="development")
    # Not Acme Mall's, or not a host app it is released to: never returned.
    line("other-app", app_id="2099000000000009", host_app_id=wallet, level=L.ERROR)
    line("lite", app_id=app, host_app_id=world.lite.pk, level=L.ERROR)
    return world


def scope(world, *, environment: str = "") -> Scope:
    return scope_for(
        miniprogram=world.own,
        host_apps=analytics_host_apps(miniprogram=world.own),
        environment=environment,
    )


def keys(page) -> list[str]:
    return [ln.message.split(" ", 1)[0] for ln in page.lines]


EVERY = [
    "plain",
    "debug",
    "warn",
    "error",
    "ios",
    "android9",
    "guid",
    "page",
    "base",
    "client",
    "percent",
    "lookalike",
    "dev",
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {*EVERY, "old"}),
        ({"min_level": L.INFO}, set(EVERY) - {"debug"} | {"old"}),
        ({"min_level": L.WARN}, {"warn", "error"}),
        ({"min_level": L.ERROR}, {"error"}),
        ({"platform": "ios"}, {"ios"}),
        ({"platform": "android", "os_version": "9"}, {"android9"}),
        ({"guid": "guid-42"}, {"guid"}),
        ({"page": "pages/pay/index"}, {"page"}),
        ({"base_version": "2.1.0"}, {"base"}),
        ({"client_version": "7.0.0"}, {"client"}),
        ({"text": "timeout"}, {"error"}),  # not case-sensitive
        ({"text": "100%_done"}, {"percent"}),  # % and _ match themselves
        ({"text": "%"}, {"percent"}),
        ({"text": "no such text"}, set()),
        ({"min_level": L.ERROR, "text": "payment", "platform": "android"}, {"error"}),
        ({"min_level": L.ERROR, "platform": "ios"}, set()),
        ({"since": NOW - timedelta(hours=31), "until": NOW - timedelta(hours=29)}, {"old"}),
        ({"since": NOW - timedelta(hours=2)}, set(EVERY)),
    ],
)
def test_each_filter_finds_exactly_its_lines(lines, filters, expected):
    found = log_page(scope=scope(lines), filters=LogFilters(**filters), limit=100)
    assert set(keys(found)) == expected
    assert found.next_cursor is None


@pytest.mark.django_db
def test_the_environment_and_host_app_choose_the_lines(lines):
    production = log_page(scope=scope(lines, environment="production"), filters=LogFilters())
    assert "dev" not in keys(production) and "plain" in keys(production)
    lite = scope_for(
        miniprogram=lines.own,
        host_apps=analytics_host_apps(miniprogram=lines.own),
        host_app_id=lines.lite.pk,
        environment="",
    )
    assert log_page(scope=lite, filters=LogFilters()).lines == []


@pytest.mark.django_db
def test_the_text_filter_uses_the_trigram_operator_on_postgresql(lines):
    mall = scope(lines)
    with CaptureQueriesContext(connection) as queries:
        log_page(scope=mall, filters=LogFilters(text="time_out"), limit=10)
    [query] = queries.captured_queries
    sql = query["sql"]
    if connection.vendor == "postgresql":
        assert "ILIKE" in sql and "UPPER" not in sql and "%time\\\\_out%" in sql
    else:
        assert "LIKE" in sql
    assert "OFFSET" not in sql.upper() and "COUNT(" not in sql.upper()
    assert like_escape("50%_a\\b") == "50\\%\\_a\\\\b"


# --- keyset pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_keyset_pages_show_every_line_once_newest_first_ties_included(world):
    app, wallet = world.own.app_id, world.wallet.pk
    tie = NOW - timedelta(minutes=30)
    made = [line(f"tie{i}", app_id=app, host_app_id=wallet, when=tie) for i in range(5)]
    made += [
        line(f"t{i}", app_id=app, host_app_id=wallet, when=NOW - timedelta(minutes=i))
        for i in (1, 2, 40, 41)
    ]
    expected = sorted(made, key=lambda ln: (ln.occurred_at, ln.event_id.hex), reverse=True)
    seen, after, pages, mall = [], None, 0, scope(world)
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = log_page(scope=mall, filters=LogFilters(), after=after, limit=2)
        assert len(queries) == 1
        pages += 1
        seen += [ln.event_id for ln in page.lines]
        if page.next_cursor is None:
            break
        after = Cursor.decode(page.next_cursor.encode())
    assert pages == 5
    assert seen == [ln.event_id for ln in expected]  # none twice, none missing, in order
    assert len(set(seen)) == 9


def test_a_cursor_round_trips_and_junk_is_refused():
    cursor = Cursor(
        occurred_at=datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC),
        event_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    )
    assert Cursor.decode(cursor.encode()) == cursor
    for junk in ("", "abc", "12-xyz", "-" + "a" * 32, "1" * 20 + "-" + "a" * 32, "1-" + "g" * 32):
        with pytest.raises(ValueError):
            Cursor.decode(junk)


def test_the_range_must_be_inside_the_last_three_days_and_in_order():
    now = datetime(2026, 12, 2, 10, tzinfo=UTC)
    first = earliest(now=now)
    assert first == datetime(2026, 11, 29, tzinfo=UTC)
    log_range_check(since=first, until=now, now=now)
    log_range_check(since=None, until=None, now=now)
    with pytest.raises(ValidationError) as too_old:
        log_range_check(since=first - timedelta(seconds=1), until=None, now=now)
    assert "kept 3 days" in too_old.value.message_dict["since"][0]
    with pytest.raises(ValidationError) as backwards:
        log_range_check(since=now, until=now - timedelta(hours=1), now=now)
    assert "before the start" in backwards.value.message_dict["until"][0]
    with pytest.raises(ValidationError) as ahead:
        log_range_check(since=None, until=now + timedelta(days=2), now=now)
    assert "until" in ahead.value.message_dict


# --- the Logs tab ------------------------------------------------------------------------------


def logs_url(world, slug="acme", mp=None) -> str:
    return reverse("analytics:logs", args=[slug, (mp or world.own).app_id])


@pytest.mark.django_db
def test_the_logs_tab_filters_and_keeps_the_input(client, lines):
    client.force_login(lines.team["reviewer"].user)
    response = client.get(logs_url(lines), {"level": "40", "q": "payment", "platform": "android"})
    assert response.status_code == 200
    html = response.content.decode()
    assert keys(response.context["log_page"]) == ["error"]
    assert 'value="payment"' in html and 'value="40" selected' in html
    assert 'value="android"' in html and 'aria-current="page">Logs' in html
    assert "payment failed: TimeOut after 3s" in html
    everything = client.get(logs_url(lines))
    assert len(everything.context["log_page"].lines) == 14
    assert 'rel="next"' not in everything.content.decode()


@pytest.mark.django_db
def test_the_logs_tab_pages_with_older_links(client, settings, lines):
    settings.PAGE_SIZE = 5
    client.force_login(lines.team["owner"].user)
    seen, query, pages = [], {"level": "20"}, 0
    while True:
        response = client.get(logs_url(lines), query)
        pages += 1
        seen += keys(response.context["log_page"])
        next_query = response.context.get("next_query")
        if not next_query:
            break
        assert 'rel="next"' in response.content.decode()
        query = dict(pair.split("=", 1) for pair in next_query.split("&"))
        assert query["level"] == "20"
    assert pages == 3 and sorted(seen) == sorted({*EVERY, "old"} - {"debug"})
    assert 'rel="first"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ({"since": "2001-01-01T00:00"}, "since", "kept 3 days"),
        ({"until": "2001-01-01T00:00"}, "until", "kept 3 days"),
        ({"since": "yesterday"}, "since", "Enter a valid date/time"),
        ({"level": "25"}, "level", "Select a valid choice"),
        ({"after": "not-a-cursor"}, "after", "page link is broken"),
        ({"q": "x" * 201}, "q", "at most 200 characters"),
    ],
)
def test_bad_filters_are_explained_and_show_no_lines(client, lines, query, field, text):
    client.force_login(lines.team["owner"].user)
    response = client.get(logs_url(lines), query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["log_page"] is None
    html = response.content.decode()
    assert "data-log-errors" in html and text in html
    assert "data-log>" not in html


@pytest.mark.django_db
def test_a_range_later_than_the_start_is_refused(client, lines):
    client.force_login(lines.team["owner"].user)
    start = timezone.localtime(NOW)
    response = client.get(
        logs_url(lines),
        {
            "since": start.strftime("%Y-%m-%dT%H:%M"),
            "until": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "The end is before the start." in response.content.decode()


# --- a host tenant's view, and the API ---------------------------------------------------------


@pytest.fixture
def coffee_lines(world):
    zenith_app = world.zenith.host_apps.get()
    MiniProgramHostApp.objects.create(miniprogram=world.coffee, host_app=zenith_app)
    app = world.coffee.app_id
    line("acme", app_id=app, host_app_id=world.wallet.pk, level=L.ERROR)
    line("zenith", app_id=app, host_app_id=zenith_app.pk, level=L.ERROR)
    return world, zenith_app


@pytest.mark.django_db
def test_each_host_tenant_reads_only_its_host_apps_lines(client, coffee_lines):
    world, _zenith_app = coffee_lines
    for member, slug, expected in [
        (world.merchant_owner, "blue", {"acme", "zenith"}),
        (world.team["admin"], "acme", {"acme"}),
        (world.zenith_owner, "zenith", {"zenith"}),
    ]:
        client.force_login(member.user)
        page = client.get(logs_url(world, slug=slug, mp=world.coffee))
        assert set(keys(page.context["log_page"])) == expected, slug
        api = APIClient()
        api.force_authenticate(member.user)
        body = api.get(f"/api/v1/workspaces/{slug}/miniprograms/{world.coffee.app_id}/logs")
        assert {r["message"].split()[0] for r in body.json()["results"]} == expected, slug


@pytest.mark.django_db
def test_the_log_api_filters_and_pages_by_cursor(lines):
    api = APIClient()
    api.force_authenticate(lines.team["owner"].user)
    path = f"/api/v1/workspaces/acme/miniprograms/{lines.own.app_id}/logs"
    error = api.get(path, {"level": "error", "q": "TIMEOUT"}).json()
    assert [r["message"].split()[0] for r in error["results"]] == ["error"]
    assert error["results"][0]["level"] == "Error" and error["next_cursor"] is None
    for query, key in [
        ({"guid": "guid-42"}, "guid"),
        ({"path": "pages/pay/index"}, "page"),
        ({"platform": "ios", "os_version": "17.5"}, "ios"),
        ({"base_version": "2.1.0"}, "base"),
        ({"client_version": "7.0.0"}, "client"),
        ({"environment": "development"}, "dev"),
    ]:
        assert [r["message"].split()[0] for r in api.get(path, query).json()["results"]] == [key]
    seen, query = [], {"limit": 4}
    while True:
        body = api.get(path, query).json()
        seen += [r["id"] for r in body["results"]]
        if body["next_cursor"] is None:
            break
        query = {"limit": 4, "cursor": body["next_cursor"]}
    assert len(seen) == len(set(seen)) == 14


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "2001-01-01T00:00:00Z"}, "since"),
        ({"until": "2001-01-01T00:00:00Z"}, "until"),
        ({"level": "fatal"}, "level"),
        ({"cursor": "junk"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"environment": "moon"}, "environment"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_log_api_input_is_a_400_naming_the_field(world, query, field):
    api = APIClient()
    api.force_authenticate(world.team["owner"].user)
    answer = api.get(f"/api/v1/workspaces/acme/miniprograms/{world.own.app_id}/logs", query)
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
