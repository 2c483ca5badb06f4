"""The Development tab's Keys and Environment variables sections in a real browser, at desktop
and phone widths: variables edited with a refused row kept, the AppSecret generated and shown
once in a modal dialog that says so (gone after closing and after a reload), then frozen
through the confirmation dialog."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from miniprograms.secrets.models import AppSecret
from miniprograms.tests.factories import create_miniprogram
from workspaces import keys
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory

SHOTS = Path(os.environ.get("MPP_SHOTS", "/work/helpers/shots"))


def shot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    # Nothing wider than the window: tables scroll inside their card, never the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_variables_and_the_appsecret_journey(chromium_browser, live_server, width):
    owner = MembershipFactory(role="owner", workspace__kind="tenant", workspace__slug="acme")
    wallet, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    shop = create_miniprogram(owner, name="Coffee Corner", host_app_ids=[wallet.pk])
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", owner.user.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/w/acme/$"))

        # --- environment variables -----------------------------------------------------------
        page.goto(reverse("miniprograms:dev-variables", args=["acme", shop.app_id]))
        expect(page.locator("[data-environment]")).to_have_count(4)
        shot(page, "envvars-empty", width)
        page.get_by_role("link", name="Edit the Production variables").click()
        page.fill("#id_key_1", "API_BASE_URL")
        page.fill("#id_value_1", "https://api.coffee.example")
        page.fill("#id_key_2", "bad key")
        page.fill("#id_value_2", "kept")
        page.get_by_role("button", name="Save variables").click()
        expect(page.locator(".form-errors")).to_contain_text("Nothing was saved")
        expect(page.locator("#id_key_2")).to_have_value("bad key")
        expect(page.locator("#id_value_1")).to_have_value("https://api.coffee.example")
        shot(page, "envvars-edit-error", width)
        page.fill("#id_key_2", "MODE")
        page.get_by_role("button", name="Save variables").click()
        production = page.locator("#env-production")
        expect(production).to_contain_text("https://api.coffee.example")
        expect(production).to_contain_text("2 / 5")
        shot(page, "envvars-list", width)

        # --- the AppSecret: empty state, generate, shown once --------------------------------
        page.get_by_role("link", name="Keys").click()
        expect(page.locator("[data-appsecret]")).to_contain_text("No AppSecret yet")
        shot(page, "secrets-keys-empty", width)
        page.get_by_role("button", name="Generate AppSecret").click()
        dialog = page.locator("dialog[data-secret-dialog]")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("This is the only time it is shown.")
        secret = dialog.locator("[data-new-secret] code").inner_text().strip()
        assert keys.keyed_hash_matches(secret, AppSecret.objects.get().secret_hash)
        assert page.evaluate(
            "document.querySelector('dialog[data-secret-dialog]').matches(':modal')"
        )
        shot(page, "secrets-keys-shown-once", width)
        page.get_by_role("button", name="I have copied it").click()
        expect(page.locator("dialog[data-secret-dialog]")).to_have_count(0)
        assert secret not in page.content()
        page.reload()  # a plain GET of the Keys page, never a second generate
        assert secret not in page.content()
        expect(page.locator("[data-appsecret]")).to_have_attribute("data-state", "active")
        assert AppSecret.objects.get().generated_at is not None

        # --- freeze through the confirmation dialog ------------------------------------------
        page.get_by_role("button", name="Freeze").click()
        confirm = page.locator("[data-confirm-dialog]")
        expect(confirm).to_contain_text("Freeze the AppSecret?")
        confirm.get_by_role("button", name="Freeze").click()
        expect(page.locator("[data-appsecret]")).to_have_attribute("data-state", "frozen")
        assert AppSecret.objects.get().is_frozen
        shot(page, "secrets-keys-frozen", width)
        # The usage notes (curl examples) scroll inside their block on a phone.
        page.get_by_text("How your app and backend use it").click()
        expect(page.locator(".keys-usage pre").first).to_be_visible()
        shot(page, "secrets-keys-usage", width)
    finally:
        context.close()
