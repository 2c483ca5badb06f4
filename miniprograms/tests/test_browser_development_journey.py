"""The Development tab as a merchant's developer goes through it, in a real browser (issue 12's
journey), and what the host app's SDK then receives.

Blue Bottle (a developer workspace of the tenant Acme, allowed to edit its server domains) has
1.0.0 of "Blue Bottle Order Ahead" online in production in Acme Wallet. Its Owner opens the mini
program's Development tab: types a bad domain line, reads its number with the input kept, fixes
it and saves; generates the AppSecret, sees it once in the dialog and never again; adds a
production environment variable; applies for the sensitive JSAPI getLocation. Acme's Reviewer,
in a browser of her own, approves the application in the approvals hub. The runtime API
(``POST /runtime/v1/resolve`` with Acme Wallet's SDK key and secret) then answers the domains,
the JSAPI and the variable, within the snapshot's bound.
Screenshots (1440 and 390 px): /work/helpers/shots/devjourney-*.png (var/screenshots/ too).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from miniprograms.domains.services import domain_edit_grant_add
from miniprograms.jsapis.models import JsapiApplication
from miniprograms.jsapis.services import jsapi_catalogue_ensure
from miniprograms.secrets.models import AppSecret
from miniprograms.tests.factories import create_miniprogram
from releases.models import ReleaseTarget
from releases.release.services import release_publish, release_submit
from releases.runtime import revision
from releases.tests.factories import upload_version
from workspaces import keys
from workspaces.models import ApprovalRequest, Membership, Workspace
from workspaces.services.approvals import approval_approve
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/work/helpers/shots")
PROD = ReleaseTarget.Environment.PRODUCTION
REQUEST_DOMAIN = "https://api.bluebottle.example"
SOCKET_DOMAIN = "wss://push.bluebottle.example"


@pytest.fixture(autouse=True)
def fresh_snapshot():
    """The live server answers from this process's snapshot: start and end without one (a
    previous test's snapshot would outlive its rows)."""
    revision.runtime_snapshot_forget()
    yield
    revision.runtime_snapshot_forget()


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> dict[str, Any]:
    capture = django_capture_on_commit_callbacks
    olga = UserFactory(email="olga@acme.example", name="Olga Owner")
    tenant = workspace_create(owner=olga, name="Acme", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=tenant, user=olga)
    reviewer = MembershipFactory(
        workspace=tenant,
        role="reviewer",
        user=UserFactory(email="rita@acme.example", name="Rita Reviewer"),
    )
    wallet, wallet_secret = host_app_create(
        actor=owner, name="Acme Wallet", platforms={"ios": "com.acme.wallet"}
    )
    jsapi_catalogue_ensure(workspace=tenant)
    merchant = Workspace.objects.create(
        name="Blue Bottle", slug="blue-bottle", kind=Workspace.Kind.DEVELOPER, tenant=tenant
    )
    mia = MembershipFactory(
        workspace=merchant,
        role="owner",
        user=UserFactory(email="mia@bluebottle.example", name="Mia Merchant"),
    )
    # Acme lets Blue Bottle's developers edit their server domains (tenant Settings).
    domain_edit_grant_add(actor=owner, developer_workspace_slug="blue-bottle")
    order = create_miniprogram(mia, name="Blue Bottle Order Ahead", host_app_ids=[wallet.pk])
    version = upload_version(mia, order, "1.0.0", capture=capture)
    (release,) = release_submit(
        actor=mia, version=version, host_app_ids=[wallet.pk], environment=PROD
    )
    approval_approve(actor=reviewer, request_id=release.approval_id)
    release_publish(actor=mia, release_id=release.pk)
    return {"mp": order, "wallet": wallet, "wallet_secret": wallet_secret}


@contextmanager
def signed_in(browser, live_server, email: str, workspace: str, size: dict) -> Iterator[Page]:
    """A browser of its own for one person; every confirmation must be the product's dialog."""
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
        assert native == []
    finally:
        context.close()


