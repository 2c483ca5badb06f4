"""The Logs tab and the real-time sections in a real browser, at desktop (1440 px) and phone
(390 px) widths: a developer opens Logs from the mini program's tabs, filters error and above
with a message text, sees the line and goes to the next (older) page; then reads today's
figures by hour and the JSAPI calls. No page scrolls sideways. Screenshots:
/work/helpers/shots/analytics-{realtime,jsapis,jsapi,logs}-<width>.png (var/screenshots/ when
that folder does not exist)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from analytics.models import Event, LogLine
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}
SHOTS = Path("/work/helpers/shots")


@pytest.fixture
def world():
    """Acme's mini program on its host app: 60 "payment failed" errors over the last hours
    among info and warn lines, and today's events (page views, JSAPI calls, start-ups)."""
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(
        workspace=tenant, role="owner", user=UserFactory(email="ops@acme.example", name="Ops")
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    mall = create_miniprogram(owner, name="Acme Mall", host_app_ids=[wallet.pk])
    now = timezone.now()
    common = {
        "host_app_id": wallet.pk,
        "app_id": mall.app_id,
        "environment": "production",
        "device_id": "d-1",
        "platform": "android",
        "os_version": "14",
        "client_version": "8.2.0",
        "base_version": "3.4.0",
    }
    logs = []
    for i in range(120):
        level = LogLine.Level.ERROR if i % 2 == 0 else LogLine.Level.INFO
        text = f"payment failed: order {1000 + i} timed out" if i % 2 == 0 else "cart rendered"
        logs.append(
            LogLine(
                occurred_at=now - timedelta(minutes=i * 3 + 1),
                event_id=uuid.uuid4(),
                level=level,
                message=text,
                page="pages/pay/index" if i % 2 == 0 else "pages/cart/index",
                guid=f"guid-{i % 7}",
                **common,
            )
        )
    logs.append(
        LogLine(
            occurred_at=now - timedelta(minutes=2),
            event_id=uuid.uuid4(),
            level=LogLine.Level.WARN,
            message="payment slow: 2300 ms",
            **common,
        )
    )
    LogLine.objects.bulk_create(logs)
    today = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    day_start = today.replace(hour=0)
    events = []
    for hour in range(today.hour + 1):
        at = day_start + timedelta(hours=hour, minutes=5)
        for n in range(3 + (hour * 7) % 11):
            events.append(
                Event(
                    occurred_at=at,
                    event_id=uuid.uuid4(),
                    type="page_view",
                    user_id=f"u-{n}",
                    page="pages/index/index",
                    **common,
                )
            )
        for n in range(2 + hour % 4):
            events.append(
                Event(
                    occurred_at=at,
                    event_id=uuid.uuid4(),
                    type="jsapi_call",
                    name="getLocation" if n % 2 else "request",
                    success=n != 3,
                    duration_ms=20 + n * 5,
                    **common,
                )
            )
        events.append(
            Event(
                occurred_at=at,
                event_id=uuid.uuid4(),
                type="startup",
                success=hour % 5 != 0,
                duration_ms=400,
                **common,
            )
        )
    Event.objects.bulk_create(events)
    return mall


def sign_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme/$"))


def shot(page: Page, name: str, width: str, screenshot_dir: Path) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    ), f"{name} scrolls sideways at {width} px"
    folder = SHOTS if SHOTS.is_dir() else screenshot_dir
    page.screenshot(path=str(folder / f"analytics-{name}-{width}.png"), full_page=True)


def test_filter_the_log_then_read_the_figures(page: Page, world, screenshot_dir):
    logs = f"/w/acme/miniprograms/{world.app_id}/analytics/logs/"
    sign_in(page, "ops@acme.example")
    for width, size in SIZES.items():
        page.set_viewport_size(size)
        page.goto(f"/w/acme/miniprograms/{world.app_id}/")
        page.get_by_role("link", name="Logs", exact=True).click()
        page.wait_for_url(re.compile(re.escape(logs) + "$"))
        expect(page.locator("[data-log] tbody tr")).to_have_count(50)

        form = page.locator("[data-log-filters]")
        form.locator("select[name=level]").select_option(label="error+")
        form.locator("input[name=q]").fill("Payment")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r"level=40"))
        rows = page.locator("[data-log] tbody tr")
        expect(rows).to_have_count(50)
        expect(rows.first).to_contain_text("payment failed: order 1000 timed out")
        expect(page.locator("[data-log] tbody tr[data-level='20']")).to_have_count(0)
        expect(form.locator("input[name=q]")).to_have_value("Payment")  # the input is kept
        shot(page, "logs", width, screenshot_dir)

        page.get_by_role("link", name="Older").click()
        page.wait_for_url(re.compile(r"after="))
        expect(rows).to_have_count(10)  # 60 errors: the last ten
        expect(rows.last).to_contain_text("order 1118 timed out")
        expect(page.get_by_text("An older page")).to_be_visible()
        expect(form.locator("input[name=q]")).to_have_value("Payment")

        form.locator("input[name=since]").fill("2001-01-01T00:00")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("[data-log-errors]")).to_contain_text("Logs are kept 3 days")

        page.goto(f"/w/acme/miniprograms/{world.app_id}/analytics/realtime/")
        expect(page.locator("svg[data-chart]")).to_be_visible()
        expect(page.locator("[data-hours] tbody tr")).to_have_count(24)
        expect(page.locator("[data-hour='0'] [data-figure=pv]")).to_have_text("3")
        shot(page, "realtime", width, screenshot_dir)

        page.get_by_role("link", name="JSAPI calls", exact=True).click()
        page.wait_for_url(re.compile(r"/analytics/jsapis/$"))
        expect(page.locator("[data-jsapi]")).to_have_count(2)
        shot(page, "jsapis", width, screenshot_dir)
        page.locator("[data-jsapi=getLocation] a").click()
        page.wait_for_url(re.compile(r"/analytics/jsapis/getLocation/"))
        expect(page.locator("svg[data-chart]")).to_be_visible()
        shot(page, "jsapi", width, screenshot_dir)
