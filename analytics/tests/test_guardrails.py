# ruff: noqa: F811  (the `world` fixture is imported from the grayscale page tests)
"""Guardrails of grayscale tasks (issue 15, SPEC §12): the cohort against the online version.

The test itself on hand-computed numbers (boundaries of samples, margin and z); then a real
task: a regressing cohort suspends its task (audited with the numbers, announced by webhook and
email), a healthy one keeps delivering and its staged schedule advances while a regressing one
holds; a resume does not judge the same events twice; the task page shows cohort against online;
the settings (Owner/Admin only, validated, audited).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from analytics.guardrails import services as guardrails
from analytics.guardrails.evaluate import Side, compare
from analytics.models import Event, Guardrail
from analytics.partitions import partitions_ensure_days
from releases.grayscale import services as grayscale
from releases.grayscale.models import GrayscaleTask
from releases.tests.test_views_grayscale import make_task, world  # noqa: F401  (a fixture)
from workspaces.models import AuditEvent

pytestmark = pytest.mark.django_db

G = GrayscaleTask.State
ONE = Decimal("1")


# --- the test, by hand -------------------------------------------------------------------------


def test_a_clearly_worse_cohort_is_worse_with_the_hand_computed_z():
    # 15 % of 200 against 5 % of 2,000: pooled 130/2,200; z = 0.10 / 0.017487 = 5.72
    result = compare("jsapi_failure", Side(30, 200), Side(100, 2000), margin=ONE, min_samples=100)
    assert result.verdict == "worse"
    assert result.z == pytest.approx(5.718, abs=0.01)
    assert "15.00 % in the cohort (30 of 200) against 5.00 % online (100 of 2,000)" in (
        result.sentence()
    )


def test_too_few_samples_on_either_side_decide_nothing():
    worse = {"margin": ONE, "min_samples": 100}
    assert compare("blank_screen", Side(50, 99), Side(10, 5000), **worse).verdict == "too_few"
    assert compare("blank_screen", Side(50, 100), Side(1, 99), **worse).verdict == "too_few"
    assert compare("blank_screen", Side(50, 100), Side(10, 5000), **worse).verdict == "worse"


def test_a_significant_difference_within_the_margin_is_not_worse():
    # 5.9 % against 5.0 % on a million each: z ≈ 29, but 0.9 points ≤ the 1-point margin
    result = compare(
        "http_exception",
        Side(59_000, 1_000_000),
        Side(50_000, 1_000_000),
        margin=ONE,
        min_samples=100,
    )
    assert result.z is not None and result.z > 20
    assert result.verdict == "ok"
    result = compare(
        "http_exception",
        Side(61_000, 1_000_000),
        Side(50_000, 1_000_000),
        margin=ONE,
        min_samples=100,
    )
    assert result.verdict == "worse"  # 1.1 points


def test_a_large_difference_on_small_samples_below_z_3_is_not_worse():
    # 8 of 100 against 3 of 100: 5 points, but z = 0.05 / 0.0292 = 1.55
    result = compare("startup_failure", Side(8, 100), Side(3, 100), margin=ONE, min_samples=100)
    assert result.z == pytest.approx(1.55, abs=0.01)
    assert result.verdict == "ok"


def test_a_better_cohort_is_never_worse():
    result = compare("slow_startup", Side(0, 500), Side(100, 500), margin=ONE, min_samples=100)
    assert result.verdict == "ok" and result.z is not None and result.z < 0


# --- a real task ----------------------------------------------------------------------------------


def add_events(world, *, version: str, at: datetime, **counts: int) -> None:
    """``counts``: jsapi=(calls), jsapi_failed=…, launches=…, blank=…, startups=…, slow=…"""
    partitions_ensure_days([at.date(), (at - timedelta(hours=1)).date()])
    base = {
        "app_id": world.mp.app_id,
        "host_app_id": world.wallet.pk,
        "environment": world.target.environment,
        "version": version,
        "device_id": "d",
    }
    rows = []

    def add(n: int, **fields) -> None:
        for i in range(n):
            rows.append(
                Event(
                    occurred_at=at - timedelta(seconds=1 + i % 600),
                    event_id=uuid.uuid4(),
                    **base,
                    **fields,
                )
            )

    failed = counts.get("jsapi_failed", 0)
    add(counts.get("jsapi", 0) - failed, type="jsapi_call", name="tradePay", success=True)
    add(failed, type="jsapi_call", name="tradePay", success=False)
    add(counts.get("launches", 0), type="launch")
    add(counts.get("blank", 0), type="blank_screen")
    Event.objects.bulk_create(rows)


@pytest.fixture
def delivering(world):
    task = make_task(world)
    grayscale.grayscale_tick()
    task.refresh_from_db()
    assert task.state == G.DELIVERING
    return task


def test_a_regressing_cohort_suspends_its_task_and_says_why(
    world,
    delivering,
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    add_events(world, version="1.1.0", at=now, jsapi=200, jsapi_failed=30)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=100)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = guardrails.guardrails_check(now=now)
    assert counts == {"checked": 1, "suspended": 1}
    delivering.refresh_from_db()
    assert delivering.state == G.SUSPENDED
    guardrail = Guardrail.objects.get(task=delivering)
    assert (guardrail.tripped_metric, guardrail.holding) == ("jsapi_failure", False)
    assert "JSAPI failure rate: 15.00 % in the cohort (30 of 200)" in guardrail.tripped_note
    record = AuditEvent.objects.filter(verb="grayscale.suspended").get()
    assert record.actor_id is None and "JSAPI failure rate" in record.after["note"]
    subjects = {m.subject for m in mail.outbox}
    assert any("Grayscale suspended by its guardrails" in s for s in subjects), subjects
    body = next(m.body for m in mail.outbox if "suspended" in m.subject)
    assert "15.00 %" in body and f"/targets/{world.target.pk}/grayscale/{delivering.pk}/" in body
    # a second pass changes nothing more
    assert guardrails.guardrails_check(now=now) == {"checked": 0, "suspended": 0}


def test_a_healthy_cohort_keeps_delivering(world, delivering):
    now = timezone.now()
    add_events(world, version="1.1.0", at=now, jsapi=400, jsapi_failed=20, launches=300, blank=3)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=100, launches=900, blank=9)
    assert guardrails.guardrails_check(now=now) == {"checked": 1, "suspended": 0}
    delivering.refresh_from_db()
    assert delivering.state == G.DELIVERING
    guardrail = Guardrail.objects.get(task=delivering)
    verdicts = {r["metric"]: r["verdict"] for r in guardrail.results}
    assert verdicts == {
        "jsapi_failure": "ok",
        "http_exception": "too_few",
        "startup_failure": "too_few",
        "slow_startup": "too_few",
        "blank_screen": "ok",
    }
    assert guardrail.holding and guardrail.tripped_at is None


def test_events_outside_the_window_or_of_another_version_do_not_count(world, delivering):
    now = timezone.now()
    add_events(world, version="1.1.0", at=now - timedelta(minutes=31), jsapi=200, jsapi_failed=90)
    add_events(world, version="0.9.0", at=now, jsapi=200, jsapi_failed=90)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=100)
    assert guardrails.guardrails_check(now=now)["suspended"] == 0
    results = {r["metric"]: r for r in Guardrail.objects.get(task=delivering).results}
    assert results["jsapi_failure"]["cohort_total"] == 0


def test_switched_off_guardrails_never_suspend(world, delivering):
    guardrails.guardrail_update(
        actor=world.owner, task=delivering, enabled=False, margin_points="1", min_samples="100"
    )
    now = timezone.now()
    add_events(world, version="1.1.0", at=now, jsapi=200, jsapi_failed=100)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=10)
    assert guardrails.guardrails_check(now=now) == {"checked": 0, "suspended": 0}
    delivering.refresh_from_db()
    assert delivering.state == G.DELIVERING


def test_after_a_resume_the_events_that_tripped_it_are_not_judged_again(world, delivering):
    now = timezone.now()
    add_events(world, version="1.1.0", at=now, jsapi=200, jsapi_failed=30)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=100)
    assert guardrails.guardrails_check(now=now)["suspended"] == 1
    grayscale.grayscale_task_resume(actor=world.owner, task_id=delivering.pk)
    later = now + timedelta(minutes=5)
    assert guardrails.guardrails_check(now=later) == {"checked": 1, "suspended": 0}
    delivering.refresh_from_db()
    assert delivering.state == G.DELIVERING


def test_a_staged_schedule_advances_only_while_the_guardrails_hold(world):
    task = make_task(world, schedule=[[1, 1], [25, 2], [100, 0]])
    grayscale.grayscale_tick()
    task.refresh_from_db()
    start = task.step_started_at
    due = start + timedelta(hours=1, minutes=1)
    add_events(world, version="1.1.0", at=due, jsapi=200, jsapi_failed=30)
    add_events(world, version="1.0.0", at=due, jsapi=2000, jsapi_failed=100)
    assert grayscale.grayscale_tick(now=due)["advanced"] == 0  # held: the cohort does worse
    task.refresh_from_db()
    assert task.schedule_step == 0
    # the same cohort, healthy an hour later: the schedule moves on
    healthy = due + timedelta(hours=1)
    add_events(world, version="1.1.0", at=healthy, jsapi=400, jsapi_failed=20)
    add_events(world, version="1.0.0", at=healthy, jsapi=2000, jsapi_failed=100)
    assert grayscale.grayscale_tick(now=healthy)["advanced"] == 1
    task.refresh_from_db()
    assert (task.schedule_step, task.percentage) == (1, Decimal(25))


# --- the page and the settings -----------------------------------------------------------------


def task_url(world, task) -> str:
    return reverse(
        "releases:grayscale-task",
        args=[world.merchant.slug, world.mp.app_id, world.target.pk, task.pk],
    )


def settings_url(world, task, slug=None) -> str:
    return reverse(
        "analytics:guardrail",
        args=[slug or world.merchant.slug, world.mp.app_id, world.target.pk, task.pk],
    )


def test_the_task_page_shows_cohort_against_online(client, world, delivering):
    now = timezone.now()
    add_events(world, version="1.1.0", at=now, jsapi=200, jsapi_failed=30)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=100)
    client.force_login(world.owner.user)
    html = client.get(task_url(world, delivering)).content.decode()
    assert "data-guardrails" in html and "data-guardrail-form" in html
    assert "15.00 %" in html and "5.00 %" in html and "5.72" in html
    client.force_login(world.people["developer"].user)
    html = client.get(task_url(world, delivering)).content.decode()
    assert "data-guardrails" in html and "data-guardrail-form" not in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 302), ("admin", 302), ("reviewer", 403), ("developer", 403), ("outsider", 404)],
)
def test_who_may_change_the_guardrails(client, world, delivering, who, status):
    client.force_login(world.people[who].user)
    response = client.post(
        settings_url(world, delivering),
        {"enabled": "on", "margin_points": "2.5", "min_samples": "300"},
    )
    assert response.status_code == status
    changed = Guardrail.objects.filter(task=delivering, margin_points=Decimal("2.5")).exists()
    assert changed is (status == 302)
    if status == 302:
        assert AuditEvent.objects.filter(verb="grayscale.guardrail").count() == 1


def test_the_host_tenant_cannot_change_the_guardrails(client, world, delivering):
    client.force_login(world.people["host"].user)
    response = client.post(
        settings_url(world, delivering, slug=world.tenant.slug),
        {"enabled": "on", "margin_points": "2", "min_samples": "300"},
    )
    assert response.status_code == 403
    assert not Guardrail.objects.filter(task=delivering).exists()


@pytest.mark.parametrize(
    ("margin", "samples", "message"),
    [
        ("lots", "100", "Give the margin as a number of percentage points"),
        ("51", "100", "Give a margin from 0 to 50 percentage points."),
        ("1", "10", "below 30 samples the test says nothing"),
        ("1", "many", "Give a whole number from 30 to 1,000,000."),
    ],
)
def test_bad_settings_are_refused_with_a_message(
    client, world, delivering, margin, samples, message
):
    client.force_login(world.owner.user)
    response = client.post(
        settings_url(world, delivering),
        {"enabled": "on", "margin_points": margin, "min_samples": samples},
        follow=True,
    )
    assert message in response.content.decode()
    assert not Guardrail.objects.filter(task=delivering).exists()


# --- the API --------------------------------------------------------------------------------------


def api_url(world, task) -> str:
    return (
        f"/api/v1/workspaces/{world.merchant.slug}/miniprograms/{world.mp.app_id}/targets/"
        f"{world.target.pk}/grayscale/{task.pk}/guardrail"
    )


def test_the_api_shows_the_guardrails_and_changes_them(world, delivering):
    from rest_framework.test import APIClient

    now = timezone.now()
    add_events(world, version="1.1.0", at=now, jsapi=200, jsapi_failed=30)
    add_events(world, version="1.0.0", at=now, jsapi=2000, jsapi_failed=100)
    api = APIClient()
    api.force_authenticate(world.people["developer"].user)
    body = api.get(api_url(world, delivering)).json()
    assert (body["enabled"], body["margin_points"], body["min_samples"]) == (True, "1.00", 100)
    jsapi = next(c for c in body["now"] if c["metric"] == "jsapi_failure")
    assert (jsapi["cohort_bad"], jsapi["cohort_total"], jsapi["verdict"]) == (30, 200, "worse")
    change = {"enabled": False, "margin_points": "2.5", "min_samples": 300}
    assert api.put(api_url(world, delivering), change, format="json").status_code == 403
    api.force_authenticate(world.owner.user)
    answer = api.put(api_url(world, delivering), change, format="json")
    assert answer.status_code == 200
    assert (answer.json()["enabled"], answer.json()["margin_points"]) == (False, "2.50")
    assert Guardrail.objects.get(task=delivering).min_samples == 300
    bad = api.put(api_url(world, delivering), {**change, "min_samples": 5}, format="json")
    assert bad.status_code == 400 and "min_samples" in bad.json()["error"]["fields"]
