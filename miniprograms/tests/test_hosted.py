"""A tenant reads, in its console, the merchant mini programs that target its host apps (issue 10,
"Who sees what"): the "From developers" list and, at the tenant's own URLs, the read-only pages
of each one. The API: test_hosted_api.py; every URL pattern swept: console/tests/test_isolation.py.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from miniprograms.access import access_miniprogram_as_host
from miniprograms.models import Industry, MiniProgram, MiniProgramHostApp
from miniprograms.selectors import miniprogram_hosted_list
from miniprograms.services.lifecycle import miniprogram_delete, miniprogram_take_offline
from miniprograms.tests.hosted import HostedWorld, hosted_world, unlink
from workspaces.models import Membership

pytestmark = pytest.mark.django_db

SEES = ["owner", "admin", "reviewer"]  # a tenant's roles that see mini programs


@pytest.fixture
def w() -> HostedWorld:
    return hosted_world()


def page(w: HostedWorld, name: str = "detail", slug: str | None = None, **kwargs) -> str:
    return reverse(
        f"miniprograms:{name}",
        kwargs={"workspace_slug": slug or w.tenant.slug, "app_id": w.coffee.app_id, **kwargs},
    )


def hosted_list(slug: str = "acme", query: str = "") -> str:
    return reverse("miniprograms:hosted", args=[slug]) + query


def as_(client, member: Membership):
    client.force_login(member.user)
    return client


# --- the detail page, read-only ------------------------------------------------------------------


@pytest.mark.parametrize("role", SEES)
def test_tenant_roles_read_the_merchant_program_with_a_read_only_banner(client, w, role):
    response = as_(client, w.team[role]).get(page(w))

    assert response.status_code == 200
    body = response.content.decode()
    assert "data-hosted-banner" in body
    assert "Read-only." in body
    assert "<strong>Blue Bottle Coffee</strong> develops this mini program" in body
    assert "it targets Acme Wallet." in body
    assert response.context["mp_caps"] == frozenset({"miniprograms.view_miniprogram"})
    assert response.context["is_hosted"] is True
    # Nothing to change: no edit, upload or take-offline; no Members & testers tab.
    for absent in (
        page(w, "edit"),
        reverse("releases:upload", args=["acme", w.coffee.app_id]),
        page(w, "host-app-offline", host_app_id=w.wallet.pk),
        page(w, "members"),
        "Take offline",
        "Edit profile",
    ):
        assert absent not in body
    # Breadcrumbs lead back to the list it came from.
    assert hosted_list() in body


def test_a_tenant_developer_gets_404_like_for_a_missing_program(client, w):
    # Its role sees no mini program of its own workspace but the assigned ones: none of these.
    assert as_(client, w.team["developer"]).get(page(w)).status_code == 404


def test_another_tenant_gets_404_under_its_slug_and_the_hosts(client, w):
    as_(client, w.zenith_owner)
    assert client.get(page(w, slug="zenith")).status_code == 404
    assert client.get(page(w)).status_code == 404  # not a member of Acme
    assert client.get(page(w, slug="blue")).status_code == 404


def test_the_merchant_is_unaffected_and_sees_no_banner(client, w):
    response = as_(client, w.merchant_owner).get(page(w, slug="blue"))

    assert response.status_code == 200
    assert response.context["is_hosted"] is False
    assert "data-hosted-banner" not in response.content.decode()
    assert "miniprograms.manage_miniprogram" in response.context["mp_caps"]
    assert as_(client, w.merchant_owner).get(page(w, "members", slug="blue")).status_code == 200


def test_the_merchant_sees_nothing_of_the_tenant(client, w):
    as_(client, w.merchant_owner)
    for url in (
        hosted_list("acme"),
        hosted_list("blue"),  # a developer workspace hosts nothing
        reverse("miniprograms:detail", args=["acme", w.own.app_id]),
        reverse("miniprograms:detail", args=["blue", w.own.app_id]),
    ):
        assert client.get(url).status_code == 404, url
    # The merchant's own page names the host app it targets, and nothing else of Acme.
    body = client.get(page(w, slug="blue")).content.decode()
    assert "Acme Wallet" in body
    for secret in ("Acme Mall", "Acme Lite", w.own.app_id, "Acme Super App"):
        assert secret not in body


def test_a_taken_offline_target_still_counts_and_a_deleted_one_does_not(client, w):
    miniprogram_take_offline(
        actor=w.merchant_owner, miniprogram=w.coffee, host_app_id=w.wallet.pk, reason="pause"
    )
    as_(client, w.team["reviewer"])
    response = client.get(page(w))
    assert response.status_code == 200
    assert "Taken offline" in response.content.decode()
    assert w.coffee.name in client.get(hosted_list()).content.decode()

    unlink(w.coffee, w.wallet)

    assert client.get(page(w)).status_code == 404
    assert (
        client.get(reverse("releases:versions", args=["acme", w.coffee.app_id])).status_code == 404
    )
    assert w.coffee.name not in client.get(hosted_list()).content.decode()


def test_a_program_deleted_by_its_merchant_is_gone_for_the_tenant(client, w):
    miniprogram_delete(actor=w.merchant_owner, miniprogram=w.coffee, confirm_name=w.coffee.name)
    assert as_(client, w.team["owner"]).get(page(w)).status_code == 404


def test_only_the_tenants_host_apps_are_shown(client, w):
    """A merchant program may target host apps of its tenant only today; the page lists the
    targets through the host-side selector, which keeps the tenant's alone."""
    w.coffee.targets.create(host_app=_foreign_host_app(w))
    body = as_(client, w.team["owner"]).get(page(w)).content.decode()
    assert "Acme Wallet" in body
    assert "Zenith App" not in body


