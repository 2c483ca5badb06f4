"""Development › Domains pages and the tenant's Settings tab: role matrices, the edit grant,
errors with line numbers and input kept, read-only hosts, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from miniprograms.domains.models import (
    DomainConfig,
    DomainEditGrant,
    DomainRestriction,
    DomainVerificationSkip,
)
from miniprograms.domains.services import domain_config_save
from miniprograms.tests.hosted import hosted_world
from workspaces.models import ApprovalRequest


@pytest.fixture
def world(db):
    return hosted_world()


def _url(name, world, mp=None, *extra):
    mp = mp or world.own
    return reverse(f"miniprograms:{name}", args=[mp.workspace.slug, mp.app_id, *extra])


def _as(client, member):
    client.force_login(member.user)
    return client


LISTS = {
    "request": "https://api.acme.test",
    "upload_file": "",
    "download_file": "",
    "socket": "wss://push.acme.test",
    "webview": "https://m.acme.test/shop/",
}


# --- the tenant's own mini program --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "page", "edit"),
    [("owner", 200, 200), ("admin", 200, 200), ("reviewer", 200, 403), ("developer", 404, 404)],
)
def test_own_mini_program_pages_by_role(client, world, role, page, edit):
    _as(client, world.team[role])
    assert client.get(_url("dev-domains", world)).status_code == page
    assert client.get(_url("dev-domains-global", world)).status_code == edit
    response = client.post(_url("dev-domains-global", world), LISTS)
    assert response.status_code == (302 if edit == 200 else edit)
    assert DomainConfig.objects.filter(miniprogram=world.own).exists() == (edit == 200)


def test_an_assigned_developer_edits_the_tenant_mini_program(client, world):
    from miniprograms.services.members import miniprogram_developer_assign

    dev = world.team["developer"]
    miniprogram_developer_assign(
        actor=world.team["owner"], miniprogram=world.own, user_id=dev.user_id
    )
    _as(client, dev)
    assert client.post(_url("dev-domains-global", world), LISTS).status_code == 302
    page = client.get(_url("dev-domains", world)).content.decode()
    assert "https://m.acme.test/shop/" in page
    assert "Restrict to these lists" not in page  # restricting is the Admins'


def test_bad_lines_are_shown_with_their_numbers_and_the_input_is_kept(client, world):
    _as(client, world.team["owner"])
    data = {
        **LISTS,
        "request": "https://ok.acme.test\nhttp://plain.acme.test",
        "socket": "wss://10.0.0.1",
    }
    response = client.post(_url("dev-domains-global", world), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2: http://plain.acme.test must use https://, not http://." in html
    assert "Line 1: wss://10.0.0.1 is an IP address; use a host name." in html
    assert "https://ok.acme.test\nhttp://plain.acme.test</textarea>" in html
    assert not DomainConfig.objects.exists()


def test_per_version_page_saves_that_version_and_shows_the_effective_lists(client, world):
    from releases.tests.factories import upload_version

    upload_version(world.team["owner"], world.own, "1.0.0")
    upload_version(world.team["owner"], world.own, "1.1.0")
    _as(client, world.team["owner"])
    client.post(_url("dev-domains-global", world), LISTS)
    response = client.post(
        _url("dev-domains-version", world, None, "1.1.0"), {"request": "https://v11.acme.test"}
    )
    assert response.status_code == 302
    assert DomainConfig.objects.get(version="1.1.0").request == ["https://v11.acme.test"]
    html = client.get(_url("dev-domains", world)).content.decode()
    v11 = html[html.index('data-version="1.1.0"') : html.index('data-version="1.0.0"')]
    assert "https://v11.acme.test" in v11 and "wss://push.acme.test" in v11
    assert "from global" in v11 and "this version" in v11
    v10 = html[html.index('data-version="1.0.0"') :]
    assert "https://api.acme.test" in v10 and "https://v11.acme.test" not in v10
    assert client.get(_url("dev-domains-version", world, None, "9.9.9")).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 302), ("admin", 302), ("reviewer", 403), ("developer", 404)]
)
def test_restricting_a_tenant_mini_program_by_role(client, world, role, status):
    _as(client, world.team[role])
    response = client.post(_url("dev-domains-restriction", world), {"restricted": "1"})
    assert response.status_code == status
    assert DomainRestriction.objects.filter(miniprogram=world.own).exists() == (status == 302)


# --- a merchant mini program ---------------------------------------------------------------------


def test_a_merchant_edits_only_after_the_tenant_grants(client, world):
    coffee = world.coffee
    _as(client, world.merchant_developer)
    page = client.get(_url("dev-domains", world, coffee)).content.decode()
    assert "data-not-granted" in page and "Acme Super App" in page
    response = client.get(_url("dev-domains-global", world, coffee))
    assert response.status_code == 403
    assert "has not allowed" in response.content.decode()
    assert client.post(_url("dev-domains-global", world, coffee), LISTS).status_code == 403
    DomainEditGrant.objects.create(tenant=world.tenant, developer_workspace=world.merchant)
    assert client.get(_url("dev-domains-global", world, coffee)).status_code == 200
    assert client.post(_url("dev-domains-global", world, coffee), LISTS).status_code == 302
    # A merchant cannot lift its own restriction.
    _as(client, world.merchant_owner)
    assert (
        client.post(_url("dev-domains-restriction", world, coffee), {"restricted": "0"}).status_code
        == 403
    )


def test_the_host_tenant_reads_a_merchant_mini_programs_lists_and_changes_nothing(client, world):
    coffee = world.coffee
    DomainEditGrant.objects.create(tenant=world.tenant, miniprogram=coffee)
    domain_config_save(
        actor=world.merchant_owner, miniprogram=coffee, lists={"request": "https://a.blue.test"}
    )
    _as(client, world.team["owner"])
    html = client.get(
        _url("dev-domains", world, coffee).replace("/blue/", "/acme/")
    ).content.decode()
    assert "https://a.blue.test" in html and "data-hosted-banner" in html
    assert "Edit</a>" not in html and "skip-form" not in html
    for name in ("dev-domains-global", "dev-domains-restriction", "dev-domains-skip"):
        url = _url(name, world, coffee).replace("/blue/", "/acme/")
        assert client.post(url, LISTS).status_code in (403, 404)
    assert (
        client.get(
            _url("dev-domains-global", world, coffee).replace("/blue/", "/acme/")
        ).status_code
        == 404
    )


def test_another_tenant_sees_nothing(client, world):
    _as(client, world.zenith_owner)
    assert (
        client.get(
            _url("dev-domains", world, world.coffee).replace("/blue/", "/zenith/")
        ).status_code
        == 404
    )
    assert client.get(_url("dev-domains", world).replace("/acme/", "/zenith/")).status_code == 404


def test_a_merchant_applies_to_skip_verification_from_the_page(client, world):
    _as(client, world.merchant_developer)
    url = _url("dev-domains-skip", world, world.coffee)
    response = client.post(url, {"host_app": world.wallet.pk, "reason": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = client.post(url, {"host_app": world.wallet.pk, "reason": "Partner hosts rotate."})
    assert response.status_code == 302
    request = ApprovalRequest.objects.get(kind="domain_verification_skip")
    assert request.deciding_workspace == world.tenant and request.notes == "Partner hosts rotate."
    html = client.get(_url("dev-domains", world, world.coffee)).content.decode()
    assert "Waiting for a decision" in html
    # The tenant's reviewer sees the request with its detail section.
    _as(client, world.team["reviewer"])
    detail = client.get(reverse("workspaces:approval", args=["acme", request.pk])).content.decode()
    assert "data-domain-skip-detail" in detail and "Skip domain verification" in detail


# --- the tenant's Settings tab ----------------------------------------------------------------


def _policy(world, name="domain-policy", *args):
    return reverse(f"development:{name}", args=["acme", *args])


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("admin", 200), ("reviewer", 403), ("developer", 403)]
)
def test_the_settings_tab_by_role(client, world, role, status):
    _as(client, world.team[role])
    assert client.get(_policy(world)).status_code == status
    settings_page = client.get(reverse("workspaces:settings", args=["acme"])).content.decode()
    assert (_policy(world) in settings_page) == (status == 200)


def test_a_developer_workspace_has_no_such_tab(client, world):
    _as(client, world.merchant_owner)
    assert client.get(reverse("development:domain-policy", args=["blue"])).status_code == 404
    page = client.get(reverse("workspaces:settings", args=["blue"])).content.decode()
    assert "Authorized server domains" not in page


def test_grant_and_revoke_from_the_settings_tab(client, world):
    _as(client, world.team["admin"])
    response = client.post(_policy(world, "domain-grant-add"), {"subject": "workspace:blue"})
    assert response.status_code == 302
    grant = DomainEditGrant.objects.get(developer_workspace=world.merchant)
    html = client.get(_policy(world)).content.decode()
    assert f'data-grant="{grant.pk}"' in html
    response = client.post(
        _policy(world, "domain-grant-add"), {"subject": f"app:{world.own.app_id}"}
    )
    assert response.status_code == 400  # a tenant mini program is not a choice
    assert client.post(_policy(world, "domain-grant-revoke", grant.pk)).status_code == 302
    assert not DomainEditGrant.objects.exists()
    assert client.post(_policy(world, "domain-grant-revoke", grant.pk)).status_code == 404


def test_revoking_a_skip_from_the_settings_tab(client, world):
    skip = DomainVerificationSkip.objects.create(miniprogram=world.coffee, host_app=world.wallet)
    _as(client, world.team["reviewer"])
    assert client.post(_policy(world, "domain-skip-revoke", skip.pk)).status_code == 403
    _as(client, world.team["owner"])
    assert f'data-skip="{skip.pk}"' in client.get(_policy(world)).content.decode()
    assert client.post(_policy(world, "domain-skip-revoke", skip.pk)).status_code == 302
    assert not DomainVerificationSkip.objects.exists()


def test_pages_read_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    from releases.tests.factories import upload_version

    for number in ("1.1.0", "1.2.0", "1.3.0"):
        upload_version(world.merchant_owner, world.coffee, number)
    DomainEditGrant.objects.create(tenant=world.tenant, developer_workspace=world.merchant)
    for number in ("1.1.0", "1.2.0"):
        domain_config_save(
            actor=world.merchant_owner,
            miniprogram=world.coffee,
            version=number,
            lists={"request": ".*"},
        )
    _as(client, world.merchant_owner)
    with django_assert_max_num_queries(30):
        assert client.get(_url("dev-domains", world, world.coffee)).status_code == 200
    _as(client, world.team["owner"])
    with django_assert_max_num_queries(25):
        assert client.get(_policy(world)).status_code == 200
