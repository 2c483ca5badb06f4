"""Alerts in a real browser: an alert fires from hand-made events, its email's chart link opens
the chart of that metric on the day it fired, the email's second link opens the Alerts section
where the owner acknowledges and mutes it (both confirmed), and the workspace list shows it. At
1440 and 390 px; no page scrolls sideways. Screenshots: /work/helpers/shots/alerts-*-<width>.png.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from analytics.alerts.evaluate import alerts_evaluate
from analytics.models import Event
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


def shot(page: Page, name: str, width: str, screenshot_dir: Path) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    ), f"{name} scrolls sideways at {width} px"
    folder = SHOTS if SHOTS.is_dir() else screenshot_dir
    page.screenshot(path=str(folder / f"alerts-{name}-{width}.png"), full_page=True)


def sign_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme/$"))


@pytest.fixture
def fired(live_server, settings):
    """Acme Shop on Acme Wallet: 60 start-ups in the last minutes, 8 of them failed (86.67 %),
    and 100 launches with 4 blank screens; evaluated once (two alerts fire, emails sent)."""
    settings.SITE_URL = live_server.url
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(
        workspace=tenant, role="owner", user=UserFactory(email="olga@acme.example", name="Olga")
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    shop = create_miniprogram(owner, name="Acme Shop", host_app_ids=[wallet.pk])
    now = timezone.now()

    def event(i: int, type_: str, **fields) -> Event:
        return Event(
            occurred_at=now - timedelta(minutes=5, microseconds=i),
            event_id=uuid.uuid4(),
            host_app_id=wallet.pk,
            app_id=shop.app_id,
            environment="production",
            version="1.0.0",
            device_id=f"phone-{i}",
            type=type_,
            **fields,
        )

    rows = [event(i, "startup", success=i >= 8, duration_ms=300) for i in range(60)]
    rows += [event(100 + i, "launch", page="pages/index") for i in range(100)]
    rows += [event(300 + i, "blank_screen", page="pages/index") for i in range(4)]
    Event.objects.bulk_create(rows)
    mail.outbox.clear()
    alerts_evaluate(now=now)
    return shop


def links(body: str) -> list[str]:
    return re.findall(r"^(http\S+)$", body, flags=re.MULTILINE)


def test_from_the_alert_email_to_the_chart_and_the_alert(page: Page, fired, screenshot_dir):
    shop = fired
    [message] = [m for m in mail.outbox if "Start-up success rate" in m.subject]
    assert message.to == ["olga@acme.example"]
    chart, alert_page = links(message.body)
    assert "/analytics/realtime/?day=" in chart and "chart=startups" in chart

    sign_in(page, "olga@acme.example")
    for width, size in SIZES.items():
        page.set_viewport_size(size)
        page.goto(chart)
        expect(page.locator("h1")).to_have_text("Acme Shop")
        current = page.locator("nav[aria-label='Analytics sections'] [aria-current=page]")
        expect(current).to_have_text("Real-time")
        expect(page.locator("body")).to_contain_text(f"{timezone.now():%Y-%m-%d}")
        shot(page, "email-chart", width, screenshot_dir)

        page.goto(alert_page)
        row = page.locator("[data-alert][data-metric=startup_success_rate]")
        expect(row).to_contain_text("86.67 %")
        expect(row).to_contain_text("Firing")
        expect(page.locator("[data-alert]")).to_have_count(2)
        shot(page, "section", width, screenshot_dir)

    # Acknowledge, then mute, each through the confirmation dialog.
    page.set_viewport_size(SIZES["1440"])
    row = page.locator("[data-alert][data-metric=startup_success_rate]")
    row.locator("[data-acknowledge]").click()
    dialog = page.locator("[data-confirm-dialog]")
    expect(dialog).to_contain_text("The team sees that you are on the Start-up success rate alert")
    dialog.locator("[data-confirm-dialog-action]").click()
    expect(page.locator("[data-alert][data-metric=startup_success_rate]")).to_contain_text(
        "Acknowledged by Olga"
    )
    row = page.locator("[data-alert][data-metric=startup_success_rate]")
    row.locator("select[name=hours]").select_option("24")
    row.locator("[data-mute]").click()
    expect(dialog).to_contain_text("No email or webhook")
    dialog.locator("[data-confirm-dialog-action]").click()
    expect(
        page.locator("[data-alert][data-metric=startup_success_rate] [data-muted]")
    ).to_be_visible()

    # The rule: a stricter minimum for the blank-screen rate.
    page.locator("[data-edit-rule=blank_screen_rate]").click()
    page.fill("input[name=threshold]", "3")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("[data-rule=blank_screen_rate]")).to_contain_text("> 3 %")
    expect(page.locator("[data-rule=blank_screen_rate]")).to_contain_text(
        "Set for this mini program"
    )

    for width, size in SIZES.items():
        page.set_viewport_size(size)
        page.goto("/w/acme/")
        expect(page.locator("[data-alerts-firing]")).to_have_text("2")
        page.goto("/w/acme/analytics/alerts/")
        expect(page.locator("[data-workspace-alerts] tbody tr")).to_have_count(2)
        shot(page, "workspace", width, screenshot_dir)
    page.locator("[data-workspace-alerts] a").first.click()
    page.wait_for_url(re.compile(rf"/miniprograms/{shop.app_id}/analytics/alerts/#alert-\d+$"))
