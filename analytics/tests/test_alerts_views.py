"""The Alerts section of the Analytics tab, the workspace alert list, the Overview card and the
API: who reads and who acts (role matrix), a host tenant's view of a merchant's alerts, forms
that keep their input, query counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.alerts.models import Alert, AlertChange, AlertRule, Metric
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from miniprograms.tests.hosted import hosted_world
from workspaces.models import AuditEvent, HostApp, Membership
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wallet(owner) -> HostApp:
    app, _secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})
    return app


@pytest.fixture
def shop(owner, wallet):
    return create_miniprogram(owner, name="Acme Shop", host_app_ids=[wallet.pk])


def make_alert(mp, host, metric=Metric.JSAPI_SUCCESS, state="firing", **extra) -> Alert:
    now = timezone.now()
    extra.setdefault("value", Decimal("80.00"))
    alert = Alert.objects.create(
        miniprogram=mp,
        host_app=host,
        metric=metric,
        state=state,
        samples=60,
        threshold=Decimal("95.00"),
        min_samples=50,
        window_start=now - timedelta(minutes=30),
        window_end=now,
        fired_at=now - timedelta(minutes=3),
        resolved_at=now if state == "resolved" else None,
        **extra,
    )
    AlertChange.objects.create(
        alert=alert,
        kind="fired",
        value=alert.value,
        samples=60,
        threshold=alert.threshold,
        min_samples=50,
        window_start=alert.window_start,
        window_end=alert.window_end,
        is_notified=True,
        created_at=alert.fired_at,
    )
    return alert


def url(name: str, mp, *args) -> str:
    return reverse(f"analytics:{name}", args=[mp.workspace.slug, mp.app_id, *args])


def as_role(tenant, mp, role: str) -> Membership:
    owner = Membership.objects.get(workspace=tenant, role="owner")
    if role == "owner":
        return owner
    if role == "assigned":
        member = MembershipFactory(workspace=tenant, role="developer")
        miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=member.user_id)
        return member
    return MembershipFactory(workspace=tenant, role=role)


# --- role matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "act"),
    [
        ("owner", 200, 302),
        ("admin", 200, 302),
        ("reviewer", 200, 403),
        ("developer", 404, 404),  # not assigned: the mini program does not exist for them
        ("assigned", 200, 302),
    ],
)
def test_who_reads_and_who_acts(client, tenant, shop, wallet, role, read, act):
    alert = make_alert(shop, wallet)
    actor = as_role(tenant, shop, role)
    client.force_login(actor.user)
    assert client.get(url("alerts", shop)).status_code == read
    assert client.get(url("alert-rule-edit", shop, Metric.BLANK_SCREEN)).status_code == (
        200 if act == 302 else act
    )
    posts = [
        (url("alert-acknowledge", shop, alert.pk), {}),
        (url("alert-mute", shop, alert.pk), {"hours": "4"}),
        (url("alert-unmute", shop, alert.pk), {}),
        (
            url("alert-rule-edit", shop, Metric.BLANK_SCREEN),
            {"host_app": "", "is_enabled": "on", "threshold": "2", "min_samples": "20"},
        ),
        (url("alert-rule-reset", shop, Metric.BLANK_SCREEN), {}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == act, target
    alert.refresh_from_db()
    assert (alert.acknowledged_at is not None) == (act == 302)
    audited = AuditEvent.objects.filter(verb__startswith="alert").count()
    assert audited == (5 if act == 302 else 0)
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    client.force_login(stranger.user)
    assert client.get(url("alerts", shop)).status_code == 404


def test_a_host_tenant_reads_only_its_host_apps_alerts_and_changes_nothing(client):
    world = hosted_world()
    coffee, wallet = world.coffee, world.wallet
    zenith_app = HostApp.objects.get(workspace=world.zenith)
    mine = make_alert(coffee, wallet)
    theirs = make_alert(coffee, zenith_app, Metric.BLANK_SCREEN)
    AlertRule.objects.create(
        miniprogram=coffee, host_app=zenith_app, metric=Metric.BLANK_SCREEN,
        threshold=Decimal("3"), min_samples=10,
    )  # fmt: skip
    tenant_url = reverse("analytics:alerts", args=[world.tenant.slug, coffee.app_id])
    client.force_login(world.team["reviewer"].user)
    body = client.get(tenant_url).content.decode()
    assert f'id="alert-{mine.pk}"' in body and f'id="alert-{theirs.pk}"' not in body
    assert "Zenith App" not in body and "Set for" not in body
    assert "data-mute" not in body and "data-acknowledge" not in body  # read-only
    client.force_login(world.team["owner"].user)
    mute = reverse("analytics:alert-mute", args=[world.tenant.slug, coffee.app_id, mine.pk])
    assert client.post(mute, {"hours": "1"}).status_code == 403
    # The workspace list: the tenant sees the merchant's alert on its own host app only.
    listing = client.get(reverse("analytics_workspace:alerts", args=[world.tenant.slug]))
    text = listing.content.decode()
    assert f'data-alert="{mine.pk}"' in text and f'data-alert="{theirs.pk}"' not in text
    assert "Blue Bottle Coffee" in text
    # The API: the same scope.
    api = APIClient()
    api.force_authenticate(world.team["owner"].user)
    base = f"/api/v1/workspaces/{world.tenant.slug}/miniprograms/{coffee.app_id}/analytics"
    assert [a["id"] for a in api.get(f"{base}/alerts").json()["results"]] == [mine.pk]
    assert api.get(f"{base}/alerts/{theirs.pk}").status_code == 404
    assert api.post(f"{base}/alerts/{mine.pk}/acknowledge").status_code == 403
    rules = api.get(f"{base}/alert-rules").json()
    assert all(r["host_app_id"] is None for r in rules) and len(rules) == 5


# --- the pages -----------------------------------------------------------------------------


def test_the_page_shows_alerts_rules_and_history_with_their_numbers(client, owner, shop, wallet):
    firing = make_alert(shop, wallet)
    make_alert(shop, wallet, Metric.STARTUP_DURATION, state="resolved", value=Decimal("740.5"))
    AlertRule.objects.create(
        miniprogram=shop, metric=Metric.HTTP_EXCEPTION, threshold=Decimal("2.5"), min_samples=200
    )
    client.force_login(owner.user)
    body = client.get(url("alerts", shop)).content.decode()
    assert body.index(f'id="alert-{firing.pk}"') < body.index('data-state="resolved"')
    assert "80 %" in body
    assert "&lt; 95 %" in body
    assert "740.50 ms" in body
    assert "&gt; 2.50 %" in body and "over more than 200 requests" in body
    assert "Set for this mini program" in body and "Default (Alipay+)" in body
    assert 'data-confirm-title="Mute this alert?"' in body
    assert 'data-change="fired"' in body


def test_the_rule_form_keeps_its_input_and_says_what_is_wrong(client, owner, shop, wallet):
    client.force_login(owner.user)
    edit = url("alert-rule-edit", shop, Metric.STARTUP_DURATION)
    page = client.get(edit).content.decode()
    assert 'value="500' in page and 'value="50"' in page  # the defaults
    bad = client.post(edit, {"host_app": "", "threshold": "700000", "min_samples": "x"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "700000" in text and "field-invalid" in text
    ok = client.post(
        edit,
        {"host_app": str(wallet.pk), "is_enabled": "on", "threshold": "800", "min_samples": "5"},
    )
    assert ok.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.host_app_id, rule.threshold, rule.min_samples) == (wallet.pk, Decimal("800"), 5)
    again = client.get(f"{edit}?host_app={wallet.pk}").content.decode()
    assert 'value="800.00"' in again and "Remove this host app" in again
    assert client.get(url("alert-rule-edit", shop, "nope")).status_code == 404


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, owner, shop, wallet, django_assert_max_num_queries
):
    for metric in Metric.values:
        make_alert(shop, wallet, metric)
    client.force_login(owner.user)
    with django_assert_max_num_queries(30) as few:
        client.get(url("alerts", shop))
    for i in range(8):
        other, _ = host_app_create(actor=owner, name=f"Host {i}", platforms={"ios": f"h.{i}"})
        from miniprograms.models import MiniProgramHostApp

        MiniProgramHostApp.objects.create(miniprogram=shop, host_app=other)
        for metric in Metric.values:
            make_alert(shop, other, metric)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("alerts", shop))
    with django_assert_max_num_queries(25):
        client.get(reverse("analytics_workspace:alerts", args=[shop.workspace.slug]))


def test_the_workspace_list_filters_and_a_developer_sees_only_assigned(
    client, tenant, owner, shop, wallet
):
    other = create_miniprogram(owner, name="Other Shop", host_app_ids=[wallet.pk])
    a = make_alert(shop, wallet)
    b = make_alert(other, wallet, Metric.BLANK_SCREEN, state="resolved")
    listing = reverse("analytics_workspace:alerts", args=[tenant.slug])
    client.force_login(owner.user)
    body = client.get(listing).content.decode()
    assert body.index(f'data-alert="{a.pk}"') < body.index(f'data-alert="{b.pk}"')
    only = client.get(listing, {"state": "resolved"}).content.decode()
    assert f'data-alert="{a.pk}"' not in only and f'data-alert="{b.pk}"' in only
    assert 'value="resolved" selected' in only
    developer = as_role(tenant, shop, "assigned")
    client.force_login(developer.user)
    mine = client.get(listing).content.decode()
    assert f'data-alert="{a.pk}"' in mine and f'data-alert="{b.pk}"' not in mine


def test_the_overview_card_counts_firing_alerts_and_links_them(client, tenant, owner, shop, wallet):
    alert = make_alert(shop, wallet)
    old = make_alert(shop, wallet, Metric.BLANK_SCREEN, state="resolved")
    Alert.objects.filter(pk=old.pk).update(fired_at=timezone.now() - timedelta(days=2))
    client.force_login(owner.user)
    body = client.get(reverse("console:dashboard", args=[tenant.slug])).content.decode()
    card = body.split("data-alerts-card")[1].split("</section>")[0]
    assert '<p class="stat" data-alerts-firing>1</p>' in card
    assert f"/analytics/alerts/#alert-{alert.pk}" in card and f"#alert-{old.pk}" not in card


# --- the API ----------------------------------------------------------------------------------


def test_the_api_reads_and_acts_like_the_console(owner, shop, wallet):
    alert = make_alert(shop, wallet)
    api = APIClient()
    api.force_authenticate(owner.user)
    base = f"/api/v1/workspaces/{owner.workspace.slug}/miniprograms/{shop.app_id}/analytics"
    [row] = api.get(f"{base}/alerts").json()["results"]
    assert (row["metric"], row["state"], row["value"], row["operator"], row["unit"]) == (
        "jsapi_success_rate", "firing", "80.00", "<", "%",
    )  # fmt: skip
    assert api.get(f"{base}/alerts", {"state": "lost"}).status_code == 400
    detail = api.get(f"{base}/alerts/{alert.pk}").json()
    assert [c["kind"] for c in detail["history"]] == ["fired"]
    assert api.get(f"{base}/alerts/{2**63}").status_code == 404
    until = (timezone.now() + timedelta(hours=2)).isoformat()
    muted = api.post(f"{base}/alerts/{alert.pk}/mute", {"until": until}, format="json").json()
    assert muted["is_muted"] is True
    past = api.post(f"{base}/alerts/{alert.pk}/mute", {"until": "2020-01-01T00:00:00Z"})
    assert past.status_code == 400 and "until" in past.json()["error"]["fields"]
    assert api.delete(f"{base}/alerts/{alert.pk}/mute").json()["is_muted"] is False
    assert api.post(f"{base}/alerts/{alert.pk}/acknowledge").json()["acknowledged_at"]
    put = api.put(
        f"{base}/alert-rules/blank_screen_rate",
        {"threshold": "2", "min_samples": 100, "host_app_id": wallet.pk},
        format="json",
    )
    assert put.status_code == 200 and put.json()["source"] == "host app"
    rules = api.get(f"{base}/alert-rules").json()
    assert [r["metric"] for r in rules][:5] == list(Metric.values) and len(rules) == 6
    bad = api.put(f"{base}/alert-rules/nope", {"threshold": "2", "min_samples": 1}, format="json")
    assert bad.status_code == 404
    reset = api.delete(f"{base}/alert-rules/blank_screen_rate?host_app_id={wallet.pk}")
    assert reset.status_code == 204 and not AlertRule.objects.exists()
    assert api.get(f"{base}/alert-history").json()["count"] == 1
    listing = api.get(f"/api/v1/workspaces/{owner.workspace.slug}/analytics/alerts").json()
    assert [a["id"] for a in listing["results"]] == [alert.pk]


def test_the_api_refuses_a_reviewer_change(tenant, shop, wallet):
    alert = make_alert(shop, wallet)
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    api = APIClient()
    api.force_authenticate(reviewer.user)
    base = f"/api/v1/workspaces/{tenant.slug}/miniprograms/{shop.app_id}/analytics"
    assert api.get(f"{base}/alerts").status_code == 200
    refused = api.post(f"{base}/alerts/{alert.pk}/acknowledge")
    assert refused.status_code == 403 and "Developer assigned" in refused.json()["error"]["message"]
    put = api.put(
        f"{base}/alert-rules/blank_screen_rate", {"threshold": "2", "min_samples": 1}, format="json"
    )
    assert put.status_code == 403
