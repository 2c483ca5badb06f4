"""What the console shows of the runtime API: the endpoint and the signing key on the host app
page (a browser at desktop and phone widths), and the runtime operation in the API schema."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from releases.runtime import signing
from releases.tests.runtime_world import RESOLVE
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import DEFAULT_PASSWORD, MembershipFactory

SHOTS = Path(os.environ.get("MPP_SHOTS", "/work/helpers/shots"))


def test_the_host_app_page_shows_the_endpoint_and_the_public_key(client, owner):
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    client.force_login(owner.user)
    page = client.get(
        reverse("workspaces:host-app-detail", args=[owner.workspace.slug, app.pk])
    ).content.decode()
    key = signing.signing_key()
    assert "Runtime API" in page
    assert key.public_b64 in page and key.key_id in page
    assert "/runtime/v1/resolve" in page


def test_the_schema_documents_resolve_with_its_errors_and_the_public_key(client):
    document = client.get("/api/schema/", {"format": "json"}).json()
    operation = document["paths"][RESOLVE]["post"]
    assert {"200", "304", "400", "401", "413", "415"} <= set(operation["responses"])
    assert signing.signing_key().public_b64 in operation["description"]
    assert operation["security"] == [{"runtimeAppKey": [], "runtimeSecret": []}]
    headers = operation["responses"]["200"]["headers"]
    assert {"X-MPP-Signature", "X-MPP-Key-Id", "ETag"} <= set(headers)


@pytest.mark.services
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_the_runtime_panel_reads_at_desktop_and_phone_widths(chromium_browser, live_server, width):
    owner = MembershipFactory(role="owner", workspace__kind="tenant", workspace__slug="acme")
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", owner.user.email)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/w/acme/$"))
        page.goto(reverse("workspaces:host-app-detail", args=["acme", app.pk]))
        panel = page.locator("[data-runtime-api]")
        expect(panel).to_be_visible()
        expect(panel.locator("[data-runtime-public-key] pre code")).to_have_text(
            signing.signing_key().public_b64
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"runtime-host-app-{width}.png"), full_page=True)
        width_now = page.evaluate("window.innerWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width_now
    finally:
        context.close()
