"""The approvals hub in a real browser (issue 10): a tenant's reviewer, on a phone, finds the
merchant's production release waiting (the sidebar's badge), reads it — version, reports, diff,
preview QR code — and rejects it with a reason through the confirmation dialog; at desktop width
the hub and the request page sit beside the sidebar. Neither page scrolls sideways.
Screenshots: var/screenshots/approvals-*.png.
"""

from __future__ import annotations

import re

import pytest
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


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Acme Super App (tenant) with a reviewer and a host app that has a preview scheme; Blue
    Bottle (its merchant) has 1.0.0 online there and 1.1.0 waiting for review, plus a second
    mini program's request in review."""
    capture = django_capture_on_commit_callbacks
    owner_user = UserFactory(email="olga@acme.example", name="Olga Owner")
    tenant = workspace_create(owner=owner_user, name="Acme Super App", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=tenant, user=owner_user)
    reviewer = MembershipFactory(
        workspace=tenant,
        role="reviewer",
        user=UserFactory(email="rita.reviewer@acme.example", name="Rita Reviewer"),
    )
    wallet, _ = host_app_create(
        actor=owner, name="Acme Wallet", platforms={"ios": "com.acme.wallet"}, preview_scheme="acme"
    )
    merchant = Workspace.objects.create(
        name="Blue Bottle Coffee", slug="blue-bottle", kind=Workspace.Kind.DEVELOPER, tenant=tenant
    )
    submitter = MembershipFactory(
        workspace=merchant,
        role="owner",
        user=UserFactory(email="mia.merchant@bluebottle.example", name="Mia Merchant"),
    )
    order = create_miniprogram(submitter, name="Blue Bottle Order", host_app_ids=[wallet.pk])
    first = upload_version(submitter, order, "1.0.0", capture=capture)
    (release,) = release_submit(
        actor=submitter, version=first, host_app_ids=[wallet.pk], environment=PROD
    )
    approval_approve(actor=reviewer, request_id=release.approval_id)
    release_publish(actor=submitter, release_id=release.pk)
    package = zip_bytes(with_files({"pages/menu/index.js": b"Page({});\n", "app.js.map": b"{}"}))
    second = upload_version(submitter, order, "1.1.0", data=package, capture=capture)
    (pending,) = release_submit(
        actor=submitter,
        version=second,
        host_app_ids=[wallet.pk],
        environment=PROD,
        notes="Adds the seasonal menu page.",
    )
    beans = create_miniprogram(submitter, name="Blue Bottle Beans", host_app_ids=[wallet.pk])
    release_submit(
        actor=submitter,
        version=upload_version(submitter, beans, "0.9.0", capture=capture),
        host_app_ids=[wallet.pk],
        environment=PROD,
    )
    return {
        "tenant": tenant,
        "request": ApprovalRequest.objects.get(pk=pending.approval_id),
        "release": pending,
    }


def sign_in(page: Page, email: str, workspace: str = "acme-super-app") -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/w/{workspace}/$"))


def assert_fits(page: Page, name: str) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide in {width}px"


