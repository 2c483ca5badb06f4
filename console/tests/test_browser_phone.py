"""Every main page at phone width (390 px) and on a desktop (1440 px), in a real browser.

The owner of a tenant workspace with a host app, a mini program, two versions, a teammate and
a pending invitation opens each main page. At both widths the page must not scroll sideways
and its primary action must sit inside the window; on a phone the sidebar hides behind the
menu button in the top bar, which opens it (and Escape closes it). The token, security, profile
and 404 pages keep the console's sidebar. Screenshots: var/screenshots/phone-*.png, desktop-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from miniprograms.tests.factories import create_miniprogram
from releases.tests.factories import upload_version
from workspaces.models import Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """A demo-like tenant: its owner, a host app, a mini program with two versions, a team."""
    user = UserFactory(email="olga.owner-with-a-long-address@acme-super-app.example", name="Olga")
    workspace = workspace_create(owner=user, name="Acme Super App", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=workspace, user=user)
    host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "com.acme.wallet"})
    mp = create_miniprogram(owner, name="Acme Mall", tagline="Everything Acme sells")
    upload_version(owner, mp, "1.0.0", capture=django_capture_on_commit_callbacks)
    version = upload_version(owner, mp, "1.1.0", capture=django_capture_on_commit_callbacks)
    MembershipFactory(
        workspace=workspace,
        role=Membership.Role.ADMIN,
        user=UserFactory(email="adam.admin@acme-super-app.example", name="Adam Admin"),
    )
    invitation_create_batch(
        actor=owner,
        specs=[
            InviteSpec(name="Rita", email="rita.reviewer@acme-super-app.example", role="reviewer")
        ],
    )
    token_create(user=user, name="CI on the build machine")
    return {"workspace": workspace, "mp": mp, "version": version}


def pages(world) -> list[tuple[str, str, str | None]]:
    """(name, path, the primary action's selector or None when the page has none)."""
    w = world["workspace"].slug
    app = f"/w/{w}/miniprograms/{world['mp'].app_id}"
    return [
        ("dashboard", f"/w/{w}/", None),
        ("miniprograms", f"/w/{w}/miniprograms/", ".page-actions .button-primary"),
        ("miniprogram", f"{app}/", None),
        ("versions", f"{app}/versions/", ".page-actions .button-primary"),
        ("version", f"{app}/versions/{world['version'].number}/", None),
        ("upload", f"{app}/versions/upload/", "form .button-primary"),
        ("members", f"/w/{w}/members/", ".page-actions .button-primary"),
        ("host-apps", f"/w/{w}/host-apps/", ".page-actions .button-primary"),
        ("audit", f"/w/{w}/audit/", None),
        ("settings", f"/w/{w}/settings/", "form .button-primary"),
        ("tokens", "/accounts/tokens/", "form .button-primary"),
        ("security", "/accounts/security/", None),
        ("profile", "/accounts/profile/", "form .button-primary"),
        ("404", f"/w/{w}/no-such-page/", ".error-page .button"),
    ]


def sign_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga.owner-with-a-long-address@acme-super-app.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme-super-app/$"))


def assert_fits(page: Page, name: str, primary: str | None) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > w + 1 && e.offsetParent !== null)
                 .slice(0, 5).map(e => e.tagName + '.' + e.className)""",
            width,
        )
        pytest.fail(f"{name}: the page is {scroll_width}px wide in a {width}px window: {wide}")
    if primary:
        button = page.locator(primary).first
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
            f"{name}: the primary action {primary} is off screen: {box}"
        )


def test_every_main_page_fits_a_phone_and_its_menu_button_opens_the_sidebar(
    page: Page, world, screenshot_dir
):
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")  # the drawer opens without sliding
    page.goto("/accounts/login/")
    page.screenshot(path=screenshot_dir / "phone-sign-in.png", full_page=True)
    assert_fits(page, "sign-in", "form .button-primary")
    sign_in(page)
    for name, path, primary in pages(world):
        response = page.goto(path)
        assert response is not None
        assert response.status == (404 if name == "404" else 200), name
        page.screenshot(path=screenshot_dir / f"phone-{name}.png", full_page=True)
        assert_fits(page, name, primary)

        # The sidebar hides behind the menu button; the button opens it, Escape closes it.
        menu = page.get_by_role("button", name="Menu", exact=True)
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        sidebar_link = page.locator("nav.sidebar").get_by_role("link", name="Members")
        expect(sidebar_link).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(sidebar_link).to_be_visible()
        expect(page.locator("nav.sidebar a").first).to_be_focused()
        expect(page.locator("#nav-search")).to_be_visible()  # search folds into the menu
        expect(page.locator(".nav-workspaces")).to_contain_text("Acme Super App")  # switcher
        if name == "dashboard":
            page.screenshot(path=screenshot_dir / "phone-menu-open.png")
        page.keyboard.press("Escape")
        expect(sidebar_link).to_be_hidden()
        expect(menu).to_be_focused()


def test_every_main_page_fits_a_desktop_with_the_sidebar_beside_it(
    page: Page, world, screenshot_dir
):
    page.set_viewport_size(DESKTOP)
    sign_in(page)
    # The workspace being worked in is remembered for the pages outside it (profile, 404…).
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("mpp_workspace") == world["workspace"].slug
    for name, path, primary in pages(world):
        page.goto(path)
        page.screenshot(path=screenshot_dir / f"desktop-{name}.png", full_page=True)
        assert_fits(page, name, primary)
        expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
        # Every page, the account pages and the 404 included, keeps the workspace's sidebar.
        expect(page.locator("nav.sidebar").get_by_role("link", name="Members")).to_be_visible()
        expect(page.locator(".topbar .switcher")).to_contain_text("Acme Super App")


def test_the_menu_opens_without_javascript(live_server, chromium_browser, world):
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        sign_in(page)
        sidebar_link = page.locator("nav.sidebar").get_by_role("link", name="Members")
        expect(sidebar_link).to_be_hidden()
        page.get_by_role(
            "button", name="Menu", exact=True
        ).click()  # a link to #nav: CSS :target opens it
        expect(sidebar_link).to_be_visible()
        page.get_by_role("button", name="Close the menu").click()
        expect(sidebar_link).to_be_hidden()
    finally:
        context.close()
