"""The sending side of the Subscription messages tab (issue 13): the daily numbers per My
Template, the delivery log (console and API), the host tenant's view of a merchant's messages,
role matrices and query counts. Messages are hand-made rows (delivery has its own tests)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.subscriptions.models import Message, MyTemplate, PublicTemplate
from miniprograms.subscriptions.selectors import library_workspace_ids
from miniprograms.subscriptions.selectors_messages import (
    TemplateStats,
    message_daily_counts,
    message_get,
    message_list,
)
from miniprograms.subscriptions.services import my_template_create, template_library_ensure
from miniprograms.subscriptions.views_messages import sending_chart
from miniprograms.tests.factories import create_miniprogram
from workspaces.models import Membership
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

TODAY = date(2026, 11, 30)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def message(mine: MyTemplate, host_app, *, created_at, state="delivered", user="u-1", **extra):
    """One row of the log, as the send and delivery services would leave it."""
    values = {
        "miniprogram": mine.miniprogram,
        "my_template": mine,
        "host_app": host_app,
        "template_id": mine.template_id,
        "title": mine.public_template.title,
        "kind": mine.public_template.kind,
        "open_user_id": f"open-{user}",
        "user_id": user,
        "data": [[k, f"value of {k}"] for k in mine.keywords],
        "state": state,
        "attempts": 0 if state == "queued" else 1,
        "next_attempt_at": created_at,
        "created_at": created_at,
    }
    if state == "delivered":
        values |= {"delivered_at": created_at + timedelta(seconds=2), "last_status_code": 200}
    if state == "failed":
        values |= {"last_status_code": 503, "last_error": "HTTP 503 Service Unavailable"}
    return Message.objects.create(**(values | extra))


def add(actor, program, template, keywords):
    return my_template_create(
        actor=actor,
        miniprogram=program,
        public_template=template,
        keywords=keywords,
        library_workspace_ids=library_workspace_ids(miniprogram=program),
    )


@pytest.fixture
def library(tenant):
    template_library_ensure(workspace=tenant)
    return {t.title: t for t in PublicTemplate.objects.filter(workspace=tenant)}


@pytest.fixture
def shop(owner, admin, library):
    """The tenant's own mini program in its host app Acme Wallet, with two My Templates."""
    wallet = host_app_create(actor=admin, name="Acme Wallet", platforms={"android": "a.w"})[0]
    program = create_miniprogram(owner, name="Shop", host_app_ids=[wallet.pk])
    shipped = add(owner, program, library["Order shipped"], ["Order number", "Carrier"])
    flight = add(owner, program, library["Flight status update"], ["Gate"])
    return program, wallet, shipped, flight


def tab_url(name, workspace, program):
    path = reverse(f"miniprograms:{name}", args=[workspace.slug, program.app_id])
    return path


# --- selectors ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_daily_counts_per_template_and_utc_day_in_one_query(shop):
    _program, wallet, shipped, flight = shop
    day1, day2 = TODAY - timedelta(days=2), TODAY
    for state in ("delivered", "delivered", "failed", "queued", "sending"):
        message(shipped, wallet, created_at=at(day1, 23, 59), state=state)
    message(shipped, wallet, created_at=at(day2, 0, 0))  # the next UTC day
    message(flight, wallet, created_at=at(day2, 9), state="failed")
    message(shipped, wallet, created_at=at(TODAY - timedelta(days=3), 23, 59))  # too old
    message(shipped, wallet, created_at=at(TODAY + timedelta(days=1), 0))  # after today
    with CaptureQueriesContext(connection) as queries:
        counts = message_daily_counts(my_template_ids=[shipped.pk, flight.pk], days=3, today=TODAY)
    assert len(queries) == 1
    assert "GROUP BY" in queries[0]["sql"]
    ship = [(d.day, d.sends, d.delivered, d.failed, d.pending) for d in counts[shipped.pk]]
    assert ship == [(day1, 5, 2, 1, 2), (day1 + timedelta(days=1), 0, 0, 0, 0), (day2, 1, 1, 0, 0)]
    assert [(d.sends, d.failed) for d in counts[flight.pk]] == [(0, 0), (0, 0), (1, 1)]


