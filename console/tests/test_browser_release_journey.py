"""The review-and-release loop across two workspaces, in a real browser (issue 10's journey).

A merchant's Owner submits 1.1.0 of its mini program for production in the tenant's host app;
the tenant's Reviewer, on a phone, finds it waiting (the Overview's card), approves it; the
merchant is told by email, publishes it from the Releases tab, sees it online, and rolls back to
1.0.0 — which the tenant's Reviewer then reads, read-only, on the same tab under the tenant.
Screenshots: var/screenshots/journey-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget
from releases.release.services import release_publish, release_submit
from releases.tests.factories import upload_version
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import ApprovalRequest, Membership, Workspace
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
PROD = ReleaseTarget.Environment.PRODUCTION
WHERE = "Acme Wallet (Production)"


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Acme (tenant) with a Reviewer and the host app Acme Wallet; Blue Bottle (its merchant)
    has 1.0.0 of "Blue Bottle Order" online there (reviewed by Acme) and 1.1.0 ready."""
    capture = django_capture_on_commit_callbacks
    tenant_owner = UserFactory(email="olga@acme.example", name="Olga Owner")
    tenant = workspace_create(owner=tenant_owner, name="Acme", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=tenant, user=tenant_owner)
    reviewer = MembershipFactory(
        workspace=tenant,
        role="reviewer",
        user=UserFactory(email="rita@acme.example", name="Rita Reviewer"),
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "com.acme.w"})
    merchant = Workspace.objects.create(
        name="Blue Bottle", slug="blue-bottle", kind=Workspace.Kind.DEVELOPER, tenant=tenant
    )
    mia = MembershipFactory(
        workspace=merchant,
        role="owner",
        user=UserFactory(email="mia@bluebottle.example", name="Mia Merchant"),
    )
    order = create_miniprogram(mia, name="Blue Bottle Order", host_app_ids=[wallet.pk])
    first = upload_version(mia, order, "1.0.0", capture=capture)
    (release,) = release_submit(
        actor=mia, version=first, host_app_ids=[wallet.pk], environment=PROD
    )
    approval_approve(actor=reviewer, request_id=release.approval_id)
    release_publish(actor=mia, release_id=release.pk)
    package = zip_bytes(with_files({"pages/menu/index.js": b"Page({});\n"}))
    upload_version(mia, order, "1.1.0", data=package, capture=capture)
    mail.outbox.clear()  # the journey counts its own emails
    return {"mp": order, "merchant": merchant, "tenant": tenant}


@contextmanager
def signed_in(browser, live_server, email: str, workspace: str, size: dict) -> Iterator[Page]:
    """A browser of its own for one person (the merchant and the reviewer use two phones)."""
    context = browser.new_context(base_url=live_server.url, viewport=size)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.emulate_media(reduced_motion="reduce")
    native: list[str] = []
    page.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(rf"/w/{workspace}/$"))
        yield page
        assert native == []  # every confirmation was the product's own dialog
    finally:
        context.close()


def assert_fits(page: Page, name: str) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide in {width}px"


