"""JSAPIs in a real browser, at desktop (1440 px) and phone (390 px) widths: a merchant's
developer applies for a sensitive JSAPI from the Development tab; the tenant's reviewer approves
it in the approvals hub; the mini program may then call it; the tenant's admin reads the
catalogue, a feature's history and the access granted, and revokes it. No page scrolls
sideways. Screenshots: /work/helpers/shots/jsapis-<page>-<width>.png (var/screenshots/ when
that folder does not exist)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from miniprograms.jsapis.models import JsapiApplication, JsapiFeature
from miniprograms.jsapis.services import jsapi_catalogue_ensure, jsapi_feature_update
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
    admin = MembershipFactory(
        workspace=tenant, role="admin", user=UserFactory(email="adam@acme.example", name="Adam")
    )
    MembershipFactory(
        workspace=tenant, role="reviewer", user=UserFactory(email="rita@acme.example", name="Rita")
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    host_app_create(actor=owner, name="Acme Lite", platforms={"ios": "a.l"})
    merchant = WorkspaceFactory(
        kind="developer", name="Blue Bottle Coffee", slug="bluebottle", tenant=tenant
    )
    lead = MembershipFactory(
        workspace=merchant,
        role="owner",
        user=UserFactory(email="mia@bluebottle.example", name="Mia"),
    )
    coffee = create_miniprogram(lead, name="Blue Bottle Order Ahead", host_app_ids=[wallet.pk])
    jsapi_catalogue_ensure(workspace=tenant)
    payment = JsapiFeature.objects.get(workspace=tenant, name="Recurring payment")
    jsapi_feature_update(
        actor=admin,
        feature=payment,
        name=payment.name,
        description="Auto-debit agreements for subscriptions.",
        access="activation",
        jsapi_ids=[j.pk for j in payment.jsapis.all()],
    )
    return {"coffee": coffee, "tenant": tenant, "payment": payment}


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
    page.screenshot(path=str(folder / f"jsapis-{name}-{width}.png"), full_page=True)


def confirm(page: Page) -> None:
    page.locator("[data-confirm-dialog-action]").click()


@pytest.mark.parametrize("width", list(SIZES))
def test_apply_approve_and_revoke_a_sensitive_jsapi(page: Page, world, screenshot_dir, width):
    page.set_viewport_size(SIZES[width])
    coffee = world["coffee"]
    dev = f"/w/bluebottle/miniprograms/{coffee.app_id}/development/jsapis/"

    # The merchant applies for getLocation in Acme Wallet.
    sign_in(page, "mia@bluebottle.example", "bluebottle")
    page.goto(dev)
    expect(page.locator("[data-allowed]")).to_contain_text("scan")
    expect(page.locator("[data-allowed]")).not_to_contain_text("getLocation")
    shot(page, "permissions", width, screenshot_dir)
    page.locator('[data-row^="jsapi:"]', has_text="getLocation").get_by_role(
        "link", name="Apply"
    ).click()
    expect(page.get_by_label("Sensitive JSAPI or feature")).to_have_value(
        re.compile(r"^jsapi:\d+$")
    )
    page.get_by_label("Why the mini program needs it").fill(
        "The café finder sorts cafés by distance."
    )
    shot(page, "apply", width, screenshot_dir)
    page.get_by_role("button", name="Send application").click()
    row = page.locator('[data-row^="jsapi:"]', has_text="getLocation")
    expect(row.locator('[data-state="processing"]')).to_be_visible()

    # The tenant's reviewer approves it in the approvals hub.
    application = JsapiApplication.objects.get()
    sign_in(page, "rita@acme.example", "acme")
    page.goto(f"/w/acme/approvals/{application.approval_id}/")
    expect(page.locator("[data-jsapi-application]")).to_contain_text("getLocation")
    shot(page, "approval", width, screenshot_dir)
    page.locator("[data-approve]").click()
    confirm(page)
    expect(page.locator("[data-jsapi-application] [data-state]")).to_have_text("Approved")

    # The tenant's admin reads the catalogue and a feature's history, then revokes.
    sign_in(page, "adam@acme.example", "acme")
    if width == "1440":  # on a phone the sidebar is behind the menu button
        page.locator("nav.sidebar [data-nav-jsapis]").click()
    else:
        page.goto("/w/acme/development/jsapis/")
    page.wait_for_url(re.compile(r"/w/acme/development/jsapis/$"))
    expect(page.locator('[data-jsapi="tradePay"]')).to_contain_text("Sensitive")
    shot(page, "catalogue", width, screenshot_dir)
    page.locator('[data-jsapi="tradePay"] a').click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Sensitive")).to_be_checked()
    shot(page, "jsapi-edit", width, screenshot_dir)
    page.goto(f"/w/acme/development/jsapi-features/{world['payment'].pk}/edit/")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Recurring payment")
    shot(page, "feature-edit", width, screenshot_dir)
    page.goto(f"/w/acme/development/jsapi-features/{world['payment'].pk}/")
    expect(page.locator("[data-history-row]")).to_have_count(1)
    shot(page, "feature", width, screenshot_dir)
    page.goto("/w/acme/development/jsapi-features/")
    shot(page, "features", width, screenshot_dir)
    page.goto("/w/acme/development/jsapi-access/")
    access_row = page.locator(f'[data-application="{application.pk}"]')
    access_row.locator("summary").click()
    access_row.get_by_label("Reason (the developers read it)").fill("Contract ended.")
    shot(page, "access", width, screenshot_dir)
    access_row.get_by_role("button", name="Revoke access").click()
    confirm(page)
    expect(page.locator(f'[data-application="{application.pk}"]')).to_have_count(0)
    application.refresh_from_db()
    assert application.state == "revoked"

    # The developer sees it revoked and no longer callable.
    sign_in(page, "mia@bluebottle.example", "bluebottle")
    page.goto(dev)
    expect(
        page.locator('[data-row^="jsapi:"]', has_text="getLocation").locator(
            '[data-state="revoked"]'
        )
    ).to_be_visible()
    expect(page.locator("[data-allowed]")).not_to_contain_text("getLocation")
