"""Host app and developer workspace pages: role matrix, secrets shown once, uploads, queries."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from workspaces.models import AuditEvent, HostApp, HostAppPlatform, Invitation, Workspace
from workspaces.services.developer_workspaces import developer_workspace_create
from workspaces.services.hostapps import host_app_authenticate, host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.tests.images import image_upload
from workspaces.tests.matrix import EVERYONE, ROLES, assert_refused, login_as

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r'data-copy="([A-Za-z0-9]{40})"')


@pytest.fixture
def app(admin):
    app, _ = host_app_create(
        actor=admin,
        name="Acme Wallet",
        description="The wallet",
        platforms={"android": "com.acme.wallet", "ios": "com.acme.Wallet"},
        icon=image_upload(size=(96, 96)),
    )
    return app


def _url(name, workspace, *args):
    return reverse(f"workspaces:{name}", args=[workspace.slug, *args])


def _form(**extra):
    data = {
        "name": "Acme Shop",
        "description": "Shopping",
        "platform_android": "com.acme.shop",
        "platform_ios": "",
        "platform_harmonyos": "com.acme.shop.harmony",
    }
    data.update(extra)
    return data


# --- role matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_host_app_list_is_for_every_member(client, tenant, app, who):
    login_as(client, tenant, who)
    response = client.get(_url("host-apps", tenant))
    if who in ROLES:
        assert response.status_code == 200
        assert app.app_key in response.content.decode()
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_host_app_detail_is_for_every_member(client, tenant, app, who):
    login_as(client, tenant, who)
    response = client.get(_url("host-app-detail", tenant, app.pk))
    if who in ROLES:
        assert response.status_code == 200
        assert "com.acme.wallet" in response.content.decode()
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_adding_a_host_app_needs_manage_host_apps(client, tenant, who):
    login_as(client, tenant, who)
    get = client.get(_url("host-app-create", tenant))
    post = client.post(_url("host-app-create", tenant), _form())
    created = HostApp.objects.filter(workspace=tenant, name="Acme Shop").first()
    if who in ("owner", "admin"):
        assert get.status_code == 200 and post.status_code == 200
        assert created is not None
        assert {p.platform for p in created.platforms.all()} == {"android", "harmonyos"}
    else:
        assert_refused(get, who)
        assert_refused(post, who)
        assert created is None


@pytest.mark.parametrize("who", EVERYONE)
def test_editing_a_host_app_needs_manage_host_apps(client, tenant, app, who):
    login_as(client, tenant, who)
    url = _url("host-app-edit", tenant, app.pk)
    get = client.get(url)
    post = client.post(url, _form(name="Acme Wallet 2"))
    app.refresh_from_db()
    if who in ("owner", "admin"):
        assert get.status_code == 200 and 'value="com.acme.wallet"' in get.content.decode()
        assert post.status_code == 302
        assert post["Location"] == _url("host-app-detail", tenant, app.pk)
        assert app.name == "Acme Wallet 2"
        assert {p.platform: p.bundle_id for p in app.platforms.all()} == {
            "android": "com.acme.shop",
            "harmonyos": "com.acme.shop.harmony",
        }
    else:
        assert_refused(get, who)
        assert_refused(post, who)
        assert app.name == "Acme Wallet"


@pytest.mark.parametrize("who", EVERYONE)
def test_resetting_the_secret_needs_manage_host_apps(client, tenant, app, who):
    before = app.secret_hash
    login_as(client, tenant, who)
    response = client.post(_url("host-app-reset-secret", tenant, app.pk))
    app.refresh_from_db()
    if who in ("owner", "admin"):
        assert response.status_code == 200
        assert app.secret_hash != before
    else:
        assert_refused(response, who)
        assert app.secret_hash == before


@pytest.mark.parametrize("who", EVERYONE)
def test_the_icon_is_served_to_members_only(client, tenant, app, who):
    login_as(client, tenant, who)
    response = client.get(_url("host-app-icon", tenant, app.pk))
    if who in ROLES:
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    else:
        assert_refused(response, who)


def test_reset_secret_only_accepts_post(client, tenant, app):
    login_as(client, tenant, "owner")
    assert client.get(_url("host-app-reset-secret", tenant, app.pk)).status_code == 405


def test_another_tenants_host_app_is_404_even_for_an_owner(client, tenant, app):
    other = WorkspaceFactory(kind="tenant")
    login_as(client, other, "owner")
    for name in ("host-app-detail", "host-app-edit", "host-app-icon"):
        assert client.get(_url(name, other, app.pk)).status_code == 404
    assert client.post(_url("host-app-reset-secret", other, app.pk)).status_code == 404


@pytest.mark.parametrize("role", ["owner", "admin", "developer"])
def test_host_apps_and_developer_workspaces_do_not_exist_in_a_developer_workspace(
    client, tenant, app, role
):
    """Our choice: 404, not 403. No role of a developer workspace can ever use these pages,
    so a 403 "ask an admin" page would send people looking for something that isn't there."""
    developer = WorkspaceFactory(kind="developer", tenant=tenant)
    login_as(client, developer, role)
    for name, args in [
        ("host-apps", ()),
        ("host-app-create", ()),
        ("host-app-detail", (app.pk,)),
        ("host-app-edit", (app.pk,)),
        ("host-app-icon", (app.pk,)),
        ("developer-workspaces", ()),
        ("developer-workspace-create", ()),
    ]:
        assert client.get(_url(name, developer, *args)).status_code == 404, name
    assert client.post(_url("host-app-create", developer), _form()).status_code == 404
    assert client.post(_url("host-app-reset-secret", developer, app.pk)).status_code == 404
    assert not HostApp.objects.filter(workspace=developer).exists()


