"""The workspaces API: /api/v1/me, /api/v1/tokens, and the OpenAPI schema and docs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from workspaces.models import ApiToken, AuditEvent, Membership, Workspace
from workspaces.services.tokens import token_create, token_revoke
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOKENS = "/api/v1/tokens"


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def user():
    return UserFactory(email="ada@example.com", name="Ada Lovelace")


@pytest.fixture
def raw(user):
    return token_create(user=user, name="CLI")[1]


# --- /api/v1/me ----------------------------------------------------------------------------


def test_me_describes_the_caller_and_their_active_workspaces(client, user, raw):
    tenant = WorkspaceFactory(name="Acme Super App", slug="acme", kind=Workspace.Kind.TENANT)
    dev = WorkspaceFactory(name="Bolt Shop", slug="bolt", kind=Workspace.Kind.DEVELOPER)
    MembershipFactory(user=user, workspace=tenant, role=Membership.Role.ADMIN)
    MembershipFactory(user=user, workspace=dev, role=Membership.Role.DEVELOPER)
    blocked = WorkspaceFactory(name="Closed", slug="closed")
    MembershipFactory(
        user=user, workspace=blocked, role=Membership.Role.ADMIN, status=Membership.Status.BLOCKED
    )
    MembershipFactory(workspace=WorkspaceFactory(name="Other", slug="other"))

    response = client.get(ME, headers=bearer(raw))

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "two_factor_enabled": False,
        "workspaces": [
            {
                "slug": "acme",
                "name": "Acme Super App",
                "kind": "tenant",
                "role": "admin",
                "role_label": "Workspace Admin",
            },
            {
                "slug": "bolt",
                "name": "Bolt Shop",
                "kind": "developer",
                "role": "developer",
                "role_label": "Developer",
            },
        ],
    }


def test_me_reports_two_factor_once_a_device_is_confirmed(client, user, raw):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert client.get(ME, headers=bearer(raw)).json()["two_factor_enabled"] is True


def test_me_works_with_the_console_session(client, user):
    client.force_login(user)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_api_answers_json_only(client, raw):
    response = client.get(ME, headers=bearer(raw))
    assert response["Content-Type"] == "application/json"


# --- /api/v1/tokens ------------------------------------------------------------------------


def test_token_list_is_paginated_newest_first_and_only_mine(client, user, raw):
    for i in range(4):
        token_create(user=user, name=f"Token {i}")
    token_create(user=UserFactory(), name="Not mine")

    response = client.get(TOKENS, {"page_size": 3}, headers=bearer(raw))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["next"] and body["previous"] is None
    assert [t["name"] for t in body["results"]] == ["Token 3", "Token 2", "Token 1"]
    second = client.get(TOKENS, {"page_size": 3, "page": 2}, headers=bearer(raw)).json()
    assert [t["name"] for t in second["results"]] == ["Token 0", "CLI"]


def test_token_list_order_is_stable_when_created_at_ties(client, user, raw):
    others = [token_create(user=user, name=f"Tie {i}")[0] for i in range(3)]
    same = timezone.now()
    ApiToken.objects.filter(user=user).update(created_at=same)
    ids = [t["id"] for t in client.get(TOKENS, headers=bearer(raw)).json()["results"]]
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == {t.pk for t in others} | {ApiToken.objects.get(name="CLI").pk}


def test_token_list_never_returns_a_secret_or_hash(client, user, raw):
    token = ApiToken.objects.get(user=user)
    response = client.get(TOKENS, headers=bearer(raw))
    text = response.content.decode()
    assert raw not in text
    assert raw.rsplit("_", 1)[1] not in text
    assert token.key_hash not in text
    item = response.json()["results"][0]
    assert set(item) == {
        "id",
        "name",
        "prefix",
        "display",
        "status",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    }
    assert item["display"] == f"mpp_{token.prefix}_…"
    assert item["status"] == "active"


def test_token_list_filters_by_status(client, user, raw):
    revoked, _ = token_create(user=user, name="Revoked")
    token_revoke(actor=user, token_id=revoked.pk)
    expired, _ = token_create(user=user, name="Expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))

    def names(status: str) -> list[tuple[str, str]]:
        results = client.get(TOKENS, {"status": status}, headers=bearer(raw)).json()["results"]
        return [(t["name"], t["status"]) for t in results]

    assert names("active") == [("CLI", "active")]
    assert names("revoked") == [("Revoked", "revoked")]
    assert names("expired") == [("Expired", "expired")]


def test_token_list_query_count_does_not_grow(client, user, raw, django_assert_max_num_queries):
    for i in range(20):
        token_create(user=user, name=f"t{i}")
    with django_assert_max_num_queries(4):  # auth lookup, (last-used write), count, page
        response = client.get(TOKENS, headers=bearer(raw))
    assert len(response.json()["results"]) == 21


def test_delete_revokes_my_token_and_audits_it(client, user, raw):
    other, other_raw = token_create(user=user, name="Old CI")
    response = client.delete(f"{TOKENS}/{other.pk}", headers=bearer(raw))
    assert response.status_code == 204
    other.refresh_from_db()
    assert other.revoked_at is not None
    assert AuditEvent.objects.filter(verb="api_token.revoke", target_id=str(other.pk)).exists()
    assert client.get(ME, headers=bearer(other_raw)).status_code == 401
    # Revoking twice is a quiet no-op.
    assert client.delete(f"{TOKENS}/{other.pk}", headers=bearer(raw)).status_code == 204
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1


def test_a_token_can_revoke_itself(client, user, raw):
    token = ApiToken.objects.get(user=user)
    assert client.delete(f"{TOKENS}/{token.pk}", headers=bearer(raw)).status_code == 204
    response = client.get(ME, headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_delete_of_someone_elses_token_is_404_like_a_missing_one(client, raw):
    theirs, _ = token_create(user=UserFactory(), name="theirs")
    response = client.delete(f"{TOKENS}/{theirs.pk}", headers=bearer(raw))
    missing = client.delete(f"{TOKENS}/{theirs.pk + 999}", headers=bearer(raw))
    assert response.status_code == missing.status_code == 404
    assert response.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"] == missing.json()["error"]["message"]
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_token_endpoints_need_authentication(client):
    token, _ = token_create(user=UserFactory(), name="x")
    for response in (client.get(TOKENS), client.delete(f"{TOKENS}/{token.pk}")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    token.refresh_from_db()
    assert token.revoked_at is None


def test_session_delete_needs_the_csrf_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token, _ = token_create(user=user, name="x")
    response = client.delete(f"{TOKENS}/{token.pk}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    token.refresh_from_db()
    assert token.revoked_at is None


def test_api_urls_have_names():
    assert reverse("workspaces-api:me") == ME
    assert reverse("workspaces-api:token-detail", args=[7]) == f"{TOKENS}/7"


# --- schema and docs -----------------------------------------------------------------------


def test_schema_is_valid_openapi_with_bearer_auth(client):
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    bearer_names = [
        name for name, s in schemes.items() if s["type"] == "http" and s["scheme"] == "bearer"
    ]
    assert bearer_names
    me = schema["paths"]["/api/v1/me"]["get"]
    assert any(bearer_names[0] in requirement for requirement in me["security"])
    assert "/api/v1/tokens" in schema["paths"]
    assert "delete" in schema["paths"]["/api/v1/tokens/{id}"]


def test_api_docs_render_from_local_assets_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert any(a.startswith("/static/") for a in assets)
    assert not [a for a in assets if re.match(r"(https?:)?//", a)]
    assert not re.search(r"https?://[^\s\"']*(cdn|unpkg|jsdelivr)", html)
