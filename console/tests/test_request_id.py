"""Every response carries X-Request-ID; a sane incoming id is kept; logs carry the id."""

from __future__ import annotations

import logging
import re

import pytest

from console.context import RequestIDLogFilter
from workspaces.services.tokens import token_create
from workspaces.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MINTED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/accounts/tokens/", 302),  # a page, anonymous: sent to sign in
        ("/api/v1/me", 401),
        ("/no/such/page/", 404),
        ("/api/v1/no-such-endpoint", 404),
    ],
)
def test_every_response_has_a_request_id(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert MINTED.match(response["X-Request-ID"])


def test_signed_in_pages_and_api_calls_have_a_request_id(client):
    user = UserFactory()
    _, raw = token_create(user=user, name="CLI")
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    client.force_login(user)
    page = client.get("/accounts/tokens/")
    assert (api.status_code, page.status_code) == (200, 200)
    assert MINTED.match(api["X-Request-ID"]) and MINTED.match(page["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("incoming", ["abc-123_x.y:z", "3f2c9d4e-6b1a-4c8e-9f00-1234567890ab"])
def test_a_sane_incoming_request_id_is_echoed(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming", ["bad id!", "a" * 200, "short", "<script>", "id\nInjected: 1", ""]
)
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert MINTED.match(response["X-Request-ID"])


def test_the_request_id_reaches_api_error_bodies(client):
    response = client.get("/api/v1/me", headers={"X-Request-ID": "trace-0001-abcd"})
    assert response["X-Request-ID"] == "trace-0001-abcd"
    assert response.json()["error"]["request_id"] == "trace-0001-abcd"


def test_log_lines_carry_the_request_id(client, caplog):
    caplog.handler.addFilter(RequestIDLogFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no/such/page/", headers={"X-Request-ID": "trace-logs-0001"})
    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records, "Django logs a 404 as a warning"
    assert {r.request_id for r in records} == {"trace-logs-0001"}


def test_log_lines_of_our_code_carry_the_minted_request_id(client, caplog):
    caplog.handler.addFilter(RequestIDLogFilter())
    with caplog.at_level(logging.INFO, logger="workspaces.api_auth"):
        response = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    records = [r for r in caplog.records if r.name == "workspaces.api_auth"]
    assert [r.getMessage() for r in records] == ["API token rejected: token_invalid"]
    assert records[0].request_id == response["X-Request-ID"]


def test_outside_a_request_the_log_id_is_a_dash(caplog):
    caplog.handler.addFilter(RequestIDLogFilter())
    with caplog.at_level(logging.INFO, logger="mpp.test"):
        logging.getLogger("mpp.test").info("no request here")
    assert caplog.records[-1].request_id == "-"
