"""Message templates in a real browser, at desktop (1440 px) and phone (390 px) widths: a
merchant's developer picks a public template of its host tenant's library, chooses and orders
keywords (seeing the preview), saves, and finds it in My Templates; the tenant's admin reads the
library. No page scrolls sideways. Screenshots: /work/helpers/shots/subs-<page>-<width>.png
(var/screenshots/ when that folder does not exist)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from miniprograms.subscriptions.models import MyTemplate
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
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(workspace=tenant, role="owner")
    MembershipFactory(
        workspace=tenant, role="admin", user=UserFactory(email="adam@acme.example", name="Adam")
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    merchant = WorkspaceFactory(
        kind="developer", name="Blue Sky Travel", slug="bluesky", tenant=tenant
    )
    lead = MembershipFactory(
        workspace=merchant,
        role="owner",
        user=UserFactory(email="mia@bluesky.example", name="Mia"),
    )
    return create_miniprogram(lead, name="Blue Sky Flights", host_app_ids=[wallet.pk])


def sign_in(page: Page, email: str, slug: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/w/{slug}/$"))


def shot(page: Page, name: str, width: str, screenshot_dir: Path) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    ), f"{name} scrolls sideways at {width} px"
    folder = SHOTS if SHOTS.is_dir() else screenshot_dir
    page.screenshot(path=str(folder / f"subs-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", list(SIZES))
def test_pick_order_and_save_a_message_template(page: Page, world, screenshot_dir, width):
    page.set_viewport_size(SIZES[width])
    tab = f"/w/bluesky/miniprograms/{world.app_id}/subscriptions/"

    sign_in(page, "mia@bluesky.example", "bluesky")
    page.goto(f"/w/bluesky/miniprograms/{world.app_id}/")
    page.get_by_role("link", name="Subscription messages").click()
    page.wait_for_url(re.compile(re.escape(tab) + "$"))
    expect(page.get_by_text("No message templates yet")).to_be_visible()
    shot(page, "empty", width, screenshot_dir)

    page.get_by_role("link", name="Add template").first.click()
    page.locator("form.filters input[name=q]").fill("flight")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-template]")).to_have_count(1)
    shot(page, "choose", width, screenshot_dir)
    page.get_by_role("link", name="Select Flight status update").click()

    # Tick two keywords (the page refreshes the choice), then move the second one up.
    # (Ticking submits the form from the deferred script: wait until it is bound each time.)
    picker = page.locator("[data-keyword-picker][data-enhanced]")
    expect(picker).to_have_count(1)
    page.locator('[data-rest] [data-keyword="Gate"] input').click()
    expect(page.locator('[data-chosen] [data-keyword="Gate"]')).to_be_visible()
    expect(picker).to_have_count(1)
    page.locator('[data-rest] [data-keyword="Status"] input').click()
    expect(page.locator('[data-chosen] [data-keyword="Status"]')).to_be_visible()
    page.get_by_role("button", name="Move Status up").click()
    expect(page.locator("[data-chosen] [data-keyword]").first).to_have_attribute(
        "data-keyword", "Status"
    )
    expect(page.locator("[data-preview] dt")).to_have_text(["Status", "Gate"])
    shot(page, "pick", width, screenshot_dir)
    page.get_by_role("button", name="Add to My Templates").click()

    page.wait_for_url(re.compile(re.escape(tab) + "$"))
    mine = MyTemplate.objects.get()
    assert mine.keywords == ["Status", "Gate"]
    row = page.locator(f'[data-my-template="{mine.template_id}"]')
    expect(row).to_contain_text("Flight status update")
    expect(row.locator(".keyword-order li")).to_have_text(["Status", "Gate"])
    shot(page, "my-templates", width, screenshot_dir)

    # The tenant's admin reads the library.
    sign_in(page, "adam@acme.example", "acme")
    page.goto("/w/acme/development/message-templates/")
    expect(page.locator('[data-template="Flight status update"]')).to_contain_text("Long-term")
    shot(page, "library", width, screenshot_dir)
    page.goto("/w/acme/development/message-templates/new/")
    shot(page, "library-add", width, screenshot_dir)
