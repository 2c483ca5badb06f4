"""The Excel export (issue 14): opened with openpyxl, its numbers checked against the rollup rows
they come from; per-version rows for one host app; a host tenant's sum of its own host apps."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse

from analytics.tests.test_reports import rollup, yesterday
from miniprograms.tests.factories import create_miniprogram
from miniprograms.tests.hosted import hosted_world
from workspaces.services.hostapps import host_app_create

SHEETS = [
    "Summary",
    "PV",
    "UV",
    "DoD",
    "Total Users",
    "Favorites",
    "Search users",
    "Start-ups",
    "JSAPI",
    "HTTP",
    "Blank screens",
]


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def values(sheet) -> list[list]:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [[c.date() if isinstance(c, datetime) else c for c in r] for r in rows]


def summary(book) -> dict:
    return {label: value for label, value in book["Summary"].iter_rows(values_only=True) if label}


@pytest.fixture
def shop(owner):
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    return create_miniprogram(owner, name="Acme Shop", host_app_ids=[wallet.pk]), wallet


@pytest.mark.django_db
def test_the_export_has_a_summary_and_a_sheet_per_series_with_the_rows_numbers(client, owner, shop):
    mp, _wallet = shop
    last = yesterday()
    before = last - timedelta(days=1)
    rollup(
        mp.app_id,
        before,
        pv=80,
        uv=40,
        visits=50,
        total_users=500,
        jsapi_calls=20,
        jsapi_successes=20,
    )
    rollup(
        mp.app_id,
        last,
        pv=120,
        uv=50,
        uv_previous=40,
        visits=60,
        total_users=560,
        favorites_added=5,
        favorites_removed=1,
        search_users=7,
        startups=60,
        startup_successes=57,
        startup_duration_ms_sum=27000,
        jsapi_calls=200,
        jsapi_successes=190,
        http_requests=100,
        http_exceptions=3,
        blank_screens=2,
    )
    rollup(mp.app_id, last - timedelta(days=30), pv=999)  # outside 7 days
    rollup(mp.app_id, last, env="sandbox", pv=5)  # another environment
    client.force_login(owner.user)
    url = reverse("analytics:export", args=[owner.workspace.slug, mp.app_id])
    book = workbook(client.get(url + "?days=7"))
    assert book.sheetnames == SHEETS
    head = summary(book)
    assert head["Mini program"] == "Acme Shop" and head["App ID"] == mp.app_id
    assert head["Days"] == 7 and head["Host app"] == "All host apps"
    assert head["Environment"] == "Production"
    assert head["First day (UTC)"].date() == last - timedelta(days=6)
    assert head["Last day (UTC)"].date() == last
    assert head["PV"] == 200 and head["Total Users on the last day"] == 560
    assert head["JSAPI calls"] == 220 and head["JSAPI success rate"] == pytest.approx(
        210 / 220, abs=1e-4
    )
    assert values(book["PV"]) == [
        ["Date", "Version", "PV"],
        [before, "All versions", 80],
        [last, "All versions", 120],
    ]
    assert values(book["DoD"])[2] == [last, "All versions", 50, 40, 0.25]
    assert values(book["DoD"])[1][3:] == [None, None]
    assert values(book["Favorites"])[2][2:] == [5, 1, 4]
    assert values(book["Start-ups"])[2][2:] == [60, 57, 0.95, 450]
    assert values(book["JSAPI"])[2][2:] == [200, 190, 0.95]
    assert values(book["HTTP"])[2][2:] == [100, 3, 0.03]
    assert values(book["Blank screens"])[2][2:] == [60, 2, 0.0333]
    assert book["DoD"]["E3"].number_format == "0.0%"
    sandbox = workbook(client.get(url + "?days=1&env=sandbox"))
    assert values(sandbox["PV"])[1:] == [[last, "All versions", 5]]


@pytest.mark.django_db
def test_one_host_app_exports_every_version_after_the_total(client, owner, shop):
    mp, wallet = shop
    last = yesterday()
    rollup(mp.app_id, last, host=wallet.pk, pv=30)
    rollup(mp.app_id, last, host=wallet.pk, version="1.10.0", pv=10)
    rollup(mp.app_id, last, host=wallet.pk, version="1.9.0", pv=20)
    rollup(mp.app_id, last, pv=1000)
    client.force_login(owner.user)
    url = reverse("analytics:export", args=[owner.workspace.slug, mp.app_id])
    book = workbook(client.get(url + f"?days=1&host={wallet.pk}"))
    assert summary(book)["Host app"] == "Acme Wallet"
    assert values(book["PV"])[1:] == [
        [last, "All versions", 30],
        [last, "1.10.0", 10],
        [last, "1.9.0", 20],
    ]


@pytest.mark.django_db
def test_a_host_tenant_exports_its_own_host_apps_figures_only(client):
    world = hosted_world()
    last = yesterday()
    rollup(world.coffee.app_id, last, pv=900)
    rollup(world.coffee.app_id, last, host=world.wallet.pk, pv=300)
    rollup(world.coffee.app_id, last, host=world.lite.pk + 777, pv=600)
    client.force_login(world.team["admin"].user)
    url = reverse("analytics:export", args=[world.tenant.slug, world.coffee.app_id])
    book = workbook(client.get(url + "?days=1"))
    assert values(book["PV"])[1:] == [[last, "All versions", 300]]
    assert summary(book)["Host app"].startswith("All of your host apps")
