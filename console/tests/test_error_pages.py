"""Error pages: friendly HTML in the console, the one JSON error shape under /api/, and the
request id (also in ``X-Request-ID``) on every one of them so support can find the log lines."""

from __future__ import annotations

import pytest
from django.test import Client

from workspaces.models import Membership, Workspace
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("console.tests.urls")]

SUPPLIED_ID = "support-ticket-4711"


def _is_html(response) -> bool:
    return response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_REQUEST_ID": SUPPLIED_ID}])
def test_404_page_is_friendly_html_with_the_request_id(client, headers):
    response = client.get("/no-such-page/", **headers)

    assert response.status_code == 404
    assert _is_html(response)
    request_id = response["X-Request-ID"]
    if headers:
        assert request_id == SUPPLIED_ID
    body = response.content.decode()
    assert "find that page" in body
    assert "Back to the console" in body
    assert request_id in body


def test_404_under_the_api_is_the_json_error_shape(client):
    response = client.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"]
    assert error["request_id"] == response["X-Request-ID"]


def test_500_page_is_html_with_the_request_id():
    client = Client(raise_request_exception=False)

    response = client.get("/test/boom/", HTTP_X_REQUEST_ID=SUPPLIED_ID)

    assert response.status_code == 500
    assert _is_html(response)
    assert response["X-Request-ID"] == SUPPLIED_ID
    body = response.content.decode()
    assert "Something went wrong" in body
    assert SUPPLIED_ID in body
    assert "boom" not in body  # no traceback or exception text leaks


def test_500_under_the_api_is_the_json_error_shape():
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/test/boom/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "server_error"
    assert error["request_id"] == response["X-Request-ID"]
    assert "boom" not in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "needed"),
    [
        (Workspace.Kind.TENANT, "Owner or Workspace Admin"),
        (Workspace.Kind.DEVELOPER, "Owner or Developer Admin"),
    ],
)
def test_403_page_names_the_roles_needed_and_who_to_ask(client, kind, needed):
    workspace = WorkspaceFactory(kind=kind, name="Lighthouse Labs")
    owner = MembershipFactory(workspace=workspace, role=Membership.Role.OWNER)
    admin = MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN)
    blocked_admin = MembershipFactory(
        workspace=workspace, role=Membership.Role.ADMIN, status=Membership.Status.BLOCKED
    )
    developer = MembershipFactory(workspace=workspace, role=Membership.Role.DEVELOPER)
    client.force_login(developer.user)

    response = client.get(f"/w/{workspace.slug}/test/manage-members/")

    assert response.status_code == 403
    assert _is_html(response)
    body = response.content.decode()
    assert needed in body
    assert "Lighthouse Labs" in body
    assert owner.user.email in body
    assert admin.user.email in body
    assert blocked_admin.user.email not in body
    assert response["X-Request-ID"] in body


def test_the_same_page_is_allowed_for_an_admin(client):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    client.force_login(admin.user)

    response = client.get(f"/w/{admin.workspace.slug}/test/manage-members/")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/w/{slug}/", "/w/{slug}/test/manage-members/"])
def test_an_outsider_gets_404_for_another_workspace(client, path):
    mine = MembershipFactory(role=Membership.Role.OWNER)
    theirs = WorkspaceFactory(name="Secret Tenant")
    MembershipFactory(workspace=theirs, role=Membership.Role.OWNER)
    client.force_login(mine.user)

    response = client.get(path.format(slug=theirs.slug))
    missing = client.get(path.format(slug="no-such-workspace"))

    assert response.status_code == missing.status_code == 404
    assert "Secret Tenant" not in response.content.decode()
    assert client.get(path.format(slug=mine.workspace.slug)).status_code == 200


def test_a_blocked_member_gets_404_for_the_dashboard(client):
    blocked = MembershipFactory(role=Membership.Role.ADMIN, status=Membership.Status.BLOCKED)
    client.force_login(blocked.user)

    assert client.get(f"/w/{blocked.workspace.slug}/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    workspace = WorkspaceFactory()

    response = client.get(f"/w/{workspace.slug}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
