"""The release journey in a real browser (Playwright + Debian's Chromium), on a desktop (1440 px)
and on a phone (390 px).

The Owner of a tenant opens a ready version, submits it to the sandbox of one host app (the
notes' live counter counts), lands on the Releases tab where the request is approved, publishes
it after the product's confirmation dialog said what happens, and sees it online. A second
version is submitted from the tab and published (the first is archived), then the host app is
rolled back; the history lists the rollback first, marked, and a second rollback is no longer
offered. The version page's timeline tells the same story. At 390 px the matrix is a list per
host app and no page scrolls sideways. Screenshots: var/screenshots/releases-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, Version
from releases.tests.factories import upload_version
from workspaces.models import Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    user = UserFactory(email="olga@nova.example", name="Olga Owner")
    workspace = workspace_create(owner=user, name="Nova Super App", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=workspace, user=user)
    wallet, _ = host_app_create(actor=owner, name="Nova Wallet", platforms={"android": "n.w"})
    lite, _ = host_app_create(actor=owner, name="Nova Lite", platforms={"ios": "n.l"})
    mp = create_miniprogram(
        owner,
        name="Nova Tea House",
        tagline="Fresh tea in two taps",
        host_app_ids=[wallet.pk, lite.pk],
    )
    capture = django_capture_on_commit_callbacks
    upload_version(owner, mp, "1.0.0", capture=capture, notes="First version")
    upload_version(owner, mp, "1.1.0", capture=capture, notes="Order tracking")
    assert set(Version.objects.values_list("status", flat=True)) == {Version.Status.READY}
    return {"mp": mp, "base": f"/w/{workspace.slug}/miniprograms/{mp.app_id}"}


def assert_fits(page: Page, name: str) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide in {width}px"


def publish(page: Page, number: str, where: str) -> None:
    dialog = page.locator("dialog.confirm-dialog")
    page.get_by_role("button", name=f"Publish {number} in {where}").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text(f"Publish {number}?")
    expect(dialog).to_contain_text(f"Version {number} goes online in {where} at once.")
    dialog.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"Version {number} is online in {where}."
    )


def submit_to_sandbox(page: Page, notes: str) -> None:
    expect(page.get_by_role("heading", level=2, name=re.compile("Submit version"))).to_be_visible()
    page.get_by_role("radio", name=re.compile(r"^Sandbox")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Nova Wallet")).check()
    page.fill("textarea[name=notes]", notes)
    expect(page.locator("[data-notes-counter]")).to_have_text(f"{len(notes)} / 1,000 characters")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_submit_publish_second_version_and_roll_back(page: Page, world, screenshot_dir, size):
    page.set_viewport_size(WIDTHS[size])
    native: list[str] = []
    page.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    base = world["base"]
    where = "Nova Wallet (Sandbox)"

    def shot(name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top
        page.screenshot(path=screenshot_dir / f"releases-{size}-{name}.png", full_page=True)
        assert_fits(page, name)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@nova.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/nova-super-app/$"))

    # 1. A ready version's page ends with its next step; its primary action submits it.
    page.goto(f"{base}/versions/1.0.0/")
    expect(page.locator("[data-next-step]")).to_contain_text("Next step: submit it for review")
    page.locator("[data-submit-version]").click()
    page.wait_for_url(re.compile(r"/versions/1\.0\.0/submit/$"))

    # 2. The submit form: nothing chosen is refused by field, the notes kept.
    page.fill("textarea[name=notes]", "Kept on error")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".form-errors")).to_contain_text("Please fix the 2 problems below.")
    expect(page.locator("#id_environment .error")).to_have_text(
        "Choose the environment to release to."
    )
    expect(page.locator("textarea[name=notes]")).to_have_value("Kept on error")
    submit_to_sandbox(page, "First try in the sandbox")
    shot("submit")
    page.get_by_role("button", name="Submit for review").click()

    # 3. The Releases tab: approved at once outside production, ready to publish.
    page.wait_for_url(re.compile(r"/releases/$"))
    expect(page.locator(".flash-success")).to_contain_text(
        f"Version 1.0.0 is approved for {where} (approved automatically outside production)"
    )
    tabs = page.get_by_role("navigation", name="Mini program sections")
    expect(tabs.get_by_role("link", name="Releases")).to_have_attribute("aria-current", "page")
    wallet = page.locator("tr[data-host-app='Nova Wallet']")
    sandbox = wallet.locator("td[data-env=sandbox]")
    expect(sandbox.locator("[data-open]")).to_contain_text("Approved")
    expect(sandbox).to_contain_text("Ready to publish")
    if size == "phone":  # a list per host app: each environment labelled in its row
        expect(sandbox.locator(".matrix-env")).to_be_visible()
        expect(page.locator(".release-matrix thead")).not_to_be_in_viewport()
    shot("tab-approved")

    # 4. Publish, after the dialog says what happens: online.
    publish(page, "1.0.0", where)
    expect(sandbox.locator("[data-online]")).to_contain_text("1.0.0")
    expect(sandbox.get_by_role("link", name="1.0.0")).to_have_attribute(
        "href", f"{base}/versions/1.0.0/"
    )

    # 5. The second version, submitted from the tab and published: 1.0.0 is archived.
    page.locator("[data-submit-newest]").click()
    page.wait_for_url(re.compile(r"/versions/1\.1\.0/submit/$"))
    submit_to_sandbox(page, "Order tracking")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(r"/releases/$"))
    publish(page, "1.1.0", where)
    expect(page.locator(".flash-success")).to_contain_text("Version 1.0.0 was archived.")
    expect(sandbox.locator("[data-online]")).to_contain_text("1.1.0")

    # 6. Roll back: the dialog names the version it goes back to.
    dialog = page.locator("dialog.confirm-dialog")
    page.get_by_role("button", name=f"Roll back {where}").click()
    expect(dialog).to_contain_text(f"{where} goes back to version 1.0.0 at once")
    expect(dialog).to_contain_text("Two rollbacks in a row are not allowed")
    dialog.get_by_role("button", name="Roll back").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"{where} is back on version 1.0.0; version 1.1.0 was archived."
    )
    expect(sandbox.locator("[data-online]")).to_contain_text("1.0.0")
    expect(sandbox.locator("[data-online]")).to_contain_text("Rollback")
    expect(page.get_by_role("button", name=f"Roll back {where}")).to_have_count(0)
    expect(sandbox).to_contain_text("Rolled back: publish a new version before another.")

    # 7. The history: newest first, the rollback marked, which version replaced which.
    history = page.locator(".history-table tbody tr")
    expect(history).to_have_count(3)
    first = history.nth(0)
    expect(first).to_contain_text("1.0.0")
    expect(first.locator("[data-rollback]")).to_have_text("Rollback")
    expect(first).to_contain_text("Rolled back by Olga Owner")
    expect(history.nth(1)).to_contain_text("Archived")
    expect(history.nth(1)).to_contain_text("Published by Olga Owner")
    shot("tab-history")
    assert Release.objects.filter(kind=Release.Kind.ROLLBACK, state="released").count() == 1

    # The history filter: choosing a host app and environment is enough (no button).
    expect(page.locator("[data-filter-button]")).to_be_hidden()
    page.select_option("#history-target", label=where)
    page.wait_for_url(re.compile(r"\?target=\d+"))
    expect(history).to_have_count(3)

    # 8. The version page's timeline continues per target, with who and when.
    page.goto(f"{base}/versions/1.1.0/")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(f"Submitted for {where}")
    expect(timeline).to_contain_text(f"Released in {where}")
    expect(timeline).to_contain_text("Rolled back to version 1.0.0.")
    expect(page.locator("[data-next-step]")).to_contain_text("Not online or in review anywhere now")
    shot("version")

    # 9. The Versions tab: where each version is, and what is online.
    page.goto(f"{base}/versions/")
    expect(page.locator("tr[data-version='1.0.0'] [data-release-badges]")).to_have_text(
        "Online · Nova Wallet (sandbox)"
    )
    expect(page.locator("[data-strip-online]")).to_contain_text("not in production yet")
    shot("versions")

    # 10. The Overview says the same: online outside production only, never released there.
    page.goto(f"{base}/")
    expect(page.locator("[data-online-version]")).to_contain_text(
        "in Nova Wallet (Sandbox) only: not in production yet"
    )
    expect(page.locator("[data-release-state]")).to_contain_text(
        "No version released to production yet"
    )
    shot("overview")  # its "Host apps" rows stack on a phone: nothing overflows
    assert native == []  # every confirmation was the product's dialog