@pytest.mark.django_db
def test_the_chart_stacks_delivered_failed_pending_on_the_busiest_day_scale(shop):
    _program, wallet, shipped, _flight = shop
    for state in ("delivered", "delivered", "failed", "queued"):
        message(shipped, wallet, created_at=at(TODAY), state=state)
    message(shipped, wallet, created_at=at(TODAY - timedelta(days=1)))
    counts = message_daily_counts(my_template_ids=[shipped.pk], days=2, today=TODAY)
    chart = sending_chart(TemplateStats(my_template=shipped, days=counts[shipped.pk]))
    assert chart.scale == 4 and chart.width == 20
    yesterday, today = chart.bars
    assert yesterday.delivered == (75.0, 25.0) and yesterday.failed[1] == 0
    assert today.delivered == (50.0, 50.0)
    assert today.failed == (25.0, 25.0)
    assert today.pending == (0.0, 25.0)
    assert "4 sent" in today.title and "1 failed" in today.title
    assert [d.sends for d in chart.busy_days] == [4, 1]  # newest first


@pytest.mark.django_db
def test_the_log_searches_and_filters(shop):
    program, wallet, shipped, flight = shop
    old = message(shipped, wallet, created_at=at(TODAY - timedelta(days=5)), user="alice")
    failed = message(flight, wallet, created_at=at(TODAY - timedelta(days=1)), state="failed")
    new = message(shipped, wallet, created_at=at(TODAY), state="queued", user="bob")

    def ids(**filters):
        return [m.pk for m in message_list(miniprogram=program, **filters)]

    assert ids() == [new.pk, failed.pk, old.pk]
    assert ids(state="failed") == [failed.pk]
    assert ids(template_id=shipped.template_id) == [new.pk, old.pk]
    assert ids(search=str(old.uid)) == [old.pk]
    assert ids(search=str(old.uid).upper()) == [old.pk]
    assert ids(search="open-bob") == [new.pk]
    assert ids(search=flight.template_id) == [failed.pk]
    assert ids(search="bob") == []  # the host app's user id: only for its host tenant
    assert ids(search="bob", viewer_workspace_id=wallet.workspace_id) == [new.pk]
    assert ids(since=TODAY - timedelta(days=1)) == [new.pk, failed.pk]
    assert ids(until=TODAY - timedelta(days=1)) == [failed.pk, old.pk]
    assert ids(since=TODAY - timedelta(days=5), until=TODAY - timedelta(days=5)) == [old.pk]
    assert message_get(miniprogram=program, uid=str(new.uid)) == new
    assert message_get(miniprogram=program, uid="not-a-uuid") is None
    other = create_miniprogram(Membership.objects.get(workspace=program.workspace, role="owner"))
    assert message_get(miniprogram=other, uid=new.uid) is None


# --- the host tenant's view of a merchant's messages --------------------------------------------


@pytest.fixture
def merchant_world(tenant, admin, library):
    """A merchant of the tenant with a mini program in the tenant's host app; one message
    through it, and one (made directly) through another tenant's host app."""
    ours = host_app_create(actor=admin, name="Acme Pay", platforms={"android": "a.p"})[0]
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    lead = MembershipFactory(workspace=merchant, role="owner")
    cafe = create_miniprogram(lead, name="Merchant Cafe", host_app_ids=[ours.pk])
    mine = add(lead, cafe, library["Delivered"], ["Items"])
    other = WorkspaceFactory(kind="tenant", name="Globex")
    theirs = host_app_create(
        actor=MembershipFactory(workspace=other, role="owner"),
        name="Globex App",
        platforms={"ios": "g.a"},
    )[0]
    now = timezone.now()
    seen = message(mine, ours, created_at=now - timedelta(minutes=5), user="acme-user")
    hidden = message(mine, theirs, created_at=now, state="failed", user="globex-user")
    return {"lead": lead, "cafe": cafe, "mine": mine, "seen": seen, "hidden": hidden}


