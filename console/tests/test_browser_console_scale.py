"""The lists made leaner for a big workspace (issue 16), in a real browser at 1440 and 390 px.

A tenant with 60 mini programs (two pages), Developers with assigned programs, a blocked
member: the mini program list (rows printed from precomputed values, the "Assigned to" filter of
Developers only), the all-teams list, and the member table whose rows share one form — a row's
Block asks in the product's dialog naming the person, a row's Save changes only that row's role.
Nothing scrolls sideways. Screenshots: /work/helpers/shots/console-scale-*.png when that folder
exists (the helpers' review), else var/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from miniprograms.models import MiniProgram
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from workspaces.models import Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}
SHOTS = Path("/work/helpers/shots")


@pytest.fixture
def shots(screenshot_dir) -> Path:
    return SHOTS if SHOTS.is_dir() else screenshot_dir


@pytest.fixture
def world():
    user = UserFactory(email="olga@acme.example", name="Olga Owner")
    workspace = workspace_create(owner=user, name="Acme Super App", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=workspace, user=user)
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    programs = [
        create_miniprogram(owner, name=f"Mall {n:02d}", host_app_ids=[app.pk] if n % 2 else [])
        for n in range(60)
    ]
    MiniProgram.objects.filter(pk=programs[-1].pk).update(logo="")  # the initial instead
    dora = MembershipFactory(
        workspace=workspace, role="developer", user=UserFactory(name="Dora Developer")
    )
    miniprogram_developer_assign(actor=owner, miniprogram=programs[-1], user_id=dora.user_id)
    MembershipFactory(workspace=workspace, role="admin", user=UserFactory(name="Adam Admin"))
    MembershipFactory(
        workspace=workspace,
        role="reviewer",
        status=Membership.Status.BLOCKED,
        user=UserFactory(name="Bea Blocked"),
    )
    MembershipFactory(workspace=workspace, role="admin", user=UserFactory(name="Alan Admin"))
    return workspace


def _sign_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@acme.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme-super-app/$"))


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def test_lean_lists_in_the_browser(page: Page, world, shots):
    _sign_in(page)
    for width, viewport in SIZES.items():
        page.set_viewport_size(viewport)

        page.goto("/w/acme-super-app/miniprograms/")
        rows = page.locator("table.mp-table tbody tr")
        expect(rows).to_have_count(50)
        expect(page.get_by_text("1–50 of 60")).to_be_visible()
        expect(rows.first.get_by_role("link", name="Mall 59")).to_be_visible()
        assigned = page.get_by_label("Assigned to")
        expect(assigned.locator("option")).to_have_text(["Anyone", "Dora Developer"])
        _no_sideways_scroll(page)
        page.screenshot(path=shots / f"console-scale-miniprograms-{width}.png", full_page=True)

        page.goto("/miniprograms/?q=mall+05")
        expect(page.locator("table.mp-table tbody tr")).to_have_count(1)
        _no_sideways_scroll(page)
        page.screenshot(path=shots / f"console-scale-all-teams-{width}.png", full_page=True)

        page.goto("/w/acme-super-app/members/")
        expect(page.locator("tbody form")).to_have_count(0)
        _no_sideways_scroll(page)
        page.screenshot(path=shots / f"console-scale-members-{width}.png", full_page=True)

    # The assigned filter narrows to Dora's one mini program.
    page.set_viewport_size(SIZES["1440"])
    page.goto("/w/acme-super-app/miniprograms/")
    page.get_by_label("Assigned to").select_option(label="Dora Developer")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.mp-table tbody tr")).to_have_count(1)

    # Members: Block asks in the product's dialog, naming the row's person; Cancel keeps all.
    page.goto("/w/acme-super-app/members/")
    dialog = page.locator("dialog.confirm-dialog")
    adam = Membership.objects.get(user__name="Adam Admin")
    row = page.locator("tr", has_text="Adam Admin")
    row.get_by_role("button", name="Block").click()
    expect(dialog.get_by_role("heading")).to_have_text("Block Adam Admin?")
    expect(dialog).to_contain_text("They can no longer open Acme Super App")
    page.screenshot(path=shots / "console-scale-members-dialog-1440.png")
    dialog.get_by_role("button", name="Cancel").click()
    adam.refresh_from_db()
    assert adam.status == Membership.Status.ACTIVE

    # A row's Save changes that row's role only (every row's select is in the shared form).
    row.get_by_label("Role of Adam Admin").select_option("reviewer")
    other = Membership.objects.get(user__name="Alan Admin")
    page.locator("tr", has_text="Alan Admin").get_by_label("Role of Alan Admin").select_option(
        "developer"
    )
    row.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Adam Admin is now Reviewer")
    adam.refresh_from_db()
    other.refresh_from_db()
    assert (adam.role, other.role) == ("reviewer", "admin")

    # Block, confirmed; Unblock needs no confirmation.
    page.locator("tr", has_text="Adam Admin").get_by_role("button", name="Block").click()
    dialog.get_by_role("button", name="Block member").click()
    expect(page.locator(".flash-success")).to_contain_text("Adam Admin is blocked")
    page.locator("tr", has_text="Adam Admin").get_by_role("button", name="Unblock").click()
    expect(page.locator(".flash-success")).to_contain_text("Adam Admin is unblocked")
