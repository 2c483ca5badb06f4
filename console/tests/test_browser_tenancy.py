"""The tenancy journey in a real browser (Playwright + Debian's Chromium).

A tenant owner signs in, creates a developer workspace for a merchant and invites a developer
to the tenant. Each invitee opens the link from their email, creates an account and lands on
their workspace, seeing only what their role allows. Screenshots: var/screenshots/tenancy-*.png.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from workspaces.models import Membership, Workspace
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory
from workspaces.tests.signup import signup_link_path

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "violet-harbour-compass-73"


@pytest.fixture
def tenant():
    owner = UserFactory(email="olga@acme.example", name="Olga Owner")
    return workspace_create(owner=owner, name="Acme Super App", kind=Workspace.Kind.TENANT)


@pytest.fixture
def open_page(live_server, chromium_browser):
    """A new browser (own cookies) per person in the story."""
    contexts = []

    def _open() -> Page:
        context = chromium_browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def invitation_path(mailoutbox, email: str) -> str:
    """The path of the link in the (last) invitation mailed to ``email``."""
    sent = [m for m in mailoutbox if email in m.to]
    assert sent, f"no email to {email}; sent to {[m.to for m in mailoutbox]}"
    link = re.search(r"https?://\S+/invitations/\S+/", sent[-1].body)
    assert link, sent[-1].body
    return urlparse(link.group(0)).path


def sidebar_links(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("nav.sidebar a").all_inner_texts()]


def accept_with_new_account(page: Page, path: str, name: str, shot) -> None:
    page.goto(path)
    expect(page.get_by_role("button", name="Create account and join")).to_be_visible()
    page.fill("input[name=name]", name)
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    shot(page, "invitation-signup")
    page.get_by_role("button", name="Create account and join").click()


def test_tenant_owner_invites_and_each_invitee_sees_only_what_their_role_allows(
    open_page, tenant, mailoutbox, screenshot_dir
):
    shots: list[str] = []

    def shot(page: Page, step: str) -> None:
        name = f"tenancy-{len(shots) + 1:02d}-{step}.png"
        page.screenshot(path=screenshot_dir / name, full_page=True)
        shots.append(name)

    # 1. The tenant owner signs in.
    owner = open_page()
    owner.goto("/accounts/login/")
    owner.fill("input[name=username]", "olga@acme.example")
    owner.fill("input[name=password]", DEFAULT_PASSWORD)
    shot(owner, "owner-signin")
    owner.get_by_role("button", name="Sign in").click()
    owner.wait_for_url(re.compile(rf"/w/{tenant.slug}/$"))
    assert "Audit log" in sidebar_links(owner)
    assert "Developer workspaces" in sidebar_links(owner)

    # 2. …creates a developer workspace for a merchant (its owner is invited by email).
    owner.get_by_role("link", name="Developer workspaces").click()
    owner.get_by_role("link", name="Create developer workspace").first.click()
    owner.wait_for_url(re.compile(r"/developer-workspaces/new/$"))
    owner.fill("input[name=name]", "Bolt Shop")
    owner.fill("input[name=owner_name]", "Mia Merchant")
    owner.fill("input[name=owner_email]", "mia@bolt.example")
    shot(owner, "owner-creates-developer-workspace")
    owner.get_by_role("button", name="Create and invite owner").click()
    expect(owner.get_by_text("Bolt Shop").first).to_be_visible()
    shot(owner, "developer-workspace-created")
    bolt = Workspace.objects.get(name="Bolt Shop")
    assert (bolt.kind, bolt.tenant_id) == (Workspace.Kind.DEVELOPER, tenant.pk)

    # 3. …and invites a developer to the tenant itself.
    owner.get_by_role("link", name="Members").click()
    owner.get_by_role("link", name="Invite members").click()
    owner.fill("input[name=invite-0-name]", "Dev Dan")
    owner.fill("input[name=invite-0-email]", "dan@acme.example")
    owner.select_option("select[name=invite-0-role]", "developer")
    shot(owner, "owner-invites-developer")
    owner.get_by_role("button", name="Send invitations").click()
    owner.wait_for_url(re.compile(rf"/w/{tenant.slug}/members/"))
    expect(owner.get_by_text("dan@acme.example").first).to_be_visible()
    shot(owner, "invitation-sent")

    # 4. The developer opens the link from the email, signs up and lands on the dashboard.
    dev = open_page()
    accept_with_new_account(dev, invitation_path(mailoutbox, "dan@acme.example"), "Dev Dan", shot)
    dev.wait_for_url(re.compile(rf"/w/{tenant.slug}/$"))
    expect(dev.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    shot(dev, "developer-dashboard")
    membership = Membership.objects.get(user__email="dan@acme.example")
    assert (membership.workspace_id, membership.role) == (tenant.pk, Membership.Role.DEVELOPER)

    # 5. …and sees only what a Developer may: no audit log, no developer workspaces, no invite.
    links = sidebar_links(dev)
    assert "Members" in links
    assert "Audit log" not in links
    assert "Developer workspaces" not in links
    dev.get_by_role("link", name="Members").click()
    expect(dev.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(dev.get_by_role("link", name="Invite members")).to_have_count(0)
    shot(dev, "developer-members-no-invite")
    response = dev.goto(f"/w/{tenant.slug}/audit/")
    assert response.status == 403
    expect(dev.get_by_text("You don't have access to this page")).to_be_visible()
    expect(dev.locator(".error-page")).to_contain_text("Owner or Workspace Admin")
    expect(dev.locator(".error-page")).to_contain_text("olga@acme.example")
    shot(dev, "developer-audit-403")
    assert dev.goto(f"/w/{bolt.slug}/").status == 404  # the merchant's workspace: not theirs

    # 6. The merchant accepts too and owns the developer workspace (no tenant-only pages).
    merchant = open_page()
    accept_with_new_account(
        merchant, invitation_path(mailoutbox, "mia@bolt.example"), "Mia Merchant", shot
    )
    merchant.wait_for_url(re.compile(rf"/w/{bolt.slug}/$"))
    links = sidebar_links(merchant)
    assert "Audit log" in links
    assert "Host apps" not in links
    assert "Developer workspaces" not in links
    expect(merchant.locator(".sidebar-footer")).to_contain_text("Developer")
    shot(merchant, "merchant-dashboard")
    assert merchant.goto(f"/w/{tenant.slug}/").status == 404

    # 7. The owner's audit log shows what happened, newest first.
    owner.goto(f"/w/{tenant.slug}/audit/")
    expect(owner.locator("table.audit-table")).to_contain_text("invitation.accept")
    expect(owner.locator("table.audit-table")).to_contain_text("developer_workspace.create")
    shot(owner, "owner-audit-log")

    for name in shots:
        assert (screenshot_dir / name).stat().st_size > 0


def test_visitor_signs_up_and_creates_a_tenant_workspace(open_page, screenshot_dir):
    page = open_page()
    page.goto("/welcome/signup/")
    page.fill("input[name=name]", "Tina Tenant")
    page.fill("input[name=email]", "Tina@Tenant")
    expect(page.locator("input[type=password]")).to_have_count(0)  # chosen on the link's page
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".form-errors")).to_contain_text("valid email")
    expect(page.locator("input[name=name]")).to_have_value("Tina Tenant")  # kept
    page.screenshot(path=screenshot_dir / "tenancy-signup-error.png", full_page=True)

    page.fill("input[name=email]", "Tina@Tenant.example")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/welcome/signup/sent/$"))
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.goto(signup_link_path("tina@tenant.example"))  # the link from the email
    expect(page.locator("input#id_email")).to_have_value("tina@tenant.example")
    expect(page.locator("input[name=name]")).to_have_value("Tina Tenant")
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", "not-the-same-password-1")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".form-errors")).to_contain_text("do not match")
    expect(page.locator("input[name=name]")).to_have_value("Tina Tenant")  # kept
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/welcome/workspace/$"))
    expect(page.get_by_role("heading", name="Create your first workspace")).to_be_visible()
    page.fill("input[name=name]", "Tina's Super App")
    page.get_by_text("You run a super app").click()  # the whole card selects the kind
    page.screenshot(path=screenshot_dir / "tenancy-workspace-create.png", full_page=True)
    page.get_by_role("button", name="Create workspace").click()

    page.wait_for_url(re.compile(r"/w/tinas-super-app/$"))
    expect(page.locator(".flash-success")).to_contain_text("Tina's Super App is ready")
    assert "Host apps" in sidebar_links(page)  # a tenant
    page.screenshot(path=screenshot_dir / "tenancy-signup-dashboard.png", full_page=True)
    workspace = Workspace.objects.get(slug="tinas-super-app")
    assert workspace.kind == Workspace.Kind.TENANT
    owner = Membership.objects.get(workspace=workspace)
    assert (owner.user.email, owner.role) == ("tina@tenant.example", Membership.Role.OWNER)

    page.goto("/w/tinas-super-app/audit/?action=workspace.")
    expect(page.locator("table.audit-table")).to_contain_text("workspace.create")
    page.screenshot(path=screenshot_dir / "tenancy-audit-filtered.png", full_page=True)