@pytest.mark.django_db
def test_a_host_tenant_sees_only_messages_through_its_own_host_apps(
    client, tenant, admin, merchant_world
):
    w = merchant_world
    cafe, seen, hidden = w["cafe"], w["seen"], w["hidden"]
    client.force_login(admin.user)
    log = client.get(tab_url("subscriptions-log", tenant, cafe))
    assert log.status_code == 200
    assert [m.pk for m in log.context["log"]] == [seen.pk]
    body = log.content.decode()
    assert str(hidden.uid) not in body and "globex-user" not in body
    assert "<code>acme-user</code>" in body  # its own host app's user id
    sending = client.get(tab_url("subscriptions-sending", tenant, cafe))
    [chart] = sending.context["charts"]
    assert (chart.stats.sends, chart.stats.failed) == (1, 0)
    api = APIClient()
    api.force_authenticate(admin.user)
    base = f"/api/v1/workspaces/{tenant.slug}/miniprograms/{cafe.app_id}"
    assert [m["id"] for m in api.get(f"{base}/messages").json()["results"]] == [str(seen.uid)]
    assert api.get(f"{base}/messages/{hidden.uid}").status_code == 404
    assert api.get(f"{base}/messages/{seen.uid}").json()["user_id"] == "acme-user"
    [stats] = api.get(f"{base}/message-stats").json()["results"]
    assert (stats["sends"], stats["failed"]) == (1, 0)
    # the merchant sees both, and no host app's user id
    client.force_login(w["lead"].user)
    log = client.get(tab_url("subscriptions-log", w["lead"].workspace, cafe))
    assert [m.pk for m in log.context["log"]] == [hidden.pk, seen.pk]
    body = log.content.decode()
    assert "<code>acme-user</code>" not in body and "<code>globex-user</code>" not in body
    assert "open-acme-user" in body and "open-globex-user" in body
    api.force_authenticate(w["lead"].user)
    mbase = f"/api/v1/workspaces/{w['lead'].workspace.slug}/miniprograms/{cafe.app_id}"
    detail = api.get(f"{mbase}/messages/{seen.uid}").json()
    assert detail["user_id"] is None and detail["open_user_id"] == "open-acme-user"


# --- pages -------------------------------------------------------------------------------------


def member(workspace, role):
    if role == "owner":
        return Membership.objects.get(workspace=workspace, role="owner")
    return MembershipFactory(workspace=workspace, role=role)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("admin", 200), ("reviewer", 200), ("developer", 404), ("assigned", 200)],
)
def test_everyone_who_sees_the_tab_reads_sending_and_the_log(client, tenant, shop, role, status):
    program, wallet, shipped, _flight = shop
    message(shipped, wallet, created_at=timezone.now())
    owner = member(tenant, "owner")
    if role == "assigned":
        actor = MembershipFactory(workspace=tenant, role="developer")
        miniprogram_developer_assign(actor=owner, miniprogram=program, user_id=actor.user_id)
    else:
        actor = member(tenant, role)
    client.force_login(actor.user)
    assert client.get(tab_url("subscriptions-sending", tenant, program)).status_code == status
    assert client.get(tab_url("subscriptions-log", tenant, program)).status_code == status
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    client.force_login(stranger.user)
    assert client.get(tab_url("subscriptions-log", tenant, program)).status_code == 404


@pytest.mark.django_db
def test_the_sending_page_shows_a_chart_and_numbers_per_template(client, owner, shop):
    program, wallet, shipped, flight = shop
    now = timezone.now()
    message(shipped, wallet, created_at=now)
    message(shipped, wallet, created_at=now, state="failed")
    client.force_login(owner.user)
    page = client.get(tab_url("subscriptions-sending", owner.workspace, program))
    body = page.content.decode()
    assert [c.stats.my_template for c in page.context["charts"]] == [flight, shipped]
    assert body.count("<svg viewBox") == 1  # the template without messages has no chart
    assert 'class="is-failed"' in body and 'class="is-delivered"' in body
    assert f"?template={shipped.template_id}&amp;state=failed" in body
    assert "No messages sent with this template" in body


