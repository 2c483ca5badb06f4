"""Confirmations in a real browser: the product's dialog, never the browser's ``confirm()``.

The owner of a workspace removes a member (after first cancelling with Escape), hands the
workspace to another member from the "Transfer ownership" section, and revokes an API token;
each time the dialog says exactly what will happen. Screenshots: var/screenshots/confirm-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from workspaces.models import ApiToken, Membership, Workspace
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    user = UserFactory(email="olga@acme.example", name="Olga Owner")
    workspace = workspace_create(owner=user, name="Acme Super App", kind=Workspace.Kind.TENANT)
    for name, role in (("Adam Admin", "admin"), ("Rita Reviewer", "reviewer")):
        MembershipFactory(
            workspace=workspace,
            role=role,
            user=UserFactory(email=f"{name.split()[0].lower()}@acme.example", name=name),
        )
    token_create(user=user, name="CI on the build machine")
    return workspace


def test_destructive_actions_ask_in_the_products_dialog(page: Page, world, screenshot_dir):
    native: list[str] = []
    page.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@acme.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme-super-app/$"))
    page.goto("/w/acme-super-app/members/")
    dialog = page.locator("dialog.confirm-dialog")
    adam = Membership.objects.get(user__email="adam@acme.example")

    # No "Transfer ownership" in any member row any more.
    expect(page.locator("tbody").get_by_text("Transfer ownership")).to_have_count(0)

    # Remove: the dialog names the person and the consequence; Escape keeps everything.
    page.get_by_role("button", name="Remove Adam Admin").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Remove Adam Admin?")
    expect(dialog).to_contain_text("They lose access at once")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.screenshot(path=screenshot_dir / "confirm-remove-member.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Membership.objects.filter(pk=adam.pk).exists()

    page.get_by_role("button", name="Remove Adam Admin").click()
    dialog.get_by_role("button", name="Remove member").click()
    expect(page.locator(".flash-success")).to_contain_text("Adam Admin was removed")
    assert not Membership.objects.filter(pk=adam.pk).exists()

    # Transfer ownership: chosen in its own section; the dialog says who and what happens.
    section = page.locator("section", has=page.get_by_role("heading", name="Transfer ownership"))
    section.get_by_label("New owner").select_option(label="Rita Reviewer (rita@acme.example)")
    section.get_by_role("button", name="Transfer ownership…").click()
    expect(dialog).to_contain_text("Rita Reviewer (rita@acme.example) becomes the owner")
    expect(dialog).to_contain_text("You become a Workspace Admin")
    page.screenshot(path=screenshot_dir / "confirm-transfer-ownership.png")
    dialog.get_by_role("button", name="Transfer ownership").click()
    expect(page.locator(".flash-success")).to_contain_text("Rita Reviewer now owns")
    assert Membership.objects.get(user__email="rita@acme.example").role == "owner"
    assert Membership.objects.get(user__email="olga@acme.example").role == "admin"

    # Revoke a token.
    page.goto("/accounts/tokens/")
    page.get_by_role("button", name=re.compile("^Revoke")).first.click()
    expect(dialog.get_by_role("heading")).to_have_text("Revoke this token?")
    expect(dialog).to_contain_text("anything using it stops working at once.")
    dialog.get_by_role("button", name="Revoke token").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert ApiToken.objects.get(name="CI on the build machine").revoked_at is not None

    assert native == []  # the browser's own confirm() never appeared