def test_a_reviewer_rejects_with_a_reason_from_a_phone(page: Page, world, screenshot_dir):
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, "rita.reviewer@acme.example")

    # The Overview's card and the sidebar's badge both say two requests wait.
    card = page.locator("[data-approvals-card]")
    expect(card.locator(".stat")).to_have_text("2")
    expect(card.locator("[data-pending-approvals] li")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "approvals-overview-390.png", full_page=True)
    page.get_by_role("button", name="Menu", exact=True).click()
    approvals = page.locator("nav.sidebar [data-nav-approvals]")
    expect(approvals.locator("[data-approvals-waiting]")).to_contain_text("2")
    approvals.click()
    page.wait_for_url(re.compile(r"/w/acme-super-app/approvals/$"))
    expect(page.locator("[data-approval-row]")).to_have_count(2)
    assert_fits(page, "hub")
    page.screenshot(path=screenshot_dir / "approvals-hub-390.png", full_page=True)

    request = world["request"]
    page.get_by_role("link", name=request.summary).click()
    page.wait_for_url(re.compile(rf"/approvals/{request.pk}/$"))
    expect(page.locator("[data-review-version]")).to_contain_text("1.1.0")
    expect(page.locator("[data-review-preview='ready'] .qr-code")).to_be_visible()
    expect(page.locator("[data-review-diff='ok']")).to_contain_text("pages/menu/index.js")
    assert_fits(page, "request")
    page.screenshot(path=screenshot_dir / "approvals-request-390.png", full_page=True)

    reason = "The menu page is empty on iOS: add its content, then submit again."
    page.get_by_label("Reason").fill(reason)
    page.locator("[data-reject]").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Reject “")
    dialog.get_by_role("button", name="Reject").click()

    page.wait_for_url(re.compile(rf"/approvals/{request.pk}/$"))
    expect(page.locator(".flash-success")).to_contain_text("Rejected:")
    expect(page.locator("[data-request-reason]")).to_have_text(reason)
    expect(page.locator(".page-heading [data-approval-state]")).to_have_text("Rejected")
    expect(page.locator("[data-reject]")).to_have_count(0)
    assert_fits(page, "rejected")
    page.screenshot(path=screenshot_dir / "approvals-rejected-390.png", full_page=True)
    world["release"].refresh_from_db()
    assert world["release"].state == Release.State.REJECTED


def test_the_hub_and_the_request_page_at_desktop_width(page: Page, world, screenshot_dir):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "rita.reviewer@acme.example")
    page.goto("/w/acme-super-app/approvals/")
    expect(page.locator("nav.sidebar [data-approvals-waiting]")).to_contain_text("2")
    expect(page.locator("[data-approval-row]")).to_have_count(2)
    assert_fits(page, "hub")
    page.screenshot(path=screenshot_dir / "approvals-hub-1440.png", full_page=True)

    page.goto(f"/w/acme-super-app/approvals/{world['request'].pk}/")
    expect(page.locator("[data-approve]")).to_be_visible()
    expect(page.locator("[data-review-quality]")).to_contain_text("Source maps shipped")
    assert_fits(page, "request")
    page.screenshot(path=screenshot_dir / "approvals-request-1440.png", full_page=True)

    # The host app says where the preview link comes from.
    wallet = world["release"].target.host_app
    page.goto(f"/w/acme-super-app/host-apps/{wallet.pk}/")
    expect(page.locator("[data-preview-scheme]")).to_contain_text("acme://preview?app_id=")
    expect(page.locator("[data-sandbox-review]")).to_contain_text("Approved at once")
    page.screenshot(path=screenshot_dir / "approvals-host-app-1440.png", full_page=True)


def test_the_merchant_follows_its_request_and_withdraws_it(page: Page, world, screenshot_dir):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "mia.merchant@bluebottle.example", "blue-bottle")
    card = page.locator("[data-approvals-card]")
    expect(card).to_contain_text("My requests in review")
    page.locator("nav.sidebar [data-nav-approvals]").click()
    expect(page.locator("[data-tab='to_decide']")).to_have_count(0)
    expect(page.locator("[data-approval-row]")).to_have_count(3)  # 1.0.0's, approved, too
    expect(page.locator("nav.sidebar [data-approvals-waiting]")).to_have_count(0)
    assert_fits(page, "merchant hub")
    page.screenshot(path=screenshot_dir / "approvals-my-requests-1440.png", full_page=True)

    request = world["request"]
    page.get_by_role("link", name=request.summary).click()
    expect(page.locator("[data-review-preview]")).to_have_count(0)  # the deciders' tool
    expect(page.locator("[data-approve]")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "approvals-merchant-request-1440.png", full_page=True)
    page.locator("[data-withdraw]").click()
    page.locator("dialog[open]").get_by_role("button", name="Withdraw").click()

    expect(page.locator(".flash-success")).to_contain_text("Withdrawn:")
    expect(page.locator(".page-heading [data-approval-state]")).to_have_text("Withdrawn")
    world["release"].refresh_from_db()
    assert world["release"].state == Release.State.WITHDRAWN