# --- secrets are shown once ---------------------------------------------------------------------


def test_a_new_host_app_shows_its_secret_once_and_the_secret_authenticates(client, tenant):
    login_as(client, tenant, "admin")
    response = client.post(
        _url("host-app-create", tenant), _form(icon=image_upload(size=(128, 128)))
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Copy it now — you won&#x27;t see it again" in page or "you won't see it again" in page
    (secret,) = SECRET_RE.findall(page)
    app = HostApp.objects.get(workspace=tenant, name="Acme Shop")
    assert app.app_key in page and app.icon
    assert host_app_authenticate(app_key=app.app_key, secret=secret) == app
    assert AuditEvent.objects.filter(verb="host_app.create", workspace=tenant).count() == 1

    for url in (_url("host-app-detail", tenant, app.pk), _url("host-apps", tenant)):
        reload = client.get(url).content.decode()
        assert secret not in reload and app.app_key in reload


def test_resetting_shows_a_new_secret_once_and_the_old_one_stops_working(client, tenant):
    member = login_as(client, tenant, "owner")
    app, old = host_app_create(actor=member, name="Pay", platforms={"ios": "com.acme.Pay"})
    response = client.post(_url("host-app-reset-secret", tenant, app.pk))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    (new,) = SECRET_RE.findall(response.content.decode())
    assert new != old
    assert host_app_authenticate(app_key=app.app_key, secret=old) is None
    assert host_app_authenticate(app_key=app.app_key, secret=new) == app
    assert new not in client.get(_url("host-app-detail", tenant, app.pk)).content.decode()


def test_the_detail_page_offers_reset_only_to_managers(client, tenant, app):
    reset_url = _url("host-app-reset-secret", tenant, app.pk)
    login_as(client, tenant, "reviewer")
    assert reset_url not in client.get(_url("host-app-detail", tenant, app.pk)).content.decode()
    client.logout()
    login_as(client, tenant, "admin")
    page = client.get(_url("host-app-detail", tenant, app.pk)).content.decode()
    assert reset_url in page and "stops working immediately" in page


# --- invalid input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("icon", "message"),
    [
        (image_upload(size=(120, 80)), "must be square"),
        (image_upload(size=(64, 64), fmt="GIF", name="icon.png"), "is a GIF image"),
    ],
    ids=["not-square", "gif-named-png"],
)
def test_an_invalid_icon_is_a_field_error_and_nothing_is_created(client, tenant, icon, message):
    login_as(client, tenant, "admin")
    icon.seek(0)
    response = client.post(_url("host-app-create", tenant), _form(icon=icon))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["icon"])
    page = response.content.decode()
    assert 'value="Acme Shop"' in page and 'value="com.acme.shop.harmony"' in page
    assert not HostApp.objects.exists() and not AuditEvent.objects.exists()


def test_a_host_app_needs_at_least_one_platform(client, tenant):
    login_as(client, tenant, "admin")
    response = client.post(
        _url("host-app-create", tenant),
        _form(platform_android="", platform_harmonyos=""),
    )
    assert response.status_code == 200
    assert "at least one platform" in response.content.decode()
    assert not HostApp.objects.exists()


def test_a_duplicate_name_from_the_service_lands_on_the_name_field(client, tenant, app):
    login_as(client, tenant, "admin")
    response = client.post(_url("host-app-create", tenant), _form(name="acme wallet"))
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["name"])
    assert HostApp.objects.count() == 1


def test_empty_host_app_list_explains_and_offers_the_first_action(client, tenant):
    login_as(client, tenant, "owner")
    page = client.get(_url("host-apps", tenant)).content.decode()
    assert "No host apps yet — add your super app to release mini programs into it." in page
    assert _url("host-app-create", tenant) in page
    client.logout()
    login_as(client, tenant, "developer")
    assert (
        _url("host-app-create", tenant)
        not in client.get(_url("host-apps", tenant)).content.decode()
    )


# --- query counts -------------------------------------------------------------------------------


def _make_apps(workspace, count):
    apps = HostApp.objects.bulk_create(
        HostApp(workspace=workspace, name=f"App {i:03}", app_key=f"key{i:017}", secret_hash="x")
        for i in range(count)
    )
    HostAppPlatform.objects.bulk_create(
        HostAppPlatform(host_app=a, platform=p, bundle_id=f"com.acme.app{a.pk}")
        for a in apps
        for p in ("android", "ios", "harmonyos")
    )


