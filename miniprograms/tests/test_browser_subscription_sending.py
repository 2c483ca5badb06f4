"""Sending and the delivery log in a real browser, at desktop (1440 px) and phone (390 px)
widths: a merchant opens the Subscription messages tab, sees a template's chart and numbers,
opens the delivery log, filters the failed messages and reads one. No page scrolls sideways.
Screenshots: /work/helpers/shots/subs-sending-<width>.png and subs-log-<width>.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from miniprograms.subscriptions.models import PublicTemplate
from miniprograms.subscriptions.services import template_library_ensure
from miniprograms.tests.factories import create_miniprogram
from miniprograms.tests.test_browser_subscriptions import SIZES, shot, sign_in
from miniprograms.tests.test_subscription_sending import add, message
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    """A merchant's mini program in the tenant's host app with two templates; ten days of
    messages of the first: delivered, two failed at the endpoint, one waiting."""
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(workspace=tenant, role="owner")
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    merchant = WorkspaceFactory(
        kind="developer", name="Blue Sky Travel", slug="bluesky", tenant=tenant
    )
    lead = MembershipFactory(
        workspace=merchant, role="owner", user=UserFactory(email="mia@bluesky.example")
    )
    flights = create_miniprogram(lead, name="Blue Sky Flights", host_app_ids=[wallet.pk])
    template_library_ensure(workspace=tenant)
    library = {t.title: t for t in PublicTemplate.objects.filter(workspace=tenant)}
    status = add(lead, flights, library["Flight status update"], ["Flight number", "Gate"])
    add(lead, flights, library["Order confirmed"], ["Amount"])
    now = timezone.now()
    for day in range(10):
        for i in range(1 + day % 4):
            message(status, wallet, created_at=now - timedelta(days=day, minutes=7 * i + 1))
    message(status, wallet, created_at=now - timedelta(days=2, hours=1), state="failed")
    message(status, wallet, created_at=now - timedelta(hours=5), state="failed", user="u-77")
    message(status, wallet, created_at=now - timedelta(minutes=1), state="queued")
    return flights


def test_see_the_chart_and_find_a_failed_message(page: Page, world, screenshot_dir):
    sending = f"/w/bluesky/miniprograms/{world.app_id}/subscriptions/sending/"
    log = f"/w/bluesky/miniprograms/{world.app_id}/subscriptions/log/"
    sign_in(page, "mia@bluesky.example", "bluesky")
    for width, size in SIZES.items():
        page.set_viewport_size(size)
        page.goto(f"/w/bluesky/miniprograms/{world.app_id}/subscriptions/")
        page.get_by_role("link", name="Sending", exact=True).click()
        page.wait_for_url(re.compile(re.escape(sending) + "$"))
        card = page.locator("[data-sending]").filter(has_text="Flight status update")
        expect(card.locator("svg[data-chart]")).to_be_visible()
        expect(card.locator("[data-total=sends]")).to_have_text("26")
        expect(card.locator("[data-total=failed]")).to_have_text("2")
        expect(page.locator("[data-sending]").filter(has_text="Order confirmed")).to_contain_text(
            "No messages sent with this template"
        )
        shot(page, "sending", width, screenshot_dir)

        page.get_by_role("link", name="Open the delivery log").click()
        page.wait_for_url(re.compile(re.escape(log) + "$"))
        expect(page.locator("[data-message-log] tbody tr")).to_have_count(26)
        page.locator("[data-log-filters] select[name=state]").select_option("failed")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r"state=failed"))
        rows = page.locator("[data-message-log] tbody tr")
        expect(rows).to_have_count(2)
        newest = rows.first
        expect(newest).to_contain_text("HTTP 503 Service Unavailable")
        expect(newest).to_contain_text("open-u-77")
        newest.locator("summary").click()
        expect(newest.locator(".message-values")).to_contain_text("value of Gate")
        shot(page, "log", width, screenshot_dir)
