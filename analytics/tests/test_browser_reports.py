"""The Analytics tab and the workspace Analytics page in a real browser at 1440 and 390 px: the
owner signs in, opens a mini program, its Analytics tab, sees the charts and the numbers, picks
another range, downloads the Excel export (a valid workbook), then opens the workspace page and
sorts it. No page scrolls sideways. Screenshots: /work/helpers/shots/analytics-*-<width>.png
(else var/screenshots/)."""

from __future__ import annotations

import io
import math
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from analytics.tests.test_reports import rollup, yesterday
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}
SHOTS = Path("/work/helpers/shots")


def sign_in(page: Page, email: str, slug: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/w/{slug}/$"))


def shot(page: Page, name: str, width: str, screenshot_dir: Path) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    ), f"{name} scrolls sideways at {width} px"
    folder = SHOTS if SHOTS.is_dir() else screenshot_dir
    page.screenshot(path=str(folder / f"analytics-{name}-{width}.png"), full_page=True)


@pytest.fixture
def world():
    """Acme's "Acme Mall" with 40 days of figures (weekly pattern, growth, a bad JSAPI day)
    and two other mini programs with yesterday's figures."""
    tenant = WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")
    owner = MembershipFactory(
        workspace=tenant, role="owner", user=UserFactory(email="olga@acme.example")
    )
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    mall = create_miniprogram(owner, name="Acme Mall", host_app_ids=[wallet.pk])
    last = yesterday()
    total = 0
    previous = None
    for n in range(39, -1, -1):
        day = last - timedelta(days=n)
        weekend = 1.3 if day.weekday() >= 5 else 1.0
        uv = round((200 + 4 * (39 - n)) * weekend + 15 * math.sin(n))
        visits = round(uv * 1.3)
        total += visits
        calls = uv * 3
        rollup(
            mall.app_id,
            day,
            pv=uv * 4,
            uv=uv,
            uv_previous=previous,
            visits=visits,
            total_users=total,
            favorites_added=uv // 20,
            favorites_removed=uv // 60,
            search_users=uv // 8,
            startups=visits,
            startup_successes=visits - visits // 40,
            startup_duration_ms_sum=visits * 430,
            jsapi_calls=calls,
            jsapi_successes=calls - (calls // 6 if n == 9 else calls // 50),
            http_requests=uv * 2,
            http_exceptions=uv // 70,
            blank_screens=1 if n % 5 == 0 else 0,
        )
        previous = uv
    for name, pv in (("Acme Parking", 120), ("极速外卖", 860)):
        other = create_miniprogram(owner, name=name, host_app_ids=[wallet.pk])
        rollup(other.app_id, last, pv=pv, uv=pv // 3, uv_previous=pv // 4)
    return mall


@pytest.mark.parametrize("width", list(SIZES))
def test_open_the_charts_export_them_and_compare_mini_programs(
    page: Page, world, screenshot_dir, width
):
    page.set_viewport_size(SIZES[width])
    sign_in(page, "olga@acme.example", "acme")
    page.goto(f"/w/acme/miniprograms/{world.app_id}/")
    page.get_by_role("navigation", name="Mini program sections").get_by_role(
        "link", name="Analytics"
    ).click()
    page.wait_for_url(re.compile(rf"/miniprograms/{world.app_id}/analytics/$"))
    expect(page.locator("svg[data-chart=pv]")).to_be_visible()
    expect(page.locator("[data-card=uv] [data-dod]")).to_contain_text("%")
    expect(page.locator("[data-series=pv] tbody tr")).to_have_count(30)
    shot(page, "overview", width, screenshot_dir)

    page.locator("label.an-range-option", has_text="7 days").click()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"days=7"))
    expect(page.locator("[data-series=uv] tbody tr")).to_have_count(7)
    expect(page.locator("svg[data-chart=jsapi] rect.is-bad").first).to_be_attached()

    with page.expect_download() as info:
        page.locator("[data-export]").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames[:3] == ["Summary", "PV", "UV"]
    pv_rows = list(book["PV"].iter_rows(min_row=2, values_only=True))
    assert len(pv_rows) == 7 and all(isinstance(r[2], int) and r[2] > 0 for r in pv_rows)

    page.goto("/w/acme/")
    page.locator("[data-nav-analytics]").first.click() if width == "1440" else page.goto(
        "/w/acme/analytics/"
    )
    page.wait_for_url(re.compile(r"/w/acme/analytics/"))
    rows = page.locator("[data-visits] tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Acme Mall")
    shot(page, "workspace", width, screenshot_dir)
    page.get_by_role("link", name=re.compile(r"^PV")).click()
    page.wait_for_url(re.compile(r"order=pv"))
    expect(rows.first).to_contain_text("Acme Parking")
