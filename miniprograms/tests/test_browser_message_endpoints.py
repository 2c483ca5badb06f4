"""Settings → Message delivery in a real browser: the tenant's owner sets up the endpoint of a
host app (a real HTTP server on 127.0.0.1), sees the secret once, sends a test message and reads
its outcome, then rotates the secret through the product's confirmation dialog. No page scrolls
sideways at 390 px. Screenshots at 1440 and 390 px: /work/helpers/shots/message-delivery-*.png
(var/screenshots/ when that folder does not exist)."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from miniprograms.subscriptions.endpoints import message_endpoint_secret
from miniprograms.subscriptions.models import MessageEndpoint
from workspaces.models import Membership, Workspace
from workspaces.services.hostapps import host_app_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/work/helpers/shots")


@pytest.fixture
def world():
    user = UserFactory(email="olga@acme.example", name="Olga Owner")
    tenant = workspace_create(owner=user, name="Acme Super App", kind=Workspace.Kind.TENANT)
    owner = Membership.objects.get(workspace=tenant, user=user)
    for name in ("Acme Pay", "Acme Wallet"):
        host_app_create(actor=owner, name=name, platforms={"android": f"com.acme.{name[5:]}"})
    return tenant


def shoot(page: Page, screenshot_dir: Path, name: str) -> None:
    """The page at 1440 px and at 390 px (which must not scroll sideways)."""
    folder = SHOTS if SHOTS.is_dir() else screenshot_dir
    page.screenshot(path=folder / f"message-delivery-{name}-1440.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=folder / f"message-delivery-{name}-390.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide on a phone"
    page.set_viewport_size(DESKTOP)


def test_owner_sets_up_tests_and_rotates_a_message_endpoint(
    page: Page, world, receiver, screenshot_dir
):
    page.set_viewport_size(DESKTOP)
    page.emulate_media(reduced_motion="reduce")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@acme.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/w/{world.slug}/$"))

    page.goto(f"/w/{world.slug}/settings/")
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "link", name="Message delivery"
    ).click()
    wallet = page.locator("section.message-endpoint", has_text="Acme Wallet")
    expect(wallet).to_contain_text("Not set up")

    wallet.get_by_role("link", name="Set up").click()
    page.get_by_label("Endpoint URL").fill(receiver.url("/messages"))
    page.get_by_role("button", name="Set up endpoint").click()

    # The secret, once, on the host app's card.
    secret_box = page.locator(".secret-box")
    expect(secret_box).to_contain_text("Copy it now")
    secret = secret_box.locator("code").inner_text()
    assert secret == message_endpoint_secret(MessageEndpoint.objects.get())

    # A test message: delivered, signed with that secret.
    wallet.get_by_role("button", name="Send test message").click()
    outcome = page.locator("[data-test-outcome]")
    expect(outcome).to_contain_text("Test message delivered.")
    expect(outcome).to_contain_text("HTTP 200")
    expect(page.locator(".secret-box")).to_have_count(0)
    [request] = receiver.requests
    timestamp = request.headers["X-MPP-Timestamp"]
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["X-MPP-Signature"] == "sha256=" + digest.hexdigest()
    shoot(page, screenshot_dir, "tested")

    # Rotate, through the confirmation dialog: a new secret, shown once.
    wallet.get_by_role("button", name="Rotate secret").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Rotate the signing secret of the message endpoint of Acme")
    dialog.get_by_role("button", name="Rotate secret").click()
    expect(page.locator(".secret-box")).to_contain_text("A new signing secret was issued")
    rotated = page.locator(".secret-box code").inner_text()
    assert rotated != secret
    assert rotated == message_endpoint_secret(MessageEndpoint.objects.get())
    shoot(page, screenshot_dir, "rotated")
