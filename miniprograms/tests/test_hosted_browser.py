"""A tenant's reviewer, in a real browser, finds a merchant's mini program under "From developers"
and reads it, at desktop (1440 px) and phone (390 px) widths: the list, the read-only Overview
and its Versions tab, without a write button or the merchant's Members tab, and without
sideways scrolling. Screenshots: var/screenshots/hosted-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from miniprograms.services.lifecycle import miniprogram_take_offline
from miniprograms.tests.factories import JAPANESE, create_miniprogram
from releases.tests.factories import upload_version
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(workspace=tenant, role="owner")
    reviewer = MembershipFactory(
        workspace=tenant,
        role="reviewer",
        user=UserFactory(email="rita.reviewer@acme.example", name="Rita Reviewer"),
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    lite, _ = host_app_create(actor=owner, name="Acme Lite", platforms={"ios": "a.l"})
    create_miniprogram(owner, name="Acme Mall", host_app_ids=[wallet.pk])
    programs = []
    for name, developer, apps in (
        ("Blue Bottle Order Ahead", "Blue Bottle Coffee", [wallet.pk, lite.pk]),
        ("Green Tea Stand", "Green Leaf Ltd", [lite.pk]),
    ):
        merchant = WorkspaceFactory(kind="developer", name=developer, tenant=tenant)
        merchant_owner = MembershipFactory(workspace=merchant, role="owner")
        mp = create_miniprogram(merchant_owner, name=name, host_app_ids=apps, languages=[JAPANESE])
        upload_version(merchant_owner, mp, "0.9.0", capture=django_capture_on_commit_callbacks)
        programs.append((mp, merchant_owner))
    coffee, coffee_owner = programs[0]
    miniprogram_take_offline(
        actor=coffee_owner, miniprogram=coffee, host_app_id=lite.pk, reason="Menu update"
    )
    return {"reviewer": reviewer, "coffee": coffee}


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme/$"))


def fits(page: Page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", list(SIZES))
def test_a_reviewer_reads_a_merchant_program_from_the_list(page: Page, world, screenshot_dir, size):
    page.set_viewport_size(SIZES[size])
    sign_in(page, "rita.reviewer@acme.example")
    coffee = world["coffee"]

    page.goto("/w/acme/miniprograms/")
    page.locator("[data-hosted-tab]").click()
    page.wait_for_url(re.compile(r"/w/acme/miniprograms/from-developers/$"))
    table = page.locator("[data-hosted-list]")
    expect(table).to_contain_text("Blue Bottle Order Ahead")
    expect(table).to_contain_text("Blue Bottle Coffee")
    expect(table).to_contain_text("Green Tea Stand")
    expect(table).not_to_contain_text("Acme Mall")
    page.screenshot(path=screenshot_dir / f"hosted-{size}-list.png", full_page=True)
    fits(page)

    page.get_by_role("link", name="Blue Bottle Order Ahead").click()
    page.wait_for_url(re.compile(rf"/w/acme/miniprograms/{coffee.app_id}/$"))
    banner = page.locator("[data-hosted-banner]")
    expect(banner).to_contain_text("Read-only.")
    expect(banner).to_contain_text("Blue Bottle Coffee develops this mini program")
    expect(banner).to_contain_text("Acme Lite, Acme Wallet")
    expect(page.get_by_role("link", name="Members & testers")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit profile")).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"hosted-{size}-detail.png", full_page=True)
    fits(page)

    page.get_by_role("link", name="Versions", exact=True).click()
    expect(page.locator("main")).to_contain_text("0.9.0")
    expect(page.get_by_role("link", name="Upload version")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"hosted-{size}-versions.png", full_page=True)
    fits(page)
