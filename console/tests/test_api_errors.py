"""The API's one error shape: {"error": {"code", "message", "request_id", "fields"?}}."""

from __future__ import annotations

import pytest

from workspaces.services.tokens import token_create
from workspaces.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    _, raw = token_create(user=UserFactory(), name="CLI")
    return {"Authorization": f"Bearer {raw}"}


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["request_id"] == response["X-Request-ID"]
    assert error["message"]
    return error


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_unknown_api_path_is_a_json_404(client, auth, signed_in):
    response = client.get("/api/v1/does-not-exist", headers=auth if signed_in else {})
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "fields" not in error


def test_a_page_404_stays_html(client):
    response = client.get("/does-not-exist/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_405_with_the_error_shape(client, auth):
    response = client.post("/api/v1/me", {}, content_type="application/json", headers=auth)
    assert response.status_code == 405
    error = error_of(response)
    assert error["code"] == "method_not_allowed"
    assert "POST" in error["message"]
    assert "GET" in response["Allow"]


def test_a_validation_error_is_400_with_fields(client, auth):
    response = client.get("/api/v1/tokens", {"status": "sideways"}, headers=auth)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"] == "Some fields are invalid."
    assert list(error["fields"]) == ["status"]
    assert "sideways" in error["fields"]["status"][0]


def test_not_authenticated_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/tokens")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "not_authenticated"


def test_a_rejected_token_is_401_with_its_own_code(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer mpp_x"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response) == {
        "code": "token_invalid",
        "message": "Invalid API token.",
        "request_id": response["X-Request-ID"],
    }


def test_a_page_beyond_the_last_is_a_json_404(client, auth):
    response = client.get("/api/v1/tokens", {"page": 99}, headers=auth)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