def _foreign_host_app(w: HostedWorld):
    return w.zenith.host_apps.get()


# --- what a tenant may not open ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["members", "wizard-members"],
)
def test_the_merchants_team_pages_answer_404(client, w, name):
    response = as_(client, w.team["owner"]).get(page(w, name))
    assert response.status_code == 404
    body = response.content.decode()
    assert "secret-dev@blue.test" not in body and "secret-tester-1" not in body


@pytest.mark.parametrize("name", ["edit", "delete"])
def test_forms_that_change_it_answer_403_saying_who_develops_it(client, w, name):
    response = as_(client, w.team["owner"]).get(page(w, name))

    assert response.status_code == 403
    body = response.content.decode()
    assert "Read-only: Blue Bottle Coffee develops" in body
    assert "only Blue Bottle Coffee can change it" in body


def test_upload_and_trial_forms_are_refused_but_the_trial_is_read(client, w):
    as_(client, w.team["admin"])
    assert client.get(reverse("releases:upload", args=["acme", w.coffee.app_id])).status_code == 403
    response = client.get(reverse("releases:trial", args=["acme", w.coffee.app_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Save trial version" not in body
    assert page(w, "members") not in body  # no way into the merchant's team


def test_posts_change_nothing(client, w):
    as_(client, w.team["owner"])
    before = MiniProgram.objects.filter(pk=w.coffee.pk).values().get()
    for url, data in (
        (page(w), {}),
        (page(w, "edit"), {"name": "Pwned"}),
        (page(w, "shelf"), {"action": "off", "reason": "pwned"}),
        (page(w, "host-app-offline", host_app_id=w.wallet.pk), {"reason": "x"}),
        (page(w, "delete"), {"confirm_name": w.coffee.name}),
        (reverse("releases:trial-clear", args=["acme", w.coffee.app_id]), {}),
    ):
        assert client.post(url, data).status_code == 403, url
    for url in (page(w, "testers-add"), page(w, "developer-assign")):
        assert client.post(url, {"accounts": "x"}).status_code == 404, url
    assert MiniProgram.objects.filter(pk=w.coffee.pk).values().get() == before
    assert MiniProgramHostApp.objects.get(miniprogram=w.coffee).status == "active"


# --- the version pages, read ---------------------------------------------------------------------


def test_versions_a_version_and_its_package_are_read(client, w):
    as_(client, w.team["reviewer"])
    args = ["acme", w.coffee.app_id]
    versions = client.get(reverse("releases:versions", args=args))
    assert versions.status_code == 200
    body = versions.content.decode()
    assert "1.0.0" in body and "data-hosted-banner" in body
    assert reverse("releases:upload", args=args) not in body

    version = client.get(reverse("releases:version", args=[*args, "1.0.0"]))
    assert version.status_code == 200
    package = client.get(reverse("releases:version-package", args=[*args, "1.0.0"]))
    assert package.status_code == 200
    assert b"".join(package.streaming_content) == w.version.package.open("rb").read()
    status = client.get(reverse("releases:version-status", args=[*args, "1.0.0"]))
    assert status.status_code == 200 and status.json()["status"] == w.version.status


# --- the "From developers" list -----------------------------------------------------------------


@pytest.mark.parametrize("role", SEES)
def test_the_list_shows_the_merchant_programs_of_the_tenants_host_apps(client, w, role):
    response = as_(client, w.team[role]).get(hosted_list())

    assert response.status_code == 200
    assert response.context["miniprograms"] == [w.coffee]
    body = response.content.decode()
    assert "Blue Bottle Coffee" in body  # the developer
    assert page(w) in body  # opened at the tenant's own URL
    assert "Acme Mall" not in body  # its own are on the other tab


def test_the_list_is_refused_to_a_tenant_developer_and_absent_elsewhere(client, w):
    assert as_(client, w.team["developer"]).get(hosted_list()).status_code == 403
    zenith = as_(client, w.zenith_owner).get(hosted_list("zenith"))
    assert zenith.status_code == 200 and zenith.context["miniprograms"] == []
    assert w.coffee.name not in zenith.content.decode()


def test_the_tenants_list_offers_the_tab_and_a_search_finds_merchant_programs(client, w):
    as_(client, w.team["owner"])
    own = client.get(reverse("miniprograms:list", args=["acme"]) + "?q=Blue")

    body = own.content.decode()
    assert hosted_list() in body  # the tab
    assert own.context["hosted_matches"] == 1
    assert "1 mini program from developers also matches" in body
    assert f"{hosted_list()}?q=Blue" in body
    # A developer workspace's list has no such tab.
    merchant = as_(client, w.merchant_owner).get(reverse("miniprograms:list", args=["blue"]))
    assert "data-hosted-tab" not in merchant.content.decode()


def test_the_list_filters_by_host_app_developer_search_and_status(client, w):
    other = _merchant_program(w, "Green Tea Stand", host_app=w.lite)
    as_(client, w.team["owner"])

    def names(query: str) -> list[str]:
        return [mp.name for mp in client.get(hosted_list(query=query)).context["miniprograms"]]

    assert names("") == ["Green Tea Stand", "Blue Bottle Order"]
    assert names(f"?host_app={w.lite.pk}") == ["Green Tea Stand"]
    assert names(f"?host_app={w.wallet.pk}") == ["Blue Bottle Order"]
    assert names(f"?developer={other.workspace.slug}") == ["Green Tea Stand"]
    assert names("?q=bottle") == ["Blue Bottle Order"]
    assert names(f"?q={w.coffee.app_id[:8]}") == ["Blue Bottle Order"]
    assert names("?status=not_released") == ["Green Tea Stand", "Blue Bottle Order"]
    assert names("?status=off_shelf") == []
    body = client.get(hosted_list(query="?q=nothing-like-this")).content.decode()
    assert "No mini programs from developers match these filters" in body


def test_every_row_is_one_the_access_rule_lets_the_tenant_read(w):
    _merchant_program(w, "Green Tea Stand", host_app=w.lite)
    for role in SEES:
        member = w.team[role]
        rows = list(miniprogram_hosted_list(member=member))
        assert len(rows) == 2
        for mp in rows:
            assert (
                access_miniprogram_as_host(user=member.user, workspace=w.tenant, app_id=mp.app_id)[
                    0
                ]
                == mp
            )
    assert list(miniprogram_hosted_list(member=w.team["developer"])) == []
    assert list(miniprogram_hosted_list(member=w.merchant_owner)) == []


def test_the_empty_list_says_how_programs_arrive(client, w):
    unlink(w.coffee, w.wallet)
    body = as_(client, w.team["owner"]).get(hosted_list()).content.decode()
    assert "No mini programs from developers yet" in body
    assert reverse("workspaces:developer-workspaces", args=["acme"]) in body


def test_list_query_count_does_not_grow_with_rows(client, w, django_assert_max_num_queries):
    as_(client, w.team["reviewer"])
    with CaptureQueriesContext(connection) as one_row:
        assert len(client.get(hosted_list()).context["miniprograms"]) == 1
    _bulk_merchant_programs(w, 59)
    with django_assert_max_num_queries(len(one_row)):
        response = client.get(hosted_list())
    assert len(response.context["miniprograms"]) == 50
    assert response.context["page_obj"].paginator.count == 60
    second = client.get(hosted_list(query="?page=2"))
    assert len(second.context["miniprograms"]) == 10


def test_detail_costs_what_the_tenants_own_detail_costs(client, w):
    """At most the one lookup more (its own mini programs first, missing)."""
    as_(client, w.team["reviewer"])
    own_url = reverse("miniprograms:detail", args=["acme", w.own.app_id])
    with CaptureQueriesContext(connection) as own:
        assert client.get(own_url).status_code == 200
    with CaptureQueriesContext(connection) as hosted:
        assert client.get(page(w)).status_code == 200
    assert len(hosted) <= len(own) + 1, (len(own), len(hosted))


# --- builders -----------------------------------------------------------------------------------


def _merchant_program(w: HostedWorld, name: str, *, host_app) -> MiniProgram:
    from miniprograms.tests.factories import create_miniprogram
    from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

    merchant = WorkspaceFactory(kind="developer", name=f"{name} Ltd", tenant=w.tenant)
    owner = MembershipFactory(workspace=merchant, role="owner")
    return create_miniprogram(owner, name=name, host_app_ids=[host_app.pk])


def _bulk_merchant_programs(w: HostedWorld, count: int) -> list[MiniProgram]:
    """``count`` merchant mini programs targeting Acme's host apps, written in bulk (fast)."""
    industry = Industry.objects.get(code="coffee-tea")
    rows = MiniProgram.objects.bulk_create(
        MiniProgram(
            workspace=w.merchant,
            app_id=f"2030{n:012d}",
            kind="merchant",
            name=f"Merchant {n:04d}",
            tagline="Order ahead, skip the line",
            description="Order coffee and pastries ahead and pick them up.",
            logo="miniprogram-logos/x.png",
            industry=industry,
            service_phone="0571-26888888",
            service_email="a@b.example",
        )
        for n in range(1, count + 1)
    )
    MiniProgramHostApp.objects.bulk_create(
        MiniProgramHostApp(miniprogram=mp, host_app=app)
        for mp in rows
        for app in (w.wallet, w.lite)
    )
    return rows