@pytest.mark.parametrize("rows", [1, 200])
def test_host_app_list_queries_do_not_grow_with_rows(
    client, tenant, rows, django_assert_max_num_queries
):
    _make_apps(tenant, rows)
    login_as(client, tenant, "developer")
    # 8: a developer's page also looks up their object grants once (authz.has_cap).
    with django_assert_max_num_queries(8):
        response = client.get(_url("host-apps", tenant))
    assert response.status_code == 200
    assert response.content.decode().count("com.acme.app") == 3 * min(rows, 50)


# --- developer workspaces -----------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_developer_workspace_list_needs_manage_developer_workspaces(client, tenant, admin, who):
    developer_workspace_create(
        actor=admin, name="Blue Bottle", owner_name="Mia", owner_email="mia@example.com"
    )
    login_as(client, tenant, who)
    response = client.get(_url("developer-workspaces", tenant))
    if who in ("owner", "admin"):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Blue Bottle" in page and "Invitation pending to mia@example.com" in page
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_creating_a_developer_workspace_invites_its_owner(
    client, tenant, who, django_capture_on_commit_callbacks
):
    login_as(client, tenant, who)
    get = client.get(_url("developer-workspace-create", tenant))
    with django_capture_on_commit_callbacks(execute=True):
        post = client.post(
            _url("developer-workspace-create", tenant),
            {"name": "Blue Bottle", "owner_name": "Mia Merchant", "owner_email": "Mia@Example.com"},
        )
    created = Workspace.objects.filter(tenant=tenant, name="Blue Bottle").first()
    if who in ("owner", "admin"):
        assert get.status_code == 200
        assert post.status_code == 302
        assert post["Location"] == _url("developer-workspaces", tenant)
        assert created is not None and created.kind == "developer"
        invitation = Invitation.objects.get(workspace=created)
        assert (invitation.role, invitation.email) == ("owner", "mia@example.com")
        assert [m.to for m in mail.outbox] == [["mia@example.com"]]
        follow = client.get(post["Location"]).content.decode()
        assert "Created Blue Bottle and invited mia@example.com to own it" in follow
    else:
        assert_refused(get, who)
        assert_refused(post, who)
        assert created is None and mail.outbox == []


def test_developer_workspace_form_errors_keep_input(client, tenant, admin):
    developer_workspace_create(
        actor=admin, name="Blue Bottle", owner_name="Mia", owner_email="mia@example.com"
    )
    login_as(client, tenant, "admin")
    response = client.post(
        _url("developer-workspace-create", tenant),
        {"name": "blue bottle", "owner_name": "Max", "owner_email": "max@example.com"},
    )
    assert response.status_code == 200
    assert "already has a workspace named" in str(response.context["form"].errors["name"])
    assert 'value="max@example.com"' in response.content.decode()
    response = client.post(
        _url("developer-workspace-create", tenant),
        {"name": "Other", "owner_name": "Max", "owner_email": "not-an-email"},
    )
    assert response.context["form"].errors["owner_email"]
    assert Workspace.objects.filter(tenant=tenant).count() == 1


def test_developer_workspace_list_shows_the_accepted_owner(client, tenant, admin):
    dev, _ = developer_workspace_create(
        actor=admin, name="Blue Bottle", owner_name="Mia", owner_email="mia@example.com"
    )
    owner = UserFactory(name="Mia Merchant", email="mia@example.com")
    Invitation.objects.filter(workspace=dev).update(status="accepted")
    MembershipFactory(workspace=dev, user=owner, role="owner")
    MembershipFactory(workspace=dev, role="developer")
    login_as(client, tenant, "admin")
    response = client.get(_url("developer-workspaces", tenant))
    page = response.content.decode()
    assert "Mia Merchant" in page and "Invitation pending" not in page
    (row,) = response.context["developer_workspaces"]
    assert row.member_count == 2


@pytest.mark.parametrize("rows", [1, 200])
def test_developer_workspace_list_queries_do_not_grow_with_rows(
    client, tenant, admin, rows, django_assert_max_num_queries
):
    for i in range(rows):
        dev = WorkspaceFactory(kind="developer", tenant=tenant, name=f"Dev {i:03}")
        MembershipFactory(workspace=dev, role="owner")
        MembershipFactory(workspace=dev, role="developer")
        Invitation.objects.create(
            workspace=dev,
            email=f"pending{i}@example.com",
            name="P",
            role="owner",
            token_hash=f"hash{i}",
            expires_at="2999-01-01T00:00:00Z",
        )
    login_as(client, tenant, "owner")
    with django_assert_max_num_queries(9):  # 8, and the sidebar's approvals badge
        response = client.get(_url("developer-workspaces", tenant))
    assert response.status_code == 200
    assert len(response.context["developer_workspaces"]) == min(rows, 50)
