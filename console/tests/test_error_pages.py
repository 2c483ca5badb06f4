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


# --- `make run` (DEBUG on) serves the product's 404, and pages keep the console shell ---------


@pytest.fixture
def development(settings):
    """The development settings' middleware, with DEBUG on as `make run` has it."""
    import importlib

    settings.DEBUG = True
    settings.MIDDLEWARE = importlib.import_module("console.settings.dev").MIDDLEWARE


@pytest.mark.parametrize("path", ["/no-such-page/", "/w/no-such-workspace/"])
def test_development_serves_the_product_404_not_the_url_list(client, development, path):
    member = MembershipFactory(role=Membership.Role.OWNER)
    client.force_login(member.user)

    response = client.get(path)

    assert response.status_code == 404
    body = response.content.decode()
    assert "find that page" in body and response["X-Request-ID"] in body
    assert "URLconf" not in body and "DEBUG = True" not in body  # Django's debug page
    assert 'class="sidebar"' in body  # the console shell stays around it


def test_development_404_keeps_the_slash_redirect_and_the_api_json(client, development):
    assert client.get("/accounts/login").status_code == 301  # APPEND_SLASH still works
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_404_page_keeps_the_sidebar_of_the_last_workspace(client):
    first = MembershipFactory(role=Membership.Role.OWNER, workspace__name="Alpha Books")
    second = MembershipFactory(
        user=first.user, role=Membership.Role.DEVELOPER, workspace__name="Zeta Foods"
    )
    client.force_login(first.user)
    client.cookies["mpp_workspace"] = second.workspace.slug  # mpp.js remembers the last one

    assert 'data-workspace="' not in client.get("/no-such-page/").content.decode()

    body = client.get("/no-such-page/").content.decode()

    sidebar = body[body.index('class="sidebar"') :]
    assert f"/w/{second.workspace.slug}/members/" in sidebar
    assert f"/w/{first.workspace.slug}/members/" not in sidebar

    # A workspace the user is not a member of is never shown: the first of theirs instead.
    client.cookies["mpp_workspace"] = WorkspaceFactory(name="Secret Tenant").slug
    body = client.get("/no-such-page/").content.decode()
    assert "Secret Tenant" not in body and f"/w/{first.workspace.slug}/members/" in body


def test_a_visitor_signed_out_gets_the_404_without_a_sidebar(client):
    body = client.get("/no-such-page/").content.decode()
    assert "find that page" in body and 'class="sidebar"' not in body
