"""Real-time analytics (issue 14): a UTC day by hour and the JSAPI calls, from hand-made raw
events — the selectors' exact numbers, the pages and the API, who may read them (role matrix)
and what a host tenant sees of a merchant's mini program (only its own host apps' rows)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from analytics.models import Event
from analytics.realtime import (
    Scope,
    analytics_host_apps,
    jsapi_hourly,
    jsapi_overview,
    realtime_days,
    realtime_hourly,
    scope_for,
)
from analytics.views_realtime import hour_chart
from miniprograms.models import MiniProgramHostApp
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.hosted import hosted_world
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

TODAY = realtime_days()[0]
YESTERDAY = TODAY - timedelta(days=1)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def ev(kind: str, when: datetime, *, app_id: str, host_app_id: int, **fields) -> Event:
    values = {
        "occurred_at": when,
        "event_id": uuid.uuid4(),
        "host_app_id": host_app_id,
        "app_id": app_id,
        "environment": "production",
        "device_id": "d-1",
        "user_id": "u-1",
        "type": kind,
        **fields,
    }
    return Event.objects.create(**values)


@pytest.fixture
def world():
    return hosted_world()


@pytest.fixture
def mall(world):
    """Acme Mall (on Acme Wallet): a day of hand-made events, and noise that must not count."""
    app, wallet = world.own.app_id, world.wallet.pk

    def e(kind, when, **fields):
        return ev(kind, when, app_id=app, host_app_id=wallet, **fields)

    nine = at(TODAY, 9, 10)
    e("page_view", nine, page="pages/index/index")
    e("page_view", nine + timedelta(minutes=5), page="pages/cart/index")
    e("page_view", at(TODAY, 9, 59, 59), user_id="", device_id="d-2")  # a visitor by device
    e("launch", nine)
    e("startup", nine, success=True, duration_ms=300)
    e("startup", nine, success=False, duration_ms=900)
    e("jsapi_call", nine, name="getLocation", success=True, duration_ms=10)
    e("jsapi_call", nine, name="getLocation", success=False, duration_ms=20)
    e("jsapi_call", nine, name="getLocation", success=True, duration_ms=30)
    e("jsapi_call", at(TODAY, 10), name="getLocation", success=True)  # no duration reported
    e("jsapi_call", at(TODAY, 10), name="showToast", success=True, duration_ms=5)
    e("http_request", nine, domain="api.acme.test", status_code=200, duration_ms=40)
    e("http_request", nine, domain="api.acme.test", status_code=404, duration_ms=40)
    e("http_request", nine, domain="api.acme.test", status_code=0, duration_ms=5000)
    e("http_request", nine, domain="api.acme.test", status_code=399, duration_ms=40)
    e("blank_screen", nine, page="pages/cart/index")
    e("page_view", at(TODAY, 14), user_id="u-3")
    e("page_view", at(TODAY, 14, 30))  # u-1 again: one visitor of the day
    # Noise: another environment, another day, another mini program, a host app not targeted.
    e("page_view", at(TODAY, 9), environment="development")
    e("page_view", at(YESTERDAY, 23, 59, 59))
    ev("page_view", at(TODAY, 9), app_id="2099000000000009", host_app_id=wallet)
    ev("page_view", at(TODAY, 9), app_id=app, host_app_id=world.lite.pk)
    return world


def mall_scope(world, **kwargs) -> Scope:
    return scope_for(
        miniprogram=world.own, host_apps=analytics_host_apps(miniprogram=world.own), **kwargs
    )


# --- selectors ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_day_by_hour_counts_each_figure_in_two_grouped_queries(mall):
    scope = mall_scope(mall)
    with CaptureQueriesContext(connection) as queries:
        day = realtime_hourly(scope=scope, day=TODAY)
    assert len(queries) == 2
    assert "GROUP BY" in queries[0]["sql"]
    assert [h.hour for h in day.hours] == list(range(24))
    nine, ten, fourteen = day.hours[9], day.hours[10], day.hours[14]
    assert (nine.pv, nine.uv, nine.launches) == (3, 2, 1)
    assert (nine.startups, nine.startup_successes, nine.startup_success_rate) == (2, 1, 50.0)
    assert (nine.jsapi_calls, nine.jsapi_successes) == (3, 2)
    assert (nine.http_requests, nine.http_exceptions) == (4, 2)  # 404 and no answer
    assert nine.blank_screens == 1
    assert (ten.jsapi_calls, ten.pv, ten.uv) == (2, 0, 1)
    assert (fourteen.pv, fourteen.uv) == (2, 2)
    assert all(h.is_empty for h in day.hours if h.hour not in (9, 10, 14))
    total = day.total
    assert (total.pv, total.launches, total.jsapi_calls, total.http_exceptions) == (5, 1, 5, 2)
    assert total.uv == 3  # u-1, the device d-2, u-3: not the hours' 2 + 1 + 2
    assert total.startup_success_rate == 50.0
    assert total.http_exception_rate == 50.0


@pytest.mark.django_db
def test_the_day_environment_and_host_app_choose_the_rows(mall):
    yesterday = realtime_hourly(scope=mall_scope(mall), day=YESTERDAY)
    assert yesterday.hours[23].pv == 1 and yesterday.total.pv == 1
    every = realtime_hourly(scope=mall_scope(mall, environment=""), day=TODAY)
    assert every.hours[9].pv == 4  # the development page view too
    assert realtime_hourly(scope=mall_scope(mall, host_app_id=mall.wallet.pk), day=TODAY).total.pv
    # Acme Lite posted a page view under the App ID, but the mini program is not released there.
    lite = realtime_hourly(scope=mall_scope(mall, host_app_id=mall.lite.pk), day=TODAY)
    assert lite.total.is_empty and lite.hours[9].pv == 0


@pytest.mark.django_db
def test_jsapi_calls_success_rates_and_mean_durations(mall):
    overview = jsapi_overview(scope=mall_scope(mall), day=TODAY)
    assert [(a.name, a.calls, a.successes, a.success_rate) for a in overview] == [
        ("getLocation", 4, 3, 75.0),
        ("showToast", 1, 1, 100.0),
    ]
    assert overview[0].avg_duration_ms == 20.0  # of the three calls that reported one
    assert overview[0].failures == 1
    detail = jsapi_hourly(scope=mall_scope(mall), day=TODAY, name="getLocation")
    hours = {h: (f.calls, f.successes, f.success_rate) for h, f in detail.hours if f.calls}
    assert hours == {9: (3, 2, 66.7), 10: (1, 1, 100.0)}
    assert detail.hours[10][1].avg_duration_ms is None
    assert (detail.total.calls, detail.total.success_rate, detail.total.avg_duration_ms) == (
        4,
        75.0,
        20.0,
    )
    assert jsapi_overview(scope=mall_scope(mall), day=YESTERDAY) == []


def test_the_chart_scales_to_the_busiest_hour_and_stacks_failures():
    values = [(0, 0)] * 24
    values[9], values[10] = (3, 1), (2, 0)
    chart = hour_chart(values, [f"h{h}" for h in range(24)])
    assert chart.scale == 4 and chart.width == 240 and len(chart.bars) == 24
    assert chart.bars[9].good == (25.0, 75.0) and chart.bars[9].bad == (0.0, 25.0)
    assert chart.bars[10].good == (50.0, 50.0) and chart.bars[10].bad[1] == 0
    assert chart.bars[0].good[1] == 0 and hour_chart([(0, 0)] * 24, [""] * 24).scale == 1


# --- pages -------------------------------------------------------------------------------------


def url(route: str, world, *, slug="acme", mp=None, api: str | None = None) -> str:
    mp = mp or world.own
    extra = [api] if api else []
    return reverse(f"analytics:{route}", args=[slug, mp.app_id, *extra])


PAGES = ("realtime", "jsapis", "jsapi", "logs")


def page_url(route, world, **kw):
    return url(route, world, api="getLocation" if route == "jsapi" else None, **kw)


@pytest.mark.django_db
def test_the_realtime_page_shows_the_hours_in_a_table_under_the_chart(client, mall):
    client.force_login(mall.team["reviewer"].user)
    response = client.get(url("realtime", mall))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-chart" in html and 'aria-current="page">Real-time' in html
    figures = response.context["figures"]
    assert figures.hours[9].pv == 3 and figures.total.uv == 3
    assert 'data-hour="9"' in html and '<td class="num" data-figure="pv">3</td>' in html
    chosen = response.context["chosen"]
    assert chosen["environment"] == "production" and chosen["day"] == TODAY
    yesterday = client.get(url("realtime", mall), {"day": YESTERDAY.isoformat(), "chart": "uv"})
    assert yesterday.context["figures"].total.pv == 1
    assert yesterday.context["series_label"] == "Visitors (UV)"
    assert f'value="{YESTERDAY.isoformat()}" selected' in yesterday.content.decode()


@pytest.mark.django_db
def test_the_jsapi_pages_list_every_api_and_one_by_hour(client, mall):
    client.force_login(mall.team["owner"].user)
    listing = client.get(url("jsapis", mall))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert 'data-jsapi="getLocation"' in html and "75.0 %" in html
    detail = client.get(url("jsapi", mall, api="getLocation"))
    assert detail.status_code == 200
    assert detail.context["api"].total.calls == 4
    assert 'data-hour="9"' in detail.content.decode()
    unknown = client.get(url("jsapi", mall, api="noSuchApi"))
    assert unknown.status_code == 200 and "No calls of this JSAPI" in unknown.content.decode()


@pytest.mark.django_db
def test_bad_choices_are_shown_and_the_defaults_used(client, mall):
    client.force_login(mall.team["owner"].user)
    response = client.get(
        url("realtime", mall), {"day": "2001-01-01", "environment": "moon", "host_app": "x"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"day", "environment", "host_app"}
    assert response.context["chosen"]["day"] == TODAY
    assert response.context["figures"].total.pv == 5
    assert "Some choices were not valid" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "assigned", "status"),
    [
        ("owner", False, 200),
        ("admin", False, 200),
        ("reviewer", False, 200),
        ("developer", False, 404),
        ("developer", True, 200),
    ],
)
def test_who_reads_the_realtime_pages_and_the_api(client, world, role, assigned, status):
    member = world.team[role]
    if assigned:
        miniprogram_developer_assign(
            actor=world.team["owner"], miniprogram=world.own, user_id=member.user_id
        )
    client.force_login(member.user)
    for name in PAGES:
        assert client.get(page_url(name, world)).status_code == status, name
    api = APIClient()
    api.force_authenticate(member.user)
    for path in api_paths("acme", world.own.app_id):
        assert api.get(path).status_code == status, path


def api_paths(slug: str, app_id: str) -> list[str]:
    base = f"/api/v1/workspaces/{slug}/miniprograms/{app_id}"
    return [
        f"{base}/analytics/realtime",
        f"{base}/analytics/realtime/jsapis",
        f"{base}/analytics/realtime/jsapis/getLocation",
        f"{base}/logs",
    ]


# --- a merchant's mini program, seen from its host tenants -------------------------------------


@pytest.fixture
def coffee(world):
    """Blue Bottle's mini program, released to Acme Wallet and (a row) to Zenith's host app;
    one page view through each, and one through Acme Lite, where it is not released."""
    zenith_app = world.zenith.host_apps.get()
    MiniProgramHostApp.objects.create(miniprogram=world.coffee, host_app=zenith_app)
    app = world.coffee.app_id
    ev("page_view", at(TODAY, 8), app_id=app, host_app_id=world.wallet.pk, user_id="acme-user")
    ev("page_view", at(TODAY, 8), app_id=app, host_app_id=zenith_app.pk, user_id="zenith-user")
    ev("jsapi_call", at(TODAY, 8), app_id=app, host_app_id=zenith_app.pk, name="zenithOnly")
    ev("page_view", at(TODAY, 8), app_id=app, host_app_id=world.lite.pk)
    return world, zenith_app


@pytest.mark.django_db
def test_each_host_tenant_reads_only_its_own_host_apps_rows(client, coffee):
    world, zenith_app = coffee
    readers = [
        (world.merchant_owner, "blue", 2),  # the merchant: both host apps it is released to
        (world.team["reviewer"], "acme", 1),  # Acme: Acme Wallet's only
        (world.zenith_owner, "zenith", 1),  # Zenith: its own host app's only
    ]
    for member, slug, pv in readers:
        client.force_login(member.user)
        page = client.get(url("realtime", world, slug=slug, mp=world.coffee))
        assert page.status_code == 200, slug
        assert page.context["figures"].total.pv == pv, slug
        api = APIClient()
        api.force_authenticate(member.user)
        base = f"/api/v1/workspaces/{slug}/miniprograms/{world.coffee.app_id}/analytics/realtime"
        assert api.get(base).json()["total"]["pv"] == pv, slug
        jsapis = api.get(f"{base}/jsapis").json()["results"]
        assert [a["name"] for a in jsapis] == (["zenithOnly"] if slug != "acme" else [])
    # Acme names Zenith's host app: nothing (not an error that tells it exists).
    api = APIClient()
    api.force_authenticate(world.team["owner"].user)
    base = f"/api/v1/workspaces/acme/miniprograms/{world.coffee.app_id}/analytics/realtime"
    answer = api.get(base, {"host_app": zenith_app.pk})
    assert answer.status_code == 200
    assert answer.json()["total"]["pv"] == 0 and answer.json()["host_app_ids"] == []
    client.force_login(world.team["owner"].user)
    page = client.get(url("realtime", world, mp=world.coffee), {"host_app": zenith_app.pk})
    assert "host_app" in page.context["form"].errors
    assert page.context["figures"].total.pv == 1
    assert [a.name for a in page.context["host_apps"]] == ["Acme Wallet"]


@pytest.mark.django_db
def test_another_workspace_gets_404_everywhere(client, coffee):
    world, _zenith_app = coffee
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    client.force_login(stranger.user)
    api = APIClient()
    api.force_authenticate(stranger.user)
    for mp in (world.own, world.coffee):
        for slug in ("acme", "blue", stranger.workspace.slug):
            for name in PAGES:
                assert client.get(page_url(name, world, slug=slug, mp=mp)).status_code == 404
            for path in api_paths(slug, mp.app_id):
                assert api.get(path).status_code == 404, path


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_gives_the_same_numbers(mall):
    api = APIClient()
    api.force_authenticate(mall.team["owner"].user)
    base = f"/api/v1/workspaces/acme/miniprograms/{mall.own.app_id}/analytics/realtime"
    body = api.get(base).json()
    assert body["day"] == TODAY.isoformat() and body["environment"] == "production"
    assert body["total"]["pv"] == 5 and body["total"]["uv"] == 3
    nine = body["hours"][9]
    assert nine["hour"] == 9 and nine["http_exceptions"] == 2
    assert nine["startup_success_rate"] == 50.0
    every = api.get(base, {"environment": "all", "day": TODAY.isoformat()}).json()
    assert every["environment"] == "all" and every["total"]["pv"] == 6
    assert api.get(base, {"day": YESTERDAY.isoformat()}).json()["total"]["pv"] == 1
    jsapis = api.get(f"{base}/jsapis").json()["results"]
    assert jsapis[0] == {
        "name": "getLocation",
        "calls": 4,
        "successes": 3,
        "success_rate": 75.0,
        "avg_duration_ms": 20.0,
    }
    detail = api.get(f"{base}/jsapis/getLocation").json()
    assert detail["total"]["calls"] == 4 and detail["hours"][9]["success_rate"] == 66.7


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"day": "2001-01-01"}, "day"),
        ({"day": "yesterday"}, "day"),
        ({"environment": "moon"}, "environment"),
        ({"host_app": "0"}, "host_app"),
    ],
)
def test_bad_api_input_is_a_400_naming_the_field(world, query, field):
    api = APIClient()
    api.force_authenticate(world.team["owner"].user)
    base = f"/api/v1/workspaces/acme/miniprograms/{world.own.app_id}/analytics/realtime"
    for path in (base, f"{base}/jsapis", f"{base}/jsapis/getLocation"):
        answer = api.get(path, query)
        assert answer.status_code == 400, path
        error = answer.json()["error"]
        assert field in error["fields"] and error["request_id"] == answer["X-Request-ID"]


@pytest.mark.django_db
def test_a_jsapi_name_with_a_nul_is_no_api_not_an_error(client, world):
    api = APIClient()
    api.force_authenticate(world.team["owner"].user)
    base = f"/api/v1/workspaces/acme/miniprograms/{world.own.app_id}/analytics/realtime"
    answer = api.get(f"{base}/jsapis/get%00Location")
    assert answer.status_code == 200 and answer.json()["total"]["calls"] == 0
    client.force_login(world.team["owner"].user)
    page = client.get(f"/w/acme/miniprograms/{world.own.app_id}/analytics/jsapis/get%00Location/")
    assert page.status_code == 200
