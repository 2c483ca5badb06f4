"""Alerts (issue 15): each rule fires exactly past its threshold with more than its minimum
samples, the window and the grain, rule overrides, the state door (history, re-runs), the
cool-down, mute and acknowledge, and the notifications (email with the chart link, webhook to a
real local receiver). Hand-made event sets go straight into ``analytics_event``."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from analytics.alerts.evaluate import alerts_evaluate, window_figures
from analytics.alerts.models import Alert, AlertChange, AlertRule, Metric
from analytics.alerts.services import (
    alert_acknowledge,
    alert_mute,
    alert_rule_reset,
    alert_rule_save,
    alert_unmute,
)
from analytics.alerts.tasks import alerts_evaluate_task
from analytics.models import Event
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from workspaces.models import AuditEvent, WebhookDelivery
from workspaces.services.hostapps import host_app_create
from workspaces.services.webhooks import webhook_endpoint_create
from workspaces.tests.factories import MembershipFactory
from workspaces.tests.webhook_receiver import start_receiver

pytestmark = pytest.mark.django_db

M = Metric


@pytest.fixture
def now() -> datetime:
    # A fixed minute of today (the raw tables keep 3 days; partitions exist around today).
    return timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def wallet(owner):
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    return app


@pytest.fixture
def lite(owner):
    app, _secret = host_app_create(actor=owner, name="Acme Lite", platforms={"ios": "a.l"})
    return app


@pytest.fixture
def shop(owner, wallet, lite):
    return create_miniprogram(owner, name="Acme Shop", host_app_ids=[wallet.pk, lite.pk])


def events(
    shop,
    host,
    type_: str,
    n: int,
    *,
    now: datetime,
    ago: timedelta = timedelta(minutes=10),
    environment: str = "production",
    **fields,
) -> list[Event]:
    when = now - ago
    return [
        Event(
            occurred_at=when + timedelta(microseconds=i),
            event_id=uuid.uuid4(),
            host_app_id=host.pk,
            app_id=shop.app_id,
            environment=environment,
            version="1.0.0",
            device_id=f"phone-{i}",
            type=type_,
            **fields,
        )
        for i in range(n)
    ]


def insert(*groups: list[Event]) -> None:
    Event.objects.bulk_create([e for group in groups for e in group])


def jsapi(shop, host, ok: int, failed: int, now: datetime, **kw) -> list[Event]:
    return events(shop, host, "jsapi_call", ok, now=now, name="scan", success=True, **kw) + events(
        shop, host, "jsapi_call", failed, now=now, name="scan", success=False, **kw
    )


def http(shop, host, ok: int, bad: list[int], now: datetime) -> list[Event]:
    found = events(shop, host, "http_request", ok, now=now, domain="a.example", status_code=200)
    for code in bad:
        found += events(
            shop, host, "http_request", 1, now=now, domain="a.example", status_code=code
        )
    return found


def startups(shop, host, ok: int, failed: int, now: datetime, duration: int = 100) -> list[Event]:
    return events(shop, host, "startup", ok, now=now, success=True, duration_ms=duration) + events(
        shop, host, "startup", failed, now=now, success=False, duration_ms=duration
    )


def durations(shop, host, values: list[int], now: datetime) -> list[Event]:
    found = []
    for value in values:
        found += events(shop, host, "startup", 1, now=now, success=True, duration_ms=value)
    return found


def launches(shop, host, n: int, blank: int, now: datetime) -> list[Event]:
    return events(shop, host, "launch", n, now=now, page="pages/index") + events(
        shop, host, "blank_screen", blank, now=now, page="pages/index"
    )


def firing(shop, metric: str | None = None) -> list[tuple[str, str]]:
    qs = Alert.objects.filter(miniprogram=shop, state=Alert.State.FIRING)
    if metric:
        qs = qs.filter(metric=metric)
    return sorted((a.metric, a.host_app.name) for a in qs.select_related("host_app"))


# --- each rule at its threshold and sample size -----------------------------------------------


def test_jsapi_success_rate_fires_below_95_percent_only_past_50_calls(shop, wallet, lite, now):
    # 50 calls, 40 successes (80 %): not enough samples.  51 calls, 48 successes (94.1 %): fires.
    insert(jsapi(shop, wallet, 40, 10, now), jsapi(shop, lite, 48, 3, now))
    alerts_evaluate(now=now)
    assert firing(shop) == [(M.JSAPI_SUCCESS, "Acme Lite")]
    alert = Alert.objects.get(miniprogram=shop)
    assert (alert.value, alert.samples, alert.threshold, alert.min_samples) == (
        Decimal("94.12"),
        51,
        Decimal("95.00"),
        50,
    )


@pytest.mark.parametrize(("failed", "fires"), [(10, False), (11, True)])
def test_jsapi_success_rate_of_exactly_95_percent_does_not_fire(shop, wallet, now, failed, fires):
    insert(jsapi(shop, wallet, 200 - failed, failed, now))  # 95.0 % vs 94.5 %
    alerts_evaluate(now=now)
    assert firing(shop, M.JSAPI_SUCCESS) == ([(M.JSAPI_SUCCESS, "Acme Wallet")] if fires else [])


def test_http_exception_rate_counts_no_answer_and_4xx_5xx_over_50_requests(shop, wallet, lite, now):
    # Wallet: 200 requests, 2 exceptions (1.0 %, a 399 is no exception): not above 1 %.
    # Lite: 200 requests, 3 exceptions (0 = no answer, 404, 503 → 1.5 %): fires.
    insert(http(shop, wallet, 197, [0, 500, 399], now), http(shop, lite, 197, [0, 404, 503], now))
    alerts_evaluate(now=now)
    assert firing(shop) == [(M.HTTP_EXCEPTION, "Acme Lite")]
    assert Alert.objects.get().value == Decimal("1.50")


@pytest.mark.parametrize(("requests", "fires"), [(50, False), (51, True)])
def test_http_exception_rate_needs_more_than_50_requests(shop, wallet, now, requests, fires):
    insert(http(shop, wallet, requests - 10, [500] * 10, now))
    alerts_evaluate(now=now)
    assert bool(firing(shop, M.HTTP_EXCEPTION)) is fires


@pytest.mark.parametrize(
    ("ok", "failed", "fires"),
    [(40, 10, False), (47, 4, True), (190, 10, False), (189, 11, True)],
    ids=["50-samples", "51-samples", "exactly-95", "just-below-95"],
)
def test_startup_success_rate(shop, wallet, now, ok, failed, fires):
    insert(startups(shop, wallet, ok, failed, now))
    alerts_evaluate(now=now)
    assert firing(shop) == ([(M.STARTUP_SUCCESS, "Acme Wallet")] if fires else [])


@pytest.mark.parametrize(("high", "fires"), [(590, True), (589, False)])
def test_startup_p90_interpolates_and_fires_at_500_ms(shop, wallet, now, high, fires):
    # 60 successful start-ups: the p90's position is 0.9 × 59 = 53.1, between the 54th (490 ms)
    # and the 55th value: 490 + 0.1 × (590 − 490) = 500 → fires (≥); with 589: 499.9 → not.
    values = [100] * 53 + [490] + [high] * 6
    insert(durations(shop, wallet, values, now), startups(shop, wallet, 0, 3, now, duration=9000))
    [figures] = window_figures(start=now - timedelta(minutes=30), end=now)
    assert figures.timed_startups == 60  # failed start-ups are not waits
    assert figures.startup_p90_ms == pytest.approx(500 if fires else 499.9)
    alerts_evaluate(now=now)
    assert firing(shop, M.STARTUP_DURATION) == (
        [(M.STARTUP_DURATION, "Acme Wallet")] if fires else []
    )


@pytest.mark.parametrize(("timed", "fires"), [(50, False), (51, True)])
def test_startup_duration_needs_more_than_50_timed_startups(shop, wallet, now, timed, fires):
    insert(durations(shop, wallet, [800] * timed, now))
    alerts_evaluate(now=now)
    assert bool(firing(shop, M.STARTUP_DURATION)) is fires


@pytest.mark.parametrize(
    ("launched", "blank", "fires"),
    [(50, 10, False), (51, 1, True), (200, 2, False), (200, 3, True)],
    ids=["50-launches", "51-launches", "exactly-1", "just-above-1"],
)
def test_blank_screen_rate(shop, wallet, now, launched, blank, fires):
    insert(launches(shop, wallet, launched, blank, now))
    alerts_evaluate(now=now)
    assert firing(shop) == ([(M.BLANK_SCREEN, "Acme Wallet")] if fires else [])


def test_only_production_events_of_the_last_30_minutes_count(shop, wallet, now):
    insert(
        jsapi(shop, wallet, 0, 60, now, ago=timedelta(minutes=31)),  # before the window
        jsapi(shop, wallet, 0, 60, now, environment="sandbox"),
        jsapi(shop, wallet, 0, 60, now, ago=timedelta(minutes=-1)),  # after ``now``
    )
    alerts_evaluate(now=now)
    assert firing(shop) == []
    alerts_evaluate(now=now + timedelta(minutes=5))  # the window slid over the late ones
    assert firing(shop) == [(M.JSAPI_SUCCESS, "Acme Wallet")]


def test_events_of_unknown_mini_programs_and_host_apps_alert_nobody(shop, wallet, now):
    bad = jsapi(shop, wallet, 0, 60, now)
    for e in bad[:30]:
        e.app_id = "2021999999999999"
    for e in bad[30:]:
        e.host_app_id = 987654321
    insert(bad)
    assert alerts_evaluate(now=now).groups == 2
    assert not Alert.objects.exists()


# --- rules -----------------------------------------------------------------------------------


def test_a_mini_program_rule_and_a_host_app_rule_override_the_defaults(
    owner, shop, wallet, lite, now
):
    # 98 % success on both host apps: the defaults stay quiet.
    insert(jsapi(shop, wallet, 98, 2, now), jsapi(shop, lite, 98, 2, now))
    alert_rule_save(
        actor=owner, miniprogram=shop, metric=M.JSAPI_SUCCESS, is_enabled=True,
        threshold="99", min_samples=10,
    )  # fmt: skip
    alert_rule_save(
        actor=owner, miniprogram=shop, metric=M.JSAPI_SUCCESS, host_app_id=lite.pk,
        is_enabled=False, threshold="99", min_samples=10,
    )  # fmt: skip
    alerts_evaluate(now=now)
    assert firing(shop) == [(M.JSAPI_SUCCESS, "Acme Wallet")]
    alert = Alert.objects.get()
    assert (alert.threshold, alert.min_samples) == (Decimal("99.00"), 10)
    # The rule reset: the default (95 %) applies again and the alert resolves.
    alert_rule_reset(actor=owner, miniprogram=shop, metric=M.JSAPI_SUCCESS)
    alerts_evaluate(now=now + timedelta(minutes=5))
    assert firing(shop) == []
    assert AlertRule.objects.filter(miniprogram=shop).count() == 1  # lite's own rule stays
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="alert_rule.").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["alert_rule.reset", "alert_rule.update", "alert_rule.update"]


def test_rule_edits_are_checked(owner, shop, wallet):
    def save(**kw):
        values = {"metric": M.BLANK_SCREEN, "is_enabled": True, "threshold": "1", "min_samples": 50}
        return alert_rule_save(actor=owner, miniprogram=shop, **{**values, **kw})

    for bad in ("101", "-1", "abc", "1.234"):
        with pytest.raises(ValidationError) as exc:
            save(threshold=bad)
        assert "threshold" in exc.value.message_dict
    with pytest.raises(ValidationError):
        save(min_samples=-1)
    with pytest.raises(ValidationError):
        save(metric="nope")
    other, _ = host_app_create(actor=owner, name="Not Linked", platforms={"ios": "n.l"})
    with pytest.raises(ValidationError) as exc:
        save(host_app_id=other.pk)
    assert "host_app" in exc.value.message_dict
    rule = save(threshold="2.5", min_samples=100)
    assert (rule.threshold, rule.min_samples) == (Decimal("2.5"), 100)
    save(threshold="2.5", min_samples=100)  # the same again: not audited twice
    assert AuditEvent.objects.filter(verb="alert_rule.update").count() == 1
    assert save(metric=M.STARTUP_DURATION, threshold="1500").threshold == 1500  # milliseconds


def test_a_developer_not_assigned_cannot_edit_rules(tenant, shop):
    developer = MembershipFactory(workspace=tenant, role="developer")
    from workspaces.authz import CapabilityDenied

    with pytest.raises(CapabilityDenied):
        alert_rule_save(
            actor=developer, miniprogram=shop, metric=M.BLANK_SCREEN, is_enabled=False,
            threshold="1", min_samples=50,
        )  # fmt: skip


# --- the state door, history, cool-down ---------------------------------------------------------


def test_a_rerun_changes_nothing_and_a_firing_alert_keeps_its_latest_numbers(shop, wallet, now):
    insert(jsapi(shop, wallet, 40, 20, now))
    first = alerts_evaluate(now=now)
    again = alerts_evaluate(now=now)
    assert len(first.fired) == 1 and again.fired == [] and again.updated == 1
    assert AlertChange.objects.count() == 1
    insert(jsapi(shop, wallet, 0, 20, now, ago=timedelta(minutes=2)))
    alerts_evaluate(now=now + timedelta(minutes=5))
    alert = Alert.objects.get()
    assert (alert.state, alert.samples) == ("firing", 80) and AlertChange.objects.count() == 1


def test_the_task_runs_the_evaluation_twice_the_same(shop, wallet):
    insert(jsapi(shop, wallet, 0, 60, timezone.now(), ago=timedelta(minutes=1)))
    assert alerts_evaluate_task()["fired"] == 1
    assert alerts_evaluate_task()["fired"] == 0
    assert Alert.objects.get().state == "firing"


def test_it_resolves_when_traffic_stops_and_records_the_numbers(
    shop, wallet, now, django_capture_on_commit_callbacks
):
    insert(jsapi(shop, wallet, 40, 20, now))
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(now=now)
        later = now + timedelta(minutes=35)  # the events left the window
        alerts_evaluate(now=later)
    alert = Alert.objects.get()
    assert (alert.state, alert.resolved_at) == ("resolved", later)
    fired, resolved = alert.changes.order_by("created_at")
    assert (fired.kind, fired.value, fired.samples, fired.is_notified) == (
        "fired", Decimal("66.67"), 60, True,
    )  # fmt: skip
    assert (fired.window_start, fired.window_end) == (now - timedelta(minutes=30), now)
    assert (resolved.kind, resolved.samples, resolved.note, resolved.is_notified) == (
        "resolved", 0, "too few samples", True,
    )  # fmt: skip
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith("Alert: JSAPI success rate of Acme Shop") for s in subjects)
    assert any(s.startswith("Resolved: JSAPI success rate") for s in subjects)


def test_a_flapping_metric_notifies_at_most_once_per_cooldown(
    shop, wallet, owner, now, django_capture_on_commit_callbacks
):
    """Fire (emailed) → resolve (emailed) → fire again 10 min later (recorded, not emailed: the
    cool-down) → resolve (not emailed: its firing was not) → fire 70 min after the first
    email (emailed)."""

    def step(minutes: int, bad: bool) -> None:
        at = now + timedelta(minutes=minutes)
        if bad:
            insert(jsapi(shop, wallet, 0, 60, at, ago=timedelta(seconds=30 + minutes)))
        with django_capture_on_commit_callbacks(execute=True):
            alerts_evaluate(now=at)

    step(0, True)
    Event.objects.all().delete()
    step(5, False)
    step(10, True)
    Event.objects.all().delete()
    step(15, False)
    step(70, True)
    changes = list(
        AlertChange.objects.order_by("created_at").values_list("kind", "is_notified", "note")
    )
    assert changes == [
        ("fired", True, ""),
        ("resolved", True, "too few samples"),
        ("fired", False, "cool-down"),
        ("resolved", False, "too few samples; firing not notified"),
        ("fired", True, ""),
    ]
    to_owner = [m for m in mail.outbox if m.to == [owner.user.email]]
    assert [m.subject.split(":")[0] for m in to_owner] == ["Alert", "Resolved", "Alert"]


def test_a_muted_alert_is_evaluated_but_silent_and_mute_is_audited(
    owner, shop, wallet, now, django_capture_on_commit_callbacks
):
    insert(jsapi(shop, wallet, 0, 60, now))
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(now=now)
    alert = Alert.objects.get()
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        alert_mute(actor=owner, alert=alert, until=now - timedelta(minutes=1), now=now)
    with pytest.raises(ValidationError):
        alert_mute(actor=owner, alert=alert, until=now + timedelta(days=31), now=now)
    alert_mute(actor=owner, alert=alert, until=timezone.now() + timedelta(hours=4))
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(now=now + timedelta(minutes=5))
    assert mail.outbox == []
    assert AlertChange.objects.latest("created_at").note == "too few samples; muted"
    alert_unmute(actor=owner, alert=alert)
    alert_unmute(actor=owner, alert=alert)  # not muted: nothing to do, nothing audited
    assert list(
        AuditEvent.objects.filter(verb__startswith="alert.")
        .order_by("id")
        .values_list("verb", flat=True)
    ) == ["alert.mute", "alert.unmute"]


def test_acknowledge_only_a_firing_alert_and_a_new_firing_needs_a_new_one(owner, shop, wallet, now):
    insert(jsapi(shop, wallet, 0, 60, now))
    alerts_evaluate(now=now)
    alert = alert_acknowledge(actor=owner, alert=Alert.objects.get())
    assert alert.acknowledged_by == owner.user
    alert_acknowledge(actor=owner, alert=alert)  # again: a no-op
    assert AuditEvent.objects.filter(verb="alert.acknowledge").count() == 1
    Event.objects.all().delete()
    alerts_evaluate(now=now + timedelta(minutes=5))
    with pytest.raises(ValidationError):
        alert_acknowledge(actor=owner, alert=Alert.objects.get())
    insert(jsapi(shop, wallet, 0, 60, now + timedelta(minutes=10)))
    alerts_evaluate(now=now + timedelta(minutes=12))
    alert.refresh_from_db()
    assert alert.state == "firing" and alert.acknowledged_at is None


# --- notifications ----------------------------------------------------------------------------


def test_the_email_goes_to_the_team_with_the_chart_link(
    tenant, owner, admin, shop, wallet, now, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://mpp.example"
    developer = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=owner, miniprogram=shop, user_id=developer.user_id)
    MembershipFactory(workspace=tenant, role="developer")  # not assigned: not told
    MembershipFactory(workspace=tenant, role="reviewer")  # does not work on it: not told
    MembershipFactory(workspace=tenant, role="admin", status="blocked")
    insert(launches(shop, wallet, 100, 5, now))
    with django_capture_on_commit_callbacks(execute=True):
        alerts_evaluate(now=now)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [owner.user.email, admin.user.email, developer.user.email]
    )
    message = mail.outbox[0]
    alert = Alert.objects.get()
    day = f"{alert.fired_at:%Y-%m-%d}"
    link = (
        f"https://mpp.example/w/acme/miniprograms/{shop.app_id}/analytics/realtime/?day={day}"
        f"&host_app={wallet.pk}&environment=production&chart=blank_screens&hour={alert.fired_at.hour}"
    )
    assert link in message.body
    assert "Blank-screen rate: 5 %" in message.body and "over 100 launches" in message.body
    assert f"/analytics/alerts/#alert-{alert.pk}" in message.body


def test_the_webhook_reaches_a_real_receiver_with_the_numbers_and_the_link(
    owner, shop, wallet, now, django_capture_on_commit_callbacks
):
    receiver = start_receiver()
    try:
        webhook_endpoint_create(
            actor=owner, url=receiver.url(), events=["alert.firing", "alert.resolved"]
        )
        insert(durations(shop, wallet, [900] * 51, now))
        with django_capture_on_commit_callbacks(execute=True):
            alerts_evaluate(now=now)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["event"] == "alert.firing" and body["workspace"] == "acme"
    data = body["data"]
    assert (data["metric"], data["value"], data["operator"], data["threshold"]) == (
        "startup_duration_p90", "900.00", "≥", "500.00",
    )  # fmt: skip
    assert (data["samples"], data["min_samples"], data["app_id"]) == (51, 50, shop.app_id)
    assert (
        "/analytics/realtime/?day=" in data["chart_url"] and "chart=startups" in data["chart_url"]
    )
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.DELIVERED


def test_notifications_are_outbox_rows_of_the_evaluation(shop, wallet, now):
    """Queued in the transaction (a broker outage delays, never loses them)."""
    from console.models import OutboxMessage

    insert(jsapi(shop, wallet, 0, 60, now))
    alerts_evaluate(now=now)  # commit callbacks not run: nothing rang
    assert OutboxMessage.objects.filter(task="console.send_email").count() == 1  # the owner
    assert mail.outbox == []


def test_the_beat_schedules_the_evaluation_every_5_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["analytics-alerts-evaluate"]
    assert entry["task"] == "analytics.alerts_evaluate"
    assert entry["schedule"] == timedelta(minutes=5)


def test_the_audit_log_words_rule_edits_mute_and_acknowledge(owner, shop, wallet, now):
    from workspaces.auditlog import audit_sentence

    alert_rule_save(
        actor=owner, miniprogram=shop, metric=M.HTTP_EXCEPTION, host_app_id=wallet.pk,
        is_enabled=True, threshold="2", min_samples=80,
    )  # fmt: skip
    insert(jsapi(shop, wallet, 0, 60, now))
    alerts_evaluate(now=now)
    alert = alert_acknowledge(actor=owner, alert=Alert.objects.get())
    alert_mute(actor=owner, alert=alert, until=timezone.now() + timedelta(hours=1))
    sentences = [
        str(audit_sentence(e))
        for e in AuditEvent.objects.filter(verb__startswith="alert").order_by("id")
    ]
    assert "changed the http request exception rate alert rule on one host app of" in sentences[0]
    assert sentences[1].endswith("acknowledged the jsapi success rate alert of Acme Shop")
    assert "muted the jsapi success rate alert of Acme Shop until 20" in sentences[2]
