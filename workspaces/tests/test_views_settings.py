"""Settings, authorizations and roles pages: role matrix, uploads, token revocation, matrix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import ApiToken, AuditEvent, Membership, WorkspaceSettings
from workspaces.services.authorizations import token_revoke_by_admin
from workspaces.services.settings import PRIVACY_TEMPLATE, workspace_settings_update
from workspaces.services.tokens import TokenRejected, token_authenticate, token_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.tests.images import image_upload
from workspaces.tests.matrix import EVERYONE, MANAGERS, ROLES, assert_refused, login_as

pytestmark = pytest.mark.django_db


def _url(name, workspace, *args):
    return reverse(f"workspaces:{name}", args=[workspace.slug, *args])


def _settings_form(**extra):
    data = {
        "name": "Acme Renamed",
        "default_language": "zh-hans",
        "service_email": "help@acme.example",
        "email_preference": "important",
        "preferred_domain": "console.acme.example",
        "about_url": "https://acme.example/about",
        "terms_url": "",
        "terms_text": "Be nice.",
        "privacy_policy": "We keep little.",
    }
    data.update(extra)
    return data


# --- general settings -----------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_settings_are_readable_by_members_and_changed_by_managers(client, tenant, who):
    login_as(client, tenant, who)
    get = client.get(_url("settings", tenant))
    post = client.post(_url("settings", tenant), _settings_form())
    tenant.refresh_from_db()
    row = WorkspaceSettings.objects.filter(workspace=tenant).first()
    if who in ROLES:
        assert get.status_code == 200
    else:
        assert_refused(get, who)
    if who in MANAGERS:
        assert post.status_code == 302 and post["Location"] == _url("settings", tenant)
        assert (tenant.name, tenant.default_language) == ("Acme Renamed", "zh-hans")
        assert row.service_email == "help@acme.example" and row.email_preference == "important"
        assert AuditEvent.objects.filter(verb="workspace.update_settings").count() == 1
    else:
        assert_refused(post, who)
        assert tenant.name == "Acme Super App"
        assert row is None or row.service_email == ""
        assert not AuditEvent.objects.filter(verb="workspace.update_settings").exists()


def test_a_developer_sees_settings_read_only(client, tenant, admin):
    workspace_settings_update(actor=admin, changes={"service_email": "help@acme.example"})
    login_as(client, tenant, "developer")
    response = client.get(_url("settings", tenant))
    page = response.content.decode()
    assert response.context["form"] is None
    assert "help@acme.example" in page
    assert 'id="settings-form"' not in page and 'name="service_email"' not in page
    assert "<textarea" not in page and 'type="file"' not in page
    # Managers get the form, filled with the current values.
    client.logout()
    login_as(client, tenant, "admin")
    page = client.get(_url("settings", tenant)).content.decode()
    assert 'id="settings-form"' in page and 'value="help@acme.example"' in page


def test_settings_update_with_a_logo_shows_and_serves_it(client, tenant):
    login_as(client, tenant, "owner")
    logo = image_upload(size=(128, 128), name="logo.html")  # a PNG whatever its name says
    response = client.post(_url("settings", tenant), _settings_form(logo=logo))
    assert response.status_code == 302
    row = WorkspaceSettings.objects.get(workspace=tenant)
    assert row.logo and row.logo.storage.exists(row.logo.name)
    page = client.get(_url("settings", tenant)).content.decode()
    asset_url = _url("settings-asset", tenant, "logo")
    assert asset_url in page and 'name="clear_logo"' in page
    image = client.get(asset_url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"  # from the bytes, not the ".html" suffix
    assert image["X-Content-Type-Options"] == "nosniff"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert client.get(_url("settings-asset", tenant, "favicon")).status_code == 404
    assert client.get(_url("settings-asset", tenant, "secrets")).status_code == 404


def test_removing_the_logo(client, tenant, admin):
    workspace_settings_update(actor=admin, changes={}, logo=image_upload(size=(128, 128)))
    login_as(client, tenant, "owner")
    response = client.post(_url("settings", tenant), _settings_form(clear_logo="on"))
    assert response.status_code == 302
    assert not WorkspaceSettings.objects.get(workspace=tenant).logo
    assert client.get(_url("settings-asset", tenant, "logo")).status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_branding_images_are_served_to_members_only(client, tenant, admin, who):
    workspace_settings_update(
        actor=admin, changes={}, favicon=image_upload(size=(32, 32), name="f.png")
    )
    login_as(client, tenant, who)
    response = client.get(_url("settings-asset", tenant, "favicon"))
    if who in ROLES:
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
    else:
        assert_refused(response, who)


def test_an_invalid_logo_is_a_field_error_and_keeps_the_input(client, tenant):
    login_as(client, tenant, "admin")
    response = client.post(
        _url("settings", tenant),
        _settings_form(logo=image_upload(size=(128, 64))),
    )
    assert response.status_code == 200
    assert "must be square" in str(response.context["form"].errors["logo"])
    assert 'value="help@acme.example"' in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.name == "Acme Super App"
    assert not WorkspaceSettings.objects.filter(workspace=tenant, service_email__gt="").exists()


def test_service_validation_errors_land_on_their_fields(client, tenant):
    login_as(client, tenant, "admin")
    response = client.post(
        _url("settings", tenant), _settings_form(preferred_domain="https://acme.example/x")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["preferred_domain"]
    tenant.refresh_from_db()
    assert tenant.name == "Acme Super App"


def test_start_from_template_fills_the_privacy_policy_without_saving(client, tenant):
    login_as(client, tenant, "admin")
    response = client.post(
        _url("settings", tenant), {"use_privacy_template": "1", "service_email": "x@acme.example"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["privacy_policy"].startswith("Acme Super App Privacy Policy")
    assert form.initial["service_email"] == "x@acme.example"  # unsaved input is kept
    assert "We do not sell personal data." in PRIVACY_TEMPLATE
    assert "We do not sell personal data." in response.content.decode()
    row = WorkspaceSettings.objects.get(workspace=tenant)
    assert row.privacy_policy == "" and row.service_email == ""
    assert not AuditEvent.objects.exists()


def test_a_developer_cannot_use_the_template_button_either(client, tenant):
    login_as(client, tenant, "developer")
    response = client.post(_url("settings", tenant), {"use_privacy_template": "1"})
    assert response.status_code == 403


def test_settings_in_a_developer_workspace(client):
    developer = WorkspaceFactory(kind="developer", tenant=WorkspaceFactory(kind="tenant"))
    login_as(client, developer, "owner")
    assert client.get(_url("settings", developer)).status_code == 200
    response = client.post(_url("settings", developer), _settings_form(name="Merchant"))
    assert response.status_code == 302
    developer.refresh_from_db()
    assert developer.name == "Merchant"


# --- authorizations -------------------------------------------------------------------------


@pytest.fixture
def member_token(tenant):
    member = MembershipFactory(workspace=tenant, role="developer")
    token, raw = token_create(user=member.user, name="CI deploy")
    return token, raw


@pytest.mark.parametrize("who", EVERYONE)
def test_authorizations_page_needs_manage_authorizations(client, tenant, member_token, who):
    token, _ = member_token
    login_as(client, tenant, who)
    response = client.get(_url("authorizations", tenant))
    if who in MANAGERS:
        assert response.status_code == 200
        page = response.content.decode()
        assert "CI deploy" in page and f"mpp_{token.prefix}_" in page
        assert "and so do Developers assigned to mini programs" in page
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_revoking_a_members_token_needs_manage_authorizations(client, tenant, member_token, who):
    token, raw = member_token
    login_as(client, tenant, who)
    response = client.post(_url("authorization-token-revoke", tenant, token.pk))
    token.refresh_from_db()
    if who in MANAGERS:
        assert response.status_code == 302
        assert response["Location"] == _url("authorizations", tenant)
        assert token.revoked_at is not None
        event = AuditEvent.objects.get(verb="api_token.revoke")
        assert event.workspace == tenant and event.after["owner"] == token.user.email
        with pytest.raises(TokenRejected, match="revoked"):
            token_authenticate(raw=raw, ip=None)
    else:
        assert_refused(response, who)
        assert token.revoked_at is None


def test_the_page_lists_only_active_tokens_of_members(client, tenant, member_token):
    token, _ = member_token
    token_create(user=UserFactory(), name="Stranger's laptop")
    revoked, _ = token_create(user=token.user, name="Old laptop")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, _ = token_create(user=token.user, name="Expired job")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    blocked = MembershipFactory(workspace=tenant, role="developer", status="blocked")
    blocked_token, _ = token_create(user=blocked.user, name="Blocked member's CLI")
    login_as(client, tenant, "admin")
    response = client.get(_url("authorizations", tenant))
    assert {t.pk for t in response.context["tokens"]} == {token.pk, blocked_token.pk}
    assert "Stranger" not in response.content.decode()


def test_an_admin_cannot_revoke_the_token_of_someone_outside_the_workspace(client, tenant):
    stranger_token, _ = token_create(user=UserFactory(), name="Stranger's laptop")
    login_as(client, tenant, "admin")
    response = client.post(_url("authorization-token-revoke", tenant, stranger_token.pk))
    assert response.status_code == 404
    stranger_token.refresh_from_db()
    assert stranger_token.revoked_at is None


def test_token_revoke_by_admin_checks_capability_membership_and_is_idempotent(
    tenant, admin, member_token
):
    token, _ = member_token
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    with pytest.raises(PermissionDenied):
        token_revoke_by_admin(actor=reviewer, token_id=token.pk)
    other_admin = MembershipFactory(workspace=WorkspaceFactory(), role="admin")
    with pytest.raises(Http404):
        token_revoke_by_admin(actor=other_admin, token_id=token.pk)
    with pytest.raises(Http404):
        token_revoke_by_admin(actor=admin, token_id=10**9)
    first = token_revoke_by_admin(actor=admin, token_id=token.pk)
    again = token_revoke_by_admin(actor=admin, token_id=token.pk)
    assert first.revoked_at is not None and again.revoked_at == first.revoked_at
    assert AuditEvent.objects.filter(verb="api_token.revoke", workspace=tenant).count() == 1


@pytest.mark.parametrize("rows", [1, 200])
def test_authorizations_queries_do_not_grow_with_rows(
    client, tenant, rows, django_assert_max_num_queries
):
    members = [MembershipFactory(workspace=tenant, role="developer") for _ in range(min(rows, 20))]
    ApiToken.objects.bulk_create(
        ApiToken(user=members[i % len(members)].user, name=f"t{i}", prefix=f"p{i:07}", key_hash="x")
        for i in range(rows)
    )
    login_as(client, tenant, "owner")
    # +3 for the object grants section: the grant lists (on the workspace, on its mini
    # programs) and the grant form's member choices; +1 for the sidebar's approvals badge.
    with django_assert_max_num_queries(10):
        response = client.get(_url("authorizations", tenant))
    assert len(response.context["tokens"]) == min(rows, 50)


# --- roles & permissions ----------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_roles_page_is_for_every_member(client, tenant, who):
    login_as(client, tenant, who)
    response = client.get(_url("roles", tenant))
    if who in ROLES:
        assert response.status_code == 200
        assert "Workspace Admin" in response.content.decode()
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("kind", ["tenant", "developer"])
def test_every_cell_of_the_roles_page_matches_has_cap(client, kind):
    workspace = WorkspaceFactory(kind=kind)
    login_as(client, workspace, "owner")
    response = client.get(_url("roles", workspace))
    roles = authz.ROLES_BY_KIND[kind]
    assert response.context["role_labels"] == [authz.role_label(r, kind) for r in roles]
    shown = {row.cap for row in response.context["rows"]}
    for cap in Cap:
        probes = [Membership(workspace=workspace, role=r, status="active") for r in roles]
        if not any(authz.has_cap(m, cap) for m in probes) and cap in authz.CAP_KINDS:
            assert cap.value not in shown  # a capability this kind of workspace does not have
    for row in response.context["rows"]:
        for (label, held), role in zip(row.cells, roles, strict=True):
            probe = Membership(workspace=workspace, role=role, status="active")
            assert held == authz.has_cap(probe, Cap(row.cap)), (row.cap, label)
    page = response.content.decode()
    allowed = sum(held for row in response.context["rows"] for _, held in row.cells)
    assert page.count('<span class="yes" aria-hidden="true">✓</span>') == allowed
    assert page.count(": allowed</span>") == allowed


def test_roles_page_is_generated_from_the_capability_table(client, tenant, monkeypatch):
    login_as(client, tenant, "developer")
    before = client.get(_url("roles", tenant)).content.decode()
    assert "Reviewer: allowed" in before and "Reviewer: not allowed" in before
    monkeypatch.setitem(authz.ROLE_CAPS, "reviewer", frozenset(Cap))
    monkeypatch.setitem(authz.CAP_DESCRIPTIONS, Cap.VIEW_AUDIT, "Peek at the audit trail")
    after = client.get(_url("roles", tenant)).content.decode()
    assert "Reviewer: not allowed" not in after
    assert after.count("Reviewer: allowed") == len(Cap)
    assert "Peek at the audit trail" in after and "Peek at the audit trail" not in before


def test_a_developer_workspace_has_no_reviewer_column_and_no_host_app_rows(client):
    workspace = WorkspaceFactory(kind="developer")
    login_as(client, workspace, "developer")
    page = client.get(_url("roles", workspace)).content.decode()
    assert "Developer Admin" in page and "Reviewer" not in page
    assert Cap.VIEW_HOST_APPS.value not in page


def test_settings_tabs_show_authorizations_only_to_those_who_can_open_it(client, tenant):
    login_as(client, tenant, "reviewer")
    page = client.get(_url("roles", tenant)).content.decode()
    assert _url("settings", tenant) in page and _url("authorizations", tenant) not in page
    client.logout()
    login_as(client, tenant, "admin")
    page = client.get(_url("roles", tenant)).content.decode()
    assert _url("authorizations", tenant) in page
