"""``analytics_demo``: the demo's 30 days go through ingestion and the rollup, and running it
twice changes nothing (fixed event ids, upserted rollups); raw events past 3 days are gone."""

from __future__ import annotations

import io
from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.models import DailyRollup, Event
from analytics.partitions import retention_cutoff
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

FIGURES = ("pv", "uv", "uv_previous", "visits", "total_users", "jsapi_calls", "jsapi_successes")


def snapshot() -> list[tuple]:
    return list(
        DailyRollup.objects.order_by("app_id", "host_app_id", "version", "day").values_list(
            "app_id", "host_app_id", "version", "day", *FIGURES
        )
    )


@pytest.mark.django_db(transaction=True)
def test_the_demo_rolls_up_every_day_and_a_second_run_changes_nothing():
    tenant = WorkspaceFactory(kind="tenant", slug="acme")
    owner = MembershipFactory(workspace=tenant, role="owner")
    wallet, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    mall = create_miniprogram(owner, name="Acme Mall", host_app_ids=[wallet.pk])
    other = WorkspaceFactory(kind="tenant", slug="other")
    other_owner = MembershipFactory(workspace=other, role="owner")
    other_app, _ = host_app_create(actor=other_owner, name="Other", platforms={"ios": "o.o"})
    untouched = create_miniprogram(other_owner, name="Not in the demo", host_app_ids=[other_app.pk])

    out = io.StringIO()
    call_command("analytics_demo", days=6, workspace=["acme"], stdout=out)
    assert "events sent" in out.getvalue()
    first = snapshot()
    today = timezone.now().astimezone(UTC).date()
    days = sorted({row[3] for row in first})
    assert days == [today - timedelta(days=n) for n in range(6, 0, -1)]  # T+1: up to yesterday
    assert {row[0] for row in first} == {mall.app_id}
    assert not DailyRollup.objects.filter(app_id=untouched.app_id).exists()
    every = DailyRollup.objects.filter(
        app_id=mall.app_id, host_app_id=DailyRollup.ALL_HOST_APPS, version=DailyRollup.ALL
    ).order_by("day")
    assert all(r.pv > 0 and r.uv > 0 and r.visits > 0 for r in every)
    assert all(r.jsapi_calls >= r.jsapi_successes for r in every)
    totals = [r.total_users for r in every]
    assert totals == sorted(totals) and totals[-1] == sum(r.visits for r in every)
    assert {r.version for r in DailyRollup.objects.filter(host_app_id=wallet.pk)} >= {"*", "1.0.0"}
    assert not Event.objects.filter(occurred_at__lt=retention_cutoff()).exists()
    kept = Event.objects.count()
    assert kept > 0  # the last 3 days stay for the real-time pages

    call_command("analytics_demo", days=6, workspace=["acme"], stdout=io.StringIO())
    assert snapshot() == first
    assert Event.objects.count() == kept
