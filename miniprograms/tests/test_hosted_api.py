"""A tenant reads, through the API, the merchant mini programs that target its host apps:
``/hosted-miniprograms`` (list, detail), and their versions at the tenant's own paths
(``/miniprograms/{app_id}/versions``, …), where every write answers 403."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from miniprograms.models import MiniProgram, MiniProgramHostApp, MiniProgramTester
from miniprograms.tests.hosted import HostedWorld, hosted_world, unlink
from miniprograms.tests.test_hosted import _bulk_merchant_programs
from releases.models import Version
from workspaces.models import Membership
from workspaces.tests.routes import openapi_schema

pytestmark = pytest.mark.django_db

HOSTED = "/api/v1/workspaces/{slug}/hosted-miniprograms"


@pytest.fixture
def w() -> HostedWorld:
    return hosted_world()


def api(member: Membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    return client


def own_path(w: HostedWorld, suffix: str = "", slug: str = "acme") -> str:
    return f"/api/v1/workspaces/{slug}/miniprograms/{w.coffee.app_id}{suffix}"


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("admin", 200), ("reviewer", 200), ("developer", 403)],
)
def test_list_role_matrix(w, role, status):
    response = api(w.team[role]).get(HOSTED.format(slug="acme"))

    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["count"] == 1
        [row] = body["results"]
        assert row["app_id"] == w.coffee.app_id
        assert row["developer_workspace"] == {"slug": "blue", "name": "Blue Bottle Coffee"}
        assert [h["name"] for h in row["host_apps"]] == ["Acme Wallet"]
        assert row["console_url"].endswith(f"/w/acme/miniprograms/{w.coffee.app_id}/")
    else:
        assert "miniprograms.view_miniprogram" in response.json()["error"]["message"]


def test_list_elsewhere(w):
    assert api(w.zenith_owner).get(HOSTED.format(slug="zenith")).json()["count"] == 0
    assert api(w.zenith_owner).get(HOSTED.format(slug="acme")).status_code == 404
    # A developer workspace hosts nothing; the merchant does not reach its tenant's list.
    assert api(w.merchant_owner).get(HOSTED.format(slug="blue")).status_code == 404
    assert api(w.merchant_owner).get(HOSTED.format(slug="acme")).status_code == 404


def test_list_filters(w):
    client = api(w.team["owner"])
    url = HOSTED.format(slug="acme")

    def app_ids(**query) -> list[str]:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        return [row["app_id"] for row in response.json()["results"]]

    assert app_ids(host_app=w.wallet.pk) == [w.coffee.app_id]
    assert app_ids(host_app=w.lite.pk) == []
    assert app_ids(developer_workspace="blue") == [w.coffee.app_id]
    assert app_ids(developer_workspace="nobody") == []
    assert app_ids(search="Bottle") == [w.coffee.app_id]
    assert app_ids(shelf="off_shelf") == []
    assert client.get(url, {"shelf": "sideways"}).status_code == 400


def test_detail(w):
    client = api(w.team["reviewer"])
    response = client.get(f"{HOSTED.format(slug='acme')}/{w.coffee.app_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Blue Bottle Order"
    assert body["developer_workspace"]["name"] == "Blue Bottle Coffee"
    assert [h["name"] for h in body["host_apps"]] == ["Acme Wallet"]
    assert "tagline" in body and "released_profile" in body
    # A tenant's Developer: refused for its role, whatever the App ID (nothing learnt).
    developer = api(w.team["developer"])
    for app_id in (w.coffee.app_id, "2099000000000001"):
        refused = developer.get(f"{HOSTED.format(slug='acme')}/{app_id}")
        assert refused.status_code == 403
        assert "Blue" not in refused.content.decode()
    # The tenant's own mini program and another tenant's view: 404.
    assert client.get(f"{HOSTED.format(slug='acme')}/{w.own.app_id}").status_code == 404
    zenith = api(w.zenith_owner)
    assert zenith.get(f"{HOSTED.format(slug='zenith')}/{w.coffee.app_id}").status_code == 404
    # The same answer as the mini program's path under the tenant's slug (the read-only way).
    same = client.get(own_path(w)).json()
    assert {k: v for k, v in body.items() if k != "developer_workspace"} == same


def test_after_the_link_is_deleted_everything_is_404(w):
    client = api(w.team["owner"])
    unlink(w.coffee, w.wallet)
    assert client.get(f"{HOSTED.format(slug='acme')}/{w.coffee.app_id}").status_code == 404
    assert client.get(own_path(w, "/versions")).status_code == 404
    assert client.get(HOSTED.format(slug="acme")).json()["count"] == 0


def test_versions_are_read_at_the_tenants_own_paths(w):
    client = api(w.team["reviewer"])

    versions = client.get(own_path(w, "/versions"))
    assert versions.status_code == 200
    [row] = versions.json()["results"]
    assert row["number"] == "1.0.0"
    assert row["url"].endswith(own_path(w, "/versions/1.0.0"))
    assert client.get(own_path(w, "/versions/1.0.0")).status_code == 200
    assert client.get(own_path(w, "/versions/1.0.0/package")).status_code == 200
    assert client.get(own_path(w, "/releases")).status_code == 200


def test_no_write_and_no_team_through_the_api(w):
    client = api(w.team["owner"])
    before = (
        list(MiniProgram.objects.filter(pk=w.coffee.pk).values()),
        list(MiniProgramHostApp.objects.filter(miniprogram=w.coffee).values()),
        list(MiniProgramTester.objects.filter(miniprogram=w.coffee).values()),
        list(Version.objects.filter(miniprogram=w.coffee).values()),
    )
    for method, suffix, body in (
        ("patch", "", {"tagline": "Pwned by the host tenant"}),
        ("delete", "", {"confirm_name": w.coffee.name}),
        ("post", "/shelf", {"on_shelf": False, "reason": "pwned"}),
        ("post", f"/host-apps/{w.wallet.pk}/offline", {"reason": "pwned"}),
        ("post", "/versions/1.0.0/retry-scan", {}),
        ("post", "/versions/1.0.0/restart-quality", {}),
        ("put", "/trial", {"version": "1.0.0", "page_path": "pages/index/index"}),
        ("delete", "/trial", {}),
    ):
        response = getattr(client, method)(own_path(w, suffix), body, format="json")
        assert response.status_code == 403, (method, suffix, response.content)
        assert "Read-only: Blue Bottle Coffee develops" in response.json()["error"]["message"]
    for method, suffix in (
        ("get", "/developers"),
        ("get", "/testers"),
        ("post", "/testers"),
        ("delete", f"/testers/{w.tester.pk}"),
        ("delete", f"/developers/{w.merchant_developer.user_id}"),
    ):
        response = getattr(client, method)(own_path(w, suffix), {"accounts": ["x"]}, format="json")
        assert response.status_code == 404, (method, suffix)
    after = (
        list(MiniProgram.objects.filter(pk=w.coffee.pk).values()),
        list(MiniProgramHostApp.objects.filter(miniprogram=w.coffee).values()),
        list(MiniProgramTester.objects.filter(miniprogram=w.coffee).values()),
        list(Version.objects.filter(miniprogram=w.coffee).values()),
    )
    assert after == before


def test_the_merchants_api_is_unaffected(w):
    client = api(w.merchant_owner)
    assert client.get(own_path(w, slug="blue")).status_code == 200
    assert client.get(own_path(w, "/developers", slug="blue")).status_code == 200


def test_list_query_count_is_constant_as_rows_grow(w):
    client = api(w.team["reviewer"])
    url = HOSTED.format(slug="acme")

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    small, rows = count_queries()
    assert rows == 1
    _bulk_merchant_programs(w, 29)
    large, rows = count_queries()
    assert rows == 30
    assert large == small, (small, large)


def test_the_schema_documents_the_hosted_endpoints(tmp_path, client):
    schema = openapi_schema(tmp_path, client)
    listing = schema["paths"]["/api/v1/workspaces/{workspace_slug}/hosted-miniprograms"]["get"]
    detail = schema["paths"]["/api/v1/workspaces/{workspace_slug}/hosted-miniprograms/{app_id}"]
    assert listing["tags"] == ["mini programs from developers"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "workspace_slug",
        "search",
        "shelf",
        "host_app",
        "developer_workspace",
        "page",
        "page_size",
    }
    assert set(detail) == {"get"}
    assert {"200", "401", "403", "404"} <= set(detail["get"]["responses"])
