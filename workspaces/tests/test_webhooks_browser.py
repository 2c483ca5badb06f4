"""Webhooks in a real browser: the owner adds an endpoint (a real HTTP server on 127.0.0.1), copies
the secret shown once, sends a test event and reads its delivery, rotates the secret and deletes
the endpoint through the product's confirmation dialog. Every page fits a phone (390 px).
Screenshots at 1440 and 390 px: var/screenshots/webhooks-*.png."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from playwright.sync_api import Page, expect

from workspaces.models import Workspace
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world():
    user = UserFactory(email="olga@acme.example", name="Olga Owner")
    return workspace_create(owner=user, name="Acme Super App", kind=Workspace.Kind.TENANT)


def shoot(page: Page, screenshot_dir, name: str) -> None:
    """The page at 1440 px and at 390 px (which must not scroll sideways)."""
    page.screenshot(path=screenshot_dir / f"webhooks-{name}-1440.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_dir / f"webhooks-{name}-390.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide on a phone"
    page.set_viewport_size(DESKTOP)


def test_owner_adds_an_endpoint_tests_it_and_manages_its_secret(
    page: Page, world, receiver, screenshot_dir
):
    page.set_viewport_size(DESKTOP)
    page.emulate_media(reduced_motion="reduce")  # no sliding drawer when the width changes
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "olga@acme.example")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w/acme-super-app/$"))

    # Settings → Webhooks: nothing yet.
    page.goto("/w/acme-super-app/settings/")
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "link", name="Webhooks"
    ).click()
    expect(page.get_by_role("heading", name="No webhook endpoints yet")).to_be_visible()
    shoot(page, screenshot_dir, "empty")

    # A refused URL keeps what was typed.
    page.get_by_role("link", name="Add endpoint").first.click()
    page.get_by_label("Payload URL").fill("https://10.0.0.8/hook")
    page.get_by_label("Description").fill("Release notifier")
    page.get_by_label("A version went online").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator(".field-invalid")).to_contain_text("public internet")
    expect(page.get_by_label("Description")).to_have_value("Release notifier")
    expect(page.get_by_label("A version went online")).to_be_checked()
    shoot(page, screenshot_dir, "form-error")

    # Added: the secret is shown once, with a copy button.
    page.get_by_label("Payload URL").fill(receiver.url())
    page.get_by_label("A release was approved").check()
    page.get_by_role("button", name="Add endpoint").click()
    box = page.locator(".secret-box")
    expect(box).to_contain_text("you won't see it again")
    secret = box.locator(".copy-button").get_attribute("data-copy")
    assert secret and secret.startswith("whsec_")
    shoot(page, screenshot_dir, "created")

    # Send a test event: delivered, and the receiver can check the signature.
    page.get_by_role("button", name="Send test event").click()
    expect(page.locator(".flash-success")).to_contain_text("Test event queued")
    log = page.locator("section", has=page.get_by_role("heading", name="Recent deliveries"))
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log).to_contain_text("Delivered")
    expect(log).to_contain_text("HTTP 200")
    [request] = receiver.requests
    signed = request.headers["X-MPP-Timestamp"].encode() + b"." + request.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert request.headers["X-MPP-Signature"] == f"sha256={expected}"
    expect(page.locator(".secret-box")).to_have_count(0)  # never shown again
    shoot(page, screenshot_dir, "detail")

    # The delivery: payload and outcome.
    log.get_by_role("link", name="ping").click()
    expect(page.get_by_role("heading", name="Payload")).to_be_visible()
    expect(page.locator("pre.code-block")).to_contain_text('"event": "ping"')
    shoot(page, screenshot_dir, "delivery")
    page.get_by_role("link", name="Back to the endpoint").click()

    # The list shows the endpoint and its last delivery.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Webhooks").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Delivered")
    shoot(page, screenshot_dir, "list")

    # Rotate the secret: the dialog says what happens; a new secret, shown once.
    page.locator("tbody a").first.click()
    dialog = page.locator("dialog.confirm-dialog")
    page.get_by_role("button", name="Rotate secret").click()
    expect(dialog).to_contain_text("your server refuses them until it has it")
    page.screenshot(path=screenshot_dir / "webhooks-rotate-dialog-1440.png")
    dialog.get_by_role("button", name="Rotate secret").click()
    new = page.locator(".secret-box .copy-button").get_attribute("data-copy")
    assert new and new.startswith("whsec_") and new != secret

    # Delete it through the dialog.
    page.get_by_role("button", name="Delete endpoint").click()
    expect(dialog).to_contain_text("its delivery log is deleted")
    dialog.get_by_role("button", name="Delete endpoint").click()
    expect(page.locator(".flash-success")).to_contain_text("deleted")
    expect(page.get_by_role("heading", name="No webhook endpoints yet")).to_be_visible()
