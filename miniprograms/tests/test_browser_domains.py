"""Server domains and WAP URLs in a real browser, at desktop (1440 px) and phone (390 px) widths:
a tenant's Workspace Admin lets a merchant edit its lists (Settings → Authorized server domains
and WAP URLs); the merchant's developer types a bad line, reads its number, fixes it, configures
a version, and applies to skip domain verification; the tenant's reviewer reads the application.
Screenshots: /work/helpers/shots/domains-*.png (and var/screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from miniprograms.models import MiniProgram
from miniprograms.tests.factories import create_miniprogram
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
SHOTS = Path("/work/helpers/shots")


@pytest.fixture
def world():
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(workspace=tenant, role="owner")
    MembershipFactory(
        workspace=tenant, role="admin", user=UserFactory(email="ada.admin@acme.example")
    )
    MembershipFactory(
        workspace=tenant, role="reviewer", user=UserFactory(email="rita.reviewer@acme.example")
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    merchant = WorkspaceFactory(
        kind="developer", name="Blue Bottle Coffee", slug="blue", tenant=tenant
    )
    merchant_owner = MembershipFactory(
        workspace=merchant, role="owner", user=UserFactory(email="mo@blue.example")
    )
    create_miniprogram(owner, name="Acme Mall", host_app_ids=[wallet.pk])
    coffee = create_miniprogram(
        merchant_owner, name="Blue Bottle Order Ahead", host_app_ids=[wallet.pk]
    )
    upload_version(merchant_owner, coffee, "1.0.0")
    upload_version(merchant_owner, coffee, "1.1.0")
    return {"coffee": coffee, "mall": MiniProgram.objects.get(name="Acme Mall")}


def sign_in(page: Page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/[a-z0-9-]+/$"))


def fits(page: Page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def shot(page: Page, screenshot_dir: Path, name: str, size: str) -> None:
    width = SIZES[size]["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for folder in (SHOTS, screenshot_dir):
        page.screenshot(path=str(folder / f"domains-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_grant_edit_configure_and_apply_to_skip(page: Page, world, screenshot_dir, size):
    page.set_viewport_size(SIZES[size])
    coffee = world["coffee"]
    domains = f"/w/blue/miniprograms/{coffee.app_id}/development/domains/"

    # The merchant cannot edit before the tenant grants it.
    sign_in(page, "mo@blue.example")
    page.goto(domains)
    expect(page.locator("[data-not-granted]")).to_contain_text("Acme Super App")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    fits(page)

    # The tenant's Workspace Admin grants it from Settings.
    sign_in(page, "ada.admin@acme.example")
    page.goto("/w/acme/settings/")
    page.get_by_role("link", name="Authorized server domains and WAP URLs").click()
    page.wait_for_url(re.compile(r"/w/acme/development/domains/$"))
    page.get_by_label("Developer workspace or mini program").select_option("workspace:blue")
    page.get_by_role("button", name="Allow editing").click()
    expect(page.locator("[data-grants]")).to_contain_text("Blue Bottle Coffee")
    fits(page)
    shot(page, screenshot_dir, "policy", size)

    # The merchant edits the global lists: a bad line is named, the input kept.
    sign_in(page, "mo@blue.example")
    page.goto(domains)
    page.locator("#global").get_by_role("link", name="Edit").click()
    page.get_by_label("request domains").fill("https://api.bluebottle.example\nhttp://old.example")
    page.get_by_label("socket domains").fill("wss://push.bluebottle.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-errors")).to_contain_text(
        "Line 2: http://old.example must use https://, not http://."
    )
    expect(page.get_by_label("request domains")).to_have_value(
        "https://api.bluebottle.example\nhttp://old.example"
    )
    fits(page)
    shot(page, screenshot_dir, "edit-error", size)
    page.get_by_label("request domains").fill("https://api.bluebottle.example")
    page.get_by_label("WAP URLs (web-view)").fill("https://m.bluebottle.example/menu/")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/development/domains/#global$"))

    # Version 1.1.0 gets its own request list; socket still comes from the global lists.
    page.get_by_role("link", name="Configure version 1.1.0").click()
    page.get_by_label("request domains").fill("https://api-v2.bluebottle.example")
    fits(page)
    shot(page, screenshot_dir, "version", size)
    page.get_by_role("button", name="Save").click()
    version = page.locator("[data-version='1.1.0']")
    expect(version.locator("[data-list='request']")).to_contain_text("api-v2.bluebottle.example")
    expect(version.locator("[data-list='socket']")).to_contain_text("from global")

    # And applies to skip domain verification in Acme Wallet.
    page.get_by_label("Reason").fill("Our payment partner rotates its API hosts every week.")
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("[data-skip-host-app]")).to_contain_text("Waiting for a decision")
    fits(page)
    shot(page, screenshot_dir, "overview", size)

    # The tenant's reviewer reads the application in the approvals hub.
    sign_in(page, "rita.reviewer@acme.example")
    page.goto("/w/acme/approvals/")
    page.get_by_role("link", name=re.compile("skip domain verification")).first.click()
    expect(page.locator("[data-domain-skip-detail]")).to_contain_text("api.bluebottle.example")
    fits(page)
    shot(page, screenshot_dir, "approval", size)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_workspace_admin_restricts_a_tenant_mini_program(page: Page, world, screenshot_dir, size):
    page.set_viewport_size(SIZES[size])
    mall = world["mall"]
    sign_in(page, "ada.admin@acme.example")
    page.goto(f"/w/acme/miniprograms/{mall.app_id}/")
    page.get_by_role("link", name="Development").click()
    access = page.locator("[data-domain-access]")
    expect(access).to_have_attribute("data-domain-access", "any")
    fits(page)
    shot(page, screenshot_dir, "tenant-any", size)
    page.get_by_role("button", name="Restrict to these lists").click()
    dialog = page.locator("[data-confirm-dialog]")
    expect(dialog).to_contain_text("only the domains on its lists")
    dialog.locator("[data-confirm-dialog-action]").click()
    expect(page.locator("[data-domain-access]")).to_have_attribute(
        "data-domain-access", "restricted"
    )
    expect(page.get_by_role("button", name="Allow any domain")).to_be_visible()
