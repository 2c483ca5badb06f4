"""The domains API: role matrices, the edit grant, errors with positions in the API's shape,
skip domain verification, the tenant's grants and skips."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from miniprograms.domains.models import DomainConfig, DomainEditGrant, DomainVerificationSkip
from miniprograms.tests.hosted import hosted_world
from workspaces.models import ApprovalRequest


@pytest.fixture
def world(db):
    return hosted_world()


def _client(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


def _url(name, slug, *args):
    return reverse(f"miniprograms-api:{name}", args=[slug, *args])


BODY = {
    "request": ["https://api.acme.test", "https://API.acme.test"],
    "socket": ["wss://s.acme.test"],
}


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("owner", 200, 200), ("admin", 200, 200), ("reviewer", 200, 403), ("developer", 404, 404)],
)
def test_own_mini_program_by_role(world, role, read, write):
    client = _client(world.team[role])
    url = _url("miniprogram-domains", "acme", world.own.app_id)
    assert client.get(url).status_code == read
    response = client.put(url, BODY, format="json")
    assert response.status_code == write
    if write == 200:
        assert response.json()["global_configuration"]["request"] == ["https://api.acme.test"]
        assert response.json()["restricted"] is False
    assert DomainConfig.objects.exists() == (write == 200)


def test_a_bad_entry_is_refused_in_the_error_shape_with_its_position(world):
    client = _client(world.team["owner"])
    url = _url("miniprogram-domains", "acme", world.own.app_id)
    response = client.put(
        url, {"request": ["https://ok.acme.test", "https://127.0.0.1"]}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["request_id"]
    assert error["fields"]["request"] == [
        "Line 2: https://127.0.0.1 is an IP address; use a host name."
    ]
    assert not DomainConfig.objects.exists()


def test_a_merchant_writes_only_with_the_tenants_grant(world):
    client = _client(world.merchant_developer)
    url = _url("miniprogram-domains", "blue", world.coffee.app_id)
    response = client.put(url, BODY, format="json")
    assert response.status_code == 403
    assert "has not allowed" in response.json()["error"]["message"]
    assert client.get(url).json()["can_edit"] is False
    tenant = _client(world.team["admin"])
    grants = _url("domain-edit-grant-list", "acme")
    response = tenant.post(grants, {"app_id": world.coffee.app_id}, format="json")
    assert response.status_code == 201 and response.json()["scope"] == "miniprogram"
    assert tenant.post(grants, {"app_id": world.coffee.app_id}, format="json").status_code == 200
    body = client.put(url, {**BODY, "version": "1.0.0"}, format="json").json()
    assert body["can_edit"] is True and body["edit_granted_by"] == "Acme Super App"
    [version] = body["versions"]
    assert version["version"] == "1.0.0" and version["has_own_configuration"] is True
    assert version["sources"]["request"] == "version"
    grant_id = response.json()["id"]
    assert tenant.delete(_url("domain-edit-grant-detail", "acme", grant_id)).status_code == 204
    assert tenant.delete(_url("domain-edit-grant-detail", "acme", grant_id)).status_code == 404
    assert client.put(url, BODY, format="json").status_code == 403


def test_the_host_tenant_reads_but_never_writes(world):
    client = _client(world.team["owner"])
    url = _url("miniprogram-domains", "acme", world.coffee.app_id)
    assert client.get(url).status_code == 200
    assert client.put(url, BODY, format="json").status_code == 403
    restriction = _url("miniprogram-domain-restriction", "acme", world.coffee.app_id)
    assert client.put(restriction, {"restricted": False}, format="json").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("reviewer", 403)])
def test_restriction_by_role(world, role, status):
    url = _url("miniprogram-domain-restriction", "acme", world.own.app_id)
    response = _client(world.team[role]).put(url, {"restricted": True}, format="json")
    assert response.status_code == status
    if status == 200:
        assert response.json()["restricted"] is True


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("admin", 200), ("reviewer", 403), ("developer", 403)]
)
def test_grants_list_by_role(world, who, status):
    assert (
        _client(world.team[who]).get(_url("domain-edit-grant-list", "acme")).status_code == status
    )


def test_grants_and_skips_are_tenant_only(world):
    client = _client(world.merchant_owner)
    assert client.get(_url("domain-edit-grant-list", "blue")).status_code == 404
    assert client.get(_url("domain-skip-list", "blue")).status_code == 404


def test_skip_verification_through_the_api(world):
    merchant = _client(world.merchant_developer)
    url = _url("miniprogram-domain-skip", "blue", world.coffee.app_id)
    response = merchant.post(
        url, {"host_app_id": world.wallet.pk, "reason": "Rotating hosts"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "domain_verification_skip"
    [state] = merchant.get(url).json()["results"]
    assert state["status"] == "processing" and state["request_id"] == response.json()["id"]
    request = ApprovalRequest.objects.get(pk=response.json()["id"])
    from workspaces.services.approvals import approval_approve

    approval_approve(actor=world.team["reviewer"], request_id=request.pk)
    assert merchant.get(url).json()["results"][0]["status"] == "approved"
    tenant = _client(world.team["owner"])
    [skip] = tenant.get(_url("domain-skip-list", "acme")).json()["results"]
    assert skip["app_id"] == world.coffee.app_id and skip["approval_request_id"] == request.pk
    assert (
        _client(world.zenith_owner)
        .delete(_url("domain-skip-detail", "zenith", skip["id"]))
        .status_code
        == 404
    )
    assert tenant.delete(_url("domain-skip-detail", "acme", skip["id"])).status_code == 204
    assert not DomainVerificationSkip.objects.exists()


def test_another_tenants_grant_is_not_found(world):
    grant = DomainEditGrant.objects.create(tenant=world.tenant, developer_workspace=world.merchant)
    client = _client(world.zenith_owner)
    assert client.delete(_url("domain-edit-grant-detail", "zenith", grant.pk)).status_code == 404
    assert DomainEditGrant.objects.filter(pk=grant.pk).exists()
