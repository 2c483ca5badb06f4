"""The main journey in a real browser: sign in with a demo account and reach the dashboard."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from console import demo

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_signs_in_and_sees_the_acme_dashboard(page, screenshot_dir):
    call_command("seed_demo", stdout=StringIO())

    page.goto("/accounts/login/")
    expect(page.locator("input[name=username]")).to_be_visible()
    page.screenshot(path=screenshot_dir / "login.png", full_page=True)

    page.fill("input[name=username]", "owner@example.com")
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/w/acme/$"))
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.get_by_text("Acme Super App").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)
    assert (screenshot_dir / "dashboard.png").stat().st_size > 0
