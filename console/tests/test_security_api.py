"""Hostile requests to the API answer 4xx in the one error shape, never 500 (issue 9, 4 and 5)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from console.tests.test_isolation import REGISTRY, routes, world  # noqa: F401 - a fixture
from releases.package.scanner import PackageRejected, scan_package
from releases.tests.packages import with_files, zip_bytes
from workspaces.models import Membership, Workspace
from workspaces.services.tokens import token_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import UserFactory

DEPTH = 100_000


def _deep_json(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


def _error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


@pytest.fixture
def owner(db):
    user = UserFactory()
    workspace = workspace_create(owner=user, name="Acme", kind=Workspace.Kind.TENANT)
    _, raw = token_create(user=user, name="CLI")
    return workspace, {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
def test_a_json_body_nested_100000_deep_is_a_400_in_the_error_shape(client, owner):
    _workspace, auth = owner

    response = client.post(
        "/api/v1/workspaces", _deep_json(), content_type="application/json", headers=auth
    )

    assert response.status_code == 400
    error = _error_of(response)
    assert error["code"] == "parse_error"
    assert "nested too deeply" in error["message"]


@pytest.mark.django_db
def test_a_json_object_nested_100000_deep_is_a_400_too(client, owner):
    _workspace, auth = owner
    body = '{"a":' * DEPTH + "1" + "}" * DEPTH

    response = client.post(
        "/api/v1/workspaces", body, content_type="application/json", headers=auth
    )

    assert response.status_code == 400
    assert _error_of(response)["code"] == "parse_error"


@pytest.mark.django_db
def test_a_json_string_field_nested_100000_deep_in_a_form_is_a_400(client, owner):
    workspace, auth = owner

    response = client.post(
        f"/api/v1/workspaces/{workspace.slug}/miniprograms",
        {"name": "Deep", "languages": _deep_json()},
        headers=auth,
    )

    assert response.status_code == 400
    error = _error_of(response)
    assert error["code"] == "invalid"
    assert "languages" in error["fields"]


def _api_urls(w) -> list[tuple[str, str]]:
    """(name, url) of every API pattern: B's objects for patterns with kwargs (the isolation
    sweep's registry), the plain path for the others."""
    urls = []
    for name, route in sorted(routes().items()):
        if not route.is_api:
            continue
        if route.kwargs:
            urls.append((name, reverse(name, kwargs=REGISTRY[name](w))))
        else:
            urls.append((name, reverse(name)))
    return urls


@pytest.mark.parametrize("who", ["owner", "developer"])
def test_options_on_every_api_route_answers_without_a_server_error(client, world, who):  # noqa: F811
    user = world.b_owner if who == "owner" else world.b_member.user
    assert Membership.objects.filter(user=user, workspace=world.b).exists()
    client.force_login(user)

    urls = _api_urls(world)
    answers = {f"OPTIONS {url} [{name}]": client.options(url) for name, url in urls}

    assert any("trial" in key for key in answers)
    broken = [f"{key} -> {r.status_code}" for key, r in answers.items() if r.status_code >= 500]
    assert not broken, "\n".join(broken)
    for key, response in answers.items():
        if response.status_code == 200 and response["Content-Type"] == "application/json":
            assert "OPTIONS" in response["Allow"], key
            assert "actions" not in response.json(), key  # no body fields, no object lookup


def test_a_package_manifest_nested_100000_deep_is_rejected_not_crashed():
    files = with_files({"app.json": _deep_json().encode()})

    with pytest.raises(PackageRejected) as refused:
        scan_package(io.BytesIO(zip_bytes(files)))

    assert refused.value.code == "bad_manifest"
    assert "nested too deeply" in str(refused.value)