def test_submit_approve_publish_and_roll_back_across_workspaces(
    chromium_browser, live_server, world, screenshot_dir
):
    mp = world["mp"]
    base = f"/w/blue-bottle/miniprograms/{mp.app_id}"

    # 1. The merchant submits 1.1.0 for production in Acme Wallet, from the version's page.
    with signed_in(
        chromium_browser, live_server, "mia@bluebottle.example", "blue-bottle", DESKTOP
    ) as page:
        page.goto(f"{base}/versions/1.1.0/")
        page.locator("[data-submit-version]").click()
        page.wait_for_url(re.compile(r"/versions/1\.1\.0/submit/$"))
        page.get_by_role("radio", name=re.compile(r"^Production")).check()
        page.get_by_role("checkbox", name=re.compile(r"^Acme Wallet")).check()
        page.fill("textarea[name=notes]", "The seasonal menu page.")
        page.get_by_role("button", name="Submit for review").click()
        page.wait_for_url(re.compile(r"/releases/$"))
        expect(page.locator(".flash-success")).to_contain_text("Acme")
        production = page.locator("tr[data-host-app='Acme Wallet'] td[data-env=production]")
        expect(production.locator("[data-online]")).to_contain_text("1.0.0")
        expect(production.locator("[data-open]")).to_contain_text("In review")
        page.screenshot(path=screenshot_dir / "journey-1-submitted.png", full_page=True)
    request = ApprovalRequest.objects.get(state=ApprovalRequest.State.PROCESSING)
    assert request.requested_by.email == "mia@bluebottle.example"
    review_mail = [m for m in mail.outbox if "rita@acme.example" in m.to]
    assert [m.subject for m in review_mail] == [
        "Review requested: Blue Bottle Order 1.1.0 to Acme Wallet (production)"
    ]

    # 2. Acme's Reviewer, on a phone, finds it on the Overview and approves it.
    mail.outbox.clear()
    with signed_in(chromium_browser, live_server, "rita@acme.example", "acme", PHONE) as page:
        card = page.locator("[data-approvals-card]")
        expect(card.locator(".stat")).to_have_text("1")
        card.get_by_role("link", name=request.summary).click()
        page.wait_for_url(re.compile(rf"/approvals/{request.pk}/$"))
        expect(page.locator("[data-review-version]")).to_contain_text("1.1.0")
        expect(page.locator("[data-review-diff='ok']")).to_contain_text("pages/menu/index.js")
        page.get_by_label("Note for the requester").fill("Looks good on iOS and Android.")
        page.locator("[data-approve]").click()
        page.locator("dialog[open]").get_by_role("button", name="Approve").click()
        expect(page.locator(".page-heading [data-approval-state]")).to_have_text("Approved")
        assert_fits(page, "approved")
        page.screenshot(path=screenshot_dir / "journey-2-approved-390.png", full_page=True)
    decided = [m for m in mail.outbox if "mia@bluebottle.example" in m.to]
    assert [m.subject.split(":")[0] for m in decided] == ["Approved"]
    mail.outbox.clear()

    # 3. The merchant publishes it: online in production, 1.0.0 archived; then rolls back.
    with signed_in(
        chromium_browser, live_server, "mia@bluebottle.example", "blue-bottle", DESKTOP
    ) as page:
        page.goto(f"{base}/releases/")
        production = page.locator("tr[data-host-app='Acme Wallet'] td[data-env=production]")
        expect(production).to_contain_text("Ready to publish")
        page.get_by_role("button", name=f"Publish 1.1.0 in {WHERE}").click()
        page.locator("dialog.confirm-dialog").get_by_role("button", name="Publish").click()
        expect(page.locator(".flash-success")).to_contain_text(
            f"Version 1.1.0 is online in {WHERE}."
        )
        expect(production.locator("[data-online]")).to_contain_text("1.1.0")
        page.screenshot(path=screenshot_dir / "journey-3-online.png", full_page=True)

        page.get_by_role("button", name=f"Roll back {WHERE}").click()
        page.locator("dialog.confirm-dialog").get_by_role("button", name="Roll back").click()
        expect(page.locator(".flash-success")).to_contain_text(
            f"{WHERE} is back on version 1.0.0; version 1.1.0 was archived."
        )
        expect(production.locator("[data-online]")).to_contain_text("1.0.0")
        expect(production.locator("[data-online]")).to_contain_text("Rollback")
        history = page.locator(".history-table tbody tr")
        expect(history.nth(0).locator("[data-rollback]")).to_have_text("Rollback")
        page.screenshot(path=screenshot_dir / "journey-4-rolled-back.png", full_page=True)

    online = Release.objects.get(target__environment=PROD, state=Release.State.RELEASED)
    assert (online.version.number, online.kind) == ("1.0.0", Release.Kind.ROLLBACK)
    assert sorted(
        m.subject.split(":")[0] for m in mail.outbox if "mia@bluebottle.example" in m.to
    ) == [
        "Online",
        "Rolled back",
    ]

    # 4. The tenant reads the same tab, read-only: what runs in its host app, and no buttons.
    with signed_in(chromium_browser, live_server, "rita@acme.example", "acme", PHONE) as page:
        page.goto(f"/w/acme/miniprograms/{mp.app_id}/releases/")
        production = page.locator("tr[data-host-app='Acme Wallet'] td[data-env=production]")
        expect(production.locator("[data-online]")).to_contain_text("1.0.0")
        expect(page.get_by_role("button", name=re.compile("^(Publish|Roll back)"))).to_have_count(0)
        assert_fits(page, "tenant releases tab")
        page.screenshot(path=screenshot_dir / "journey-5-tenant-reads-390.png", full_page=True)