def shots(page: Page, name: str, screenshot_dir: Path, *, full_page: bool = True) -> None:
    """The page as it is, at 1440 and at 390 px (no sideways scrolling), then back. From the
    top (a full-page shot of a scrolled page draws the sticky header mid-page); a modal dialog
    is shot as the window shows it (its backdrop covers the window, not the whole page)."""
    before = page.viewport_size
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        width = page.evaluate("window.innerWidth")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide in {width}px"
        if full_page:
            page.evaluate("window.scrollTo(0, 0)")
        for folder in (SHOTS, screenshot_dir):
            page.screenshot(
                path=str(folder / f"devjourney-{name}-{size['width']}.png"), full_page=full_page
            )
    if before:
        page.set_viewport_size(before)


def resolve(live_server, wallet, secret: str, app_id: str) -> dict[str, Any]:
    response = requests.post(
        f"{live_server.url}/runtime/v1/resolve",
        json={"environment": PROD, "context": {}, "miniprograms": [{"app_id": app_id}]},
        headers={"X-MPP-App-Key": wallet.app_key, "Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return result


def test_the_development_tab_from_domains_to_the_runtime_answer(
    chromium_browser, live_server, world, screenshot_dir
):
    mp, wallet = world["mp"], world["wallet"]
    # Before: the SDK gets the version, no allowed domain, no variable, no getLocation.
    before = resolve(live_server, wallet, world["wallet_secret"], mp.app_id)
    assert before["status"] == "ok"
    assert before["domains"]["any"] is False and before["domains"]["request"] == []
    assert before["env"] is None
    assert "getLocation" not in ((before["jsapis"] or {}).get("allowed") or [])

    with signed_in(
        chromium_browser, live_server, "mia@bluebottle.example", "blue-bottle", DESKTOP
    ) as page:
        # 1. The mini program → Development: the Domains section comes first.
        page.goto(f"/w/blue-bottle/miniprograms/{mp.app_id}/")
        page.get_by_role("link", name="Development", exact=True).click()
        page.wait_for_url(re.compile(r"/development/domains/$"))
        expect(page.locator("[data-domain-access]")).to_have_attribute(
            "data-domain-access", "restricted"
        )
        expect(page.locator("[data-not-granted]")).to_have_count(0)

        # 2. A bad line is refused with its number, nothing lost; fixed, it is saved.
        page.locator("#global").get_by_role("link", name="Edit").click()
        page.get_by_label("request domains").fill(
            f"{REQUEST_DOMAIN}\nhttp://old.bluebottle.example"
        )
        page.get_by_label("socket domains").fill(SOCKET_DOMAIN)
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".form-errors")).to_contain_text(
            "Line 2: http://old.bluebottle.example must use https://, not http://."
        )
        expect(page.get_by_label("request domains")).to_have_value(
            f"{REQUEST_DOMAIN}\nhttp://old.bluebottle.example"
        )
        expect(page.get_by_label("socket domains")).to_have_value(SOCKET_DOMAIN)
        shots(page, "domains-error", screenshot_dir)
        page.get_by_label("request domains").fill(REQUEST_DOMAIN)
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/development/domains/#global$"))
        version = page.locator("[data-version='1.0.0']")
        expect(version.locator("[data-list='request']")).to_contain_text("api.bluebottle.example")
        expect(version.locator("[data-list='request']")).not_to_contain_text("old.bluebottle")
        shots(page, "domains-saved", screenshot_dir)

        # 3. Keys: the AppSecret is shown once, in a dialog that says so; then only masked.
        page.get_by_role("link", name="Keys", exact=True).click()
        expect(page.locator("[data-appsecret]")).to_contain_text("No AppSecret yet")
        page.get_by_role("button", name="Generate AppSecret").click()
        dialog = page.locator("dialog[data-secret-dialog]")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("This is the only time it is shown.")
        secret = dialog.locator("[data-new-secret] code").inner_text().strip()
        assert keys.keyed_hash_matches(secret, AppSecret.objects.get(miniprogram=mp).secret_hash)
        shots(page, "secret-once", screenshot_dir, full_page=False)
        page.get_by_role("button", name="I have copied it").click()
        expect(page.locator("dialog[data-secret-dialog]")).to_have_count(0)
        page.reload()
        expect(page.locator("[data-appsecret]")).to_have_attribute("data-state", "active")
        expect(page.locator("[data-appsecret]")).to_contain_text("••••••••")
        expect(page.locator("dialog[data-secret-dialog]")).to_have_count(0)
        assert secret not in page.content()

        # 4. Environment variables: one for production.
        page.get_by_role("link", name="Environment variables", exact=True).click()
        page.get_by_role("link", name="Edit the Production variables").click()
        page.fill("#id_key_1", "API_BASE_URL")
        page.fill("#id_value_1", "https://api.bluebottle.example/v2")
        page.get_by_role("button", name="Save variables").click()
        production = page.locator("#env-production")
        expect(production).to_contain_text("API_BASE_URL")
        expect(production).to_contain_text("https://api.bluebottle.example/v2")
        expect(production).to_contain_text("1 / 5")

        # 5. JSAPI permissions: apply for getLocation with a reason.
        page.get_by_role("link", name="JSAPI permissions", exact=True).click()
        expect(page.locator("[data-allowed]")).not_to_contain_text("getLocation")
        page.locator('[data-row^="jsapi:"]', has_text="getLocation").get_by_role(
            "link", name="Apply"
        ).click()
        page.get_by_label("Why the mini program needs it").fill(
            "The order screen finds the nearest café to pick the coffee up from."
        )
        shots(page, "jsapi-apply", screenshot_dir)
        page.get_by_role("button", name="Send application").click()
        row = page.locator('[data-row^="jsapi:"]', has_text="getLocation")
        expect(row.locator('[data-state="processing"]')).to_be_visible()

    application = JsapiApplication.objects.get(miniprogram=mp)
    assert application.approval.state == ApprovalRequest.State.PROCESSING

    # 6. Acme's Reviewer, in her own browser (a phone), approves it in the approvals hub.
    with signed_in(chromium_browser, live_server, "rita@acme.example", "acme", PHONE) as page:
        page.goto("/w/acme/approvals/")
        page.get_by_role(
            "link", name="Blue Bottle Order Ahead asks for the JSAPI getLocation in Acme Wallet"
        ).click()
        page.wait_for_url(re.compile(rf"/w/acme/approvals/{application.approval_id}/$"))
        expect(page.locator("[data-jsapi-application]")).to_contain_text("getLocation")
        expect(page.locator("[data-jsapi-application]")).to_contain_text("nearest café")
        shots(page, "approval", screenshot_dir)
        page.locator("[data-approve]").click()
        page.locator("[data-confirm-dialog-action]").click()
        expect(page.locator("[data-jsapi-application] [data-state]")).to_have_text("Approved")

    # 7. The SDK's answer carries the domains, the JSAPI and the variable within the bound.
    deadline = time.monotonic() + 5 * revision.CHECK_SECONDS + 5
    while True:
        result = resolve(live_server, wallet, world["wallet_secret"], mp.app_id)
        allowed = (result["jsapis"] or {}).get("allowed") or []
        if "getLocation" in allowed and result["env"] and result["domains"]["request"]:
            break
        assert time.monotonic() < deadline, f"the runtime answer did not follow: {result}"
        time.sleep(0.2)
    assert result["status"] == "ok"
    assert result["domains"]["any"] is False
    assert result["domains"]["request"] == [REQUEST_DOMAIN]
    assert result["domains"]["socket"] == [SOCKET_DOMAIN]
    assert "getLocation" in allowed and allowed == sorted(allowed)
    assert result["env"] == {"API_BASE_URL": "https://api.bluebottle.example/v2"}