@pytest.mark.django_db
def test_the_log_filters_keep_their_input_and_say_what_is_wrong(client, owner, shop):
    program, wallet, shipped, flight = shop
    now = timezone.now()
    message(shipped, wallet, created_at=now - timedelta(minutes=1))
    failed = message(flight, wallet, created_at=now, state="failed")
    client.force_login(owner.user)
    url = tab_url("subscriptions-log", owner.workspace, program)
    page = client.get(url, {"state": "failed", "q": "  "})
    assert [m.pk for m in page.context["log"]] == [failed.pk]
    body = page.content.decode()
    assert "HTTP 503 Service Unavailable" in body and "value of Gate" in body
    assert '<option value="failed" selected>' in body
    page = client.get(url, {"q": "someone", "since": "2026-12-02", "until": "2026-12-01"})
    assert "before the start date" in page.context["form"].errors["until"][0]
    assert 'value="someone"' in page.content.decode()
    page = client.get(url, {"template": "deletedTemplateId"})
    assert page.context["log"] == [] and 'value="deletedTemplateId" selected' in (
        page.content.decode()
    )


@pytest.mark.django_db
def test_sending_and_log_queries_do_not_grow_and_short_logs_are_not_counted(
    client, settings, owner, shop, library
):
    settings.PAGE_SIZE = 10
    program, wallet, shipped, flight = shop
    client.force_login(owner.user)
    sending = tab_url("subscriptions-sending", owner.workspace, program)
    log = tab_url("subscriptions-log", owner.workspace, program)
    message(shipped, wallet, created_at=timezone.now())
    client.get(sending), client.get(log)
    with CaptureQueriesContext(connection) as few_sending:
        client.get(sending)
    with CaptureQueriesContext(connection) as few_log:
        client.get(log)
    counts = [q for q in few_log if "COUNT(" in q["sql"].upper() and "_message" in q["sql"]]
    assert not counts  # page 1 is not full: the log is not counted
    more = add(owner, program, library["Order confirmed"], ["Amount"])
    now = timezone.now()
    for i in range(12):
        for mine in (shipped, flight, more):
            message(mine, wallet, created_at=now - timedelta(days=i % 9, minutes=i), user=f"u{i}")
    with CaptureQueriesContext(connection) as many_sending:
        client.get(sending)
    with CaptureQueriesContext(connection) as many_log:
        page = client.get(log)
    assert len(page.context["log"]) == 10
    assert len(many_sending) == len(few_sending)
    assert len(many_log) == len(few_log) + 1  # a full page: now it counts
    assert page.context["page_obj"].paginator.count == 37


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_lists_filters_and_details_messages(owner, shop):
    program, wallet, shipped, flight = shop
    now = timezone.now()
    delivered = message(shipped, wallet, created_at=now - timedelta(minutes=1), page="pages/o")
    failed = message(flight, wallet, created_at=now, state="failed")
    api = APIClient()
    api.force_authenticate(owner.user)
    base = f"/api/v1/workspaces/{owner.workspace.slug}/miniprograms/{program.app_id}"
    listing = api.get(f"{base}/messages").json()
    assert listing["count"] == 2
    assert [m["id"] for m in listing["results"]] == [str(failed.uid), str(delivered.uid)]
    assert listing["results"][0]["last_error"] == "HTTP 503 Service Unavailable"
    assert listing["results"][0]["host_app"] == {"id": wallet.pk, "name": "Acme Wallet"}
    only = api.get(f"{base}/messages", {"state": "failed"}).json()["results"]
    assert [m["id"] for m in only] == [str(failed.uid)]
    bad = api.get(f"{base}/messages", {"state": "lost"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"state"}
    bad = api.get(f"{base}/messages", {"since": "2026-12-02", "until": "2026-12-01"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"until"}
    detail = api.get(f"{base}/messages/{delivered.uid}").json()
    assert detail["data"][0] == {"keyword": "Order number", "value": "value of Order number"}
    assert detail["page"] == "pages/o" and detail["user_id"] == "u-1"
    assert api.get(f"{base}/messages/{uuid.uuid4()}").status_code == 404
    stats = api.get(f"{base}/message-stats", {"days": 7}).json()["results"]
    assert [s["template_id"] for s in stats] == [flight.template_id, shipped.template_id]
    assert len(stats[0]["days"]) == 7 and stats[0]["days"][-1]["failed"] == 1
    assert api.get(f"{base}/message-stats", {"days": 91}).status_code == 400
