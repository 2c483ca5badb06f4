"""Object grants (django-guardian, direct foreign keys): one capability for one member on one
object, on top of their role. Rules in workspaces/authz/, writes in services/grants.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from miniprograms.models import MiniProgramUserObjectPermission
from miniprograms.tests.factories import create_miniprogram
from workspaces import authz
from workspaces.authz import GRANTABLE, Cap, CapabilityDenied, caps_for, has_cap
from workspaces.models import (
    AuditEvent,
    Membership,
    Workspace,
    WorkspaceUserObjectPermission,
)
from workspaces.selectors import grant_candidate_list, grant_list
from workspaces.services.grants import grant_add, grant_remove
from workspaces.services.members import membership_remove
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory, fresh
from workspaces.tests.matrix import EVERYONE, MANAGERS, assert_refused, login_as

pytestmark = pytest.mark.django_db

NEVER_GRANTABLE = [
    Cap.MANAGE_MEMBERS,
    Cap.MANAGE_AUTHORIZATIONS,
    Cap.TRANSFER_OWNERSHIP,
    Cap.CHANGE_WORKSPACE,
]


@pytest.fixture
def developer(tenant):
    """Dana Dev <dana@x.test>, whom the pages and API answers below name."""
    return MembershipFactory(
        workspace=tenant, role="developer", user=UserFactory(name="Dana Dev", email="dana@x.test")
    )


def rows_of(member: Membership) -> list[str]:
    return sorted(
        WorkspaceUserObjectPermission.objects.filter(user=member.user).values_list(
            "permission__codename", flat=True
        )
    )


def _url(name, workspace, *args):
    return reverse(f"workspaces:{name}", args=[workspace.slug, *args])


# --- the grant adds access on top of the role -------------------------------------------------


def test_a_developer_reads_the_audit_log_only_while_granted(client, tenant, owner, developer):
    client.force_login(developer.user)
    audit = _url("audit", tenant)
    assert client.get(audit).status_code == 403
    assert audit not in client.get(_url("roles", tenant)).content.decode()  # no sidebar link

    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)

    assert client.get(audit).status_code == 200
    assert audit in client.get(_url("roles", tenant)).content.decode()  # the sidebar shows it
    assert client.get(_url("members", tenant)).status_code == 200
    # Only what was granted: the rest of the admin pages stay closed.
    assert client.get(_url("authorizations", tenant)).status_code == 403

    grant_remove(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)

    assert client.get(audit).status_code == 403


def test_the_api_honours_grants_too(tenant, owner, developer):
    api = APIClient()
    api.force_authenticate(developer.user)
    url = f"/api/v1/workspaces/{tenant.slug}/audit-events"
    assert api.get(url).status_code == 403

    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    assert api.get(url).status_code == 200

    grant_remove(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    assert api.get(url).status_code == 403


def test_a_granted_capability_works_in_the_services(tenant, owner, developer):
    from workspaces.services.hostapps import host_app_create

    with pytest.raises(CapabilityDenied):
        host_app_create(actor=fresh(developer), name="App", platforms={"ios": "com.a"})
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.MANAGE_HOST_APPS, obj=tenant)
    app, _secret = host_app_create(actor=fresh(developer), name="App", platforms={"ios": "com.a"})
    assert app.workspace == tenant


def test_grants_never_reach_across_workspaces(client, tenant, owner):
    other = WorkspaceFactory(kind="tenant", slug="other")
    person = UserFactory()
    in_a = MembershipFactory(workspace=tenant, role="developer", user=person)
    in_b = MembershipFactory(workspace=other, role="developer", user=person)

    grant_add(actor=owner, user_id=person.pk, cap=Cap.VIEW_AUDIT, obj=tenant)

    assert has_cap(fresh(in_a), Cap.VIEW_AUDIT)
    assert not has_cap(fresh(in_b), Cap.VIEW_AUDIT)
    # Even asked about A's workspace object, B's membership gets nothing from A's grant.
    assert not has_cap(fresh(in_b), Cap.VIEW_AUDIT, obj=tenant)
    client.force_login(person)
    assert client.get(_url("audit", tenant)).status_code == 200
    assert client.get(_url("audit", other)).status_code == 403


def test_a_grant_row_on_a_workspace_one_is_not_a_member_of_opens_nothing(client, tenant):
    stranger = MembershipFactory(workspace=WorkspaceFactory(), role="developer")
    assign_perm("view_auditevent", stranger.user, tenant)  # written around the service

    assert not has_cap(fresh(stranger), Cap.VIEW_AUDIT)
    client.force_login(stranger.user)
    assert client.get(_url("audit", tenant)).status_code == 404


def test_a_blocked_member_holds_nothing_granted(client, tenant, owner, developer):
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    Membership.objects.filter(pk=developer.pk).update(status="blocked")

    assert not has_cap(fresh(developer), Cap.VIEW_AUDIT)
    client.force_login(developer.user)
    assert client.get(_url("audit", tenant)).status_code == 404


def test_a_stored_row_for_a_capability_that_is_not_grantable_gives_nothing(tenant, developer):
    # Defence in depth: even a row written around the service (shell, admin) cannot escalate.
    for cap in NEVER_GRANTABLE:
        assign_perm(authz.codename(cap), developer.user, tenant)
    member = fresh(developer)
    assert not any(has_cap(member, cap) for cap in NEVER_GRANTABLE)
    assert caps_for(member) == caps_for(
        fresh(MembershipFactory(workspace=tenant, role="developer"))
    )


def test_host_app_capabilities_cannot_be_granted_in_a_developer_workspace():
    workspace = WorkspaceFactory(kind="developer")
    owner = MembershipFactory(workspace=workspace, role="owner")
    dev = MembershipFactory(workspace=workspace, role="developer")
    assert authz.grantable_caps(workspace) == {Cap.VIEW_AUDIT}
    for cap in (Cap.MANAGE_HOST_APPS, Cap.MANAGE_DEVELOPER_WORKSPACES):
        with pytest.raises(ValidationError, match="cannot be granted"):
            grant_add(actor=owner, user_id=dev.user_id, cap=cap, obj=workspace)
    assert rows_of(dev) == []


# --- what the services refuse --------------------------------------------------------------------


def test_grantable_capabilities_never_include_who_has_access():
    for caps in GRANTABLE.values():
        assert not set(caps) & set(NEVER_GRANTABLE)
    assert GRANTABLE[Workspace] == {
        Cap.VIEW_AUDIT,
        Cap.VIEW_HOST_APPS,
        Cap.MANAGE_HOST_APPS,
        Cap.MANAGE_DEVELOPER_WORKSPACES,
    }


def test_every_grantable_workspace_capability_is_a_permission_of_the_workspace():
    codenames = set(
        Permission.objects.filter(
            content_type__app_label="workspaces", content_type__model="workspace"
        ).values_list("codename", flat=True)
    )
    assert {authz.codename(c) for c in GRANTABLE[Workspace]} <= codenames


@pytest.mark.parametrize("cap", [*NEVER_GRANTABLE, "workspaces.delete_workspace", "nonsense"])
def test_a_capability_that_is_not_grantable_is_refused(tenant, owner, developer, cap):
    with pytest.raises(ValidationError, match="cannot be granted"):
        grant_add(actor=owner, user_id=developer.user_id, cap=cap, obj=tenant)
    assert rows_of(developer) == []
    assert not AuditEvent.objects.filter(verb="grant.add").exists()


@pytest.mark.parametrize("role", ["reviewer", "developer"])
def test_only_those_managing_authorizations_can_grant_or_revoke(tenant, owner, developer, role):
    actor = MembershipFactory(workspace=tenant, role=role)
    with pytest.raises(CapabilityDenied):
        grant_add(actor=actor, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    # Not even with a grant of their own: managing authorizations is never granted.
    grant_add(actor=owner, user_id=actor.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    with pytest.raises(CapabilityDenied):
        grant_add(actor=fresh(actor), user_id=actor.user_id, cap=Cap.MANAGE_HOST_APPS, obj=tenant)
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    with pytest.raises(CapabilityDenied):
        grant_remove(actor=actor, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    assert rows_of(developer) == ["view_auditevent"]


def test_the_person_must_be_an_active_member_without_the_capability_by_role(tenant, owner):
    outsider = MembershipFactory(workspace=WorkspaceFactory(), role="developer")
    blocked = MembershipFactory(workspace=tenant, role="developer", status="blocked")
    admin = MembershipFactory(workspace=tenant, role="admin")
    cases = [
        (outsider.user_id, "not a member"),
        (blocked.user_id, "blocked"),
        (admin.user_id, "already has this capability as Workspace Admin"),
    ]
    for user_id, message in cases:
        with pytest.raises(ValidationError, match=message):
            grant_add(actor=owner, user_id=user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    assert not WorkspaceUserObjectPermission.objects.exists()


def test_an_object_of_another_workspace_is_not_found(tenant, owner, developer):
    other = WorkspaceFactory()
    with pytest.raises(Http404):
        grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=other)
    assign_perm("view_auditevent", developer.user, other)
    with pytest.raises(Http404):
        grant_remove(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=other)
    assert WorkspaceUserObjectPermission.objects.filter(content_object=other).count() == 1


def test_add_and_remove_are_idempotent_and_audited_once(tenant, owner, developer):
    for _ in range(2):
        grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    assert rows_of(developer) == ["view_auditevent"]
    added = AuditEvent.objects.get(verb="grant.add")
    assert added.workspace == tenant and added.actor == owner.user
    assert added.after == {
        "user": "dana@x.test",
        "cap": "workspaces.view_auditevent",
        "object": f"workspaces.workspace:{tenant.pk}",
    }

    for _ in range(2):
        grant_remove(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    assert rows_of(developer) == []
    removed = AuditEvent.objects.get(verb="grant.remove")
    assert removed.before == added.after and removed.after is None


# --- removing a member drops their grants ------------------------------------------------------


def test_removing_a_member_drops_their_grants_in_that_workspace_only(tenant, owner, developer):
    other = WorkspaceFactory(kind="tenant")
    other_owner = MembershipFactory(workspace=other, role="owner")
    MembershipFactory(workspace=other, role="developer", user=developer.user)
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.MANAGE_HOST_APPS, obj=tenant)
    grant_add(actor=other_owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=other)

    membership_remove(actor=owner, membership_id=developer.pk)

    assert list(
        WorkspaceUserObjectPermission.objects.filter(user=developer.user).values_list(
            "content_object_id", flat=True
        )
    ) == [other.pk]
    dropped = AuditEvent.objects.filter(verb="grant.remove", workspace=tenant)
    assert sorted(e.before["cap"] for e in dropped) == [
        "workspaces.manage_hostapps",
        "workspaces.view_auditevent",
    ]
    # Invited back, they start from their role alone.
    back = MembershipFactory(workspace=tenant, role="developer", user=developer.user)
    assert not has_cap(fresh(back), Cap.VIEW_AUDIT)


def test_leaving_drops_ones_own_grants(tenant, owner, developer):
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    membership_remove(actor=fresh(developer), membership_id=developer.pk)
    assert rows_of(developer) == []


# --- caching: one query per request ------------------------------------------------------------


def test_caps_for_costs_at_most_one_query_and_is_cached_per_membership(
    tenant, owner, developer, django_assert_num_queries
):
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.MANAGE_HOST_APPS, obj=tenant)
    member = fresh(developer)

    with django_assert_num_queries(1):
        caps = caps_for(member)
        assert has_cap(member, Cap.VIEW_AUDIT)
        authz.require(member, Cap.MANAGE_HOST_APPS)
    assert {Cap.VIEW_AUDIT.value, Cap.MANAGE_HOST_APPS.value} <= caps
    assert Cap.MANAGE_DEVELOPER_WORKSPACES.value not in caps

    with django_assert_num_queries(0):  # cached on the membership instance
        assert caps_for(member) == caps

    owner_member = fresh(owner)
    with django_assert_num_queries(0):  # the role holds everything grantable: no lookup
        assert caps_for(owner_member) == {cap.value for cap in Cap}


def test_a_page_costs_one_grant_lookup_whatever_it_checks(
    client, tenant, owner, developer, django_assert_max_num_queries
):
    client.force_login(developer.user)
    with django_assert_max_num_queries(50) as plain:
        client.get(_url("members", tenant))
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    with django_assert_max_num_queries(50) as granted:
        client.get(_url("members", tenant))
    grant_lookups = [
        q["sql"] for q in granted.captured_queries if "workspaceuserobjectpermission" in q["sql"]
    ]
    assert len(grant_lookups) == 1
    assert len(granted.captured_queries) == len(plain.captured_queries)


# --- the Authorizations page ---------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_granting_from_the_console_needs_manage_authorizations(client, tenant, developer, who):
    login_as(client, tenant, who)
    response = client.post(
        _url("authorization-grant-add", tenant),
        {"member": developer.pk, "cap": Cap.VIEW_AUDIT.value},
    )
    if who in MANAGERS:
        assert response.status_code == 302
        assert response["Location"] == _url("authorizations", tenant)
        assert rows_of(developer) == ["view_auditevent"]
        assert AuditEvent.objects.filter(verb="grant.add", workspace=tenant).count() == 1
    else:
        assert_refused(response, who)
        assert rows_of(developer) == []


@pytest.mark.parametrize("who", EVERYONE)
def test_revoking_from_the_console_needs_manage_authorizations(client, tenant, developer, who):
    granter = MembershipFactory(workspace=tenant, role="admin")
    grant_add(actor=granter, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    grant = WorkspaceUserObjectPermission.objects.get()
    login_as(client, tenant, who)
    response = client.post(_url("authorization-grant-revoke", tenant, grant.pk))
    if who in MANAGERS:
        assert response.status_code == 302
        assert response["Location"] == _url("authorizations", tenant)
        assert rows_of(developer) == []
        assert AuditEvent.objects.filter(verb="grant.remove", workspace=tenant).count() == 1
    else:
        assert_refused(response, who)
        assert rows_of(developer) == ["view_auditevent"]


def test_the_grant_views_answer_only_post(client, tenant, owner, developer):
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    grant = WorkspaceUserObjectPermission.objects.get()
    client.force_login(owner.user)
    assert client.get(_url("authorization-grant-add", tenant)).status_code == 405
    assert client.get(_url("authorization-grant-revoke", tenant, grant.pk)).status_code == 405


def test_revoking_a_grant_of_another_workspace_is_a_404(client, tenant, owner):
    other = WorkspaceFactory()
    stranger = MembershipFactory(workspace=other, role="developer")
    assign_perm("view_auditevent", stranger.user, other)
    grant = WorkspaceUserObjectPermission.objects.get()
    client.force_login(owner.user)
    assert client.post(_url("authorization-grant-revoke", tenant, grant.pk)).status_code == 404
    assert client.post(_url("authorization-grant-revoke", tenant, 10**9)).status_code == 404
    assert WorkspaceUserObjectPermission.objects.filter(pk=grant.pk).exists()


def test_the_page_lists_grants_with_a_confirmed_revoke_button(client, tenant, owner, developer):
    grant_add(actor=owner, user_id=developer.user_id, cap=Cap.VIEW_AUDIT, obj=tenant)
    grant = WorkspaceUserObjectPermission.objects.get()
    client.force_login(owner.user)

    response = client.get(_url("authorizations", tenant))

    page = response.content.decode()
    assert [(g.user, g.cap) for g in response.context["grants"]] == [
        (developer.user, "workspaces.view_auditevent")
    ]
    assert "Dana Dev" in page and authz.CAP_DESCRIPTIONS[Cap.VIEW_AUDIT] in page
    assert "Workspace: Acme Super App" in page
    revoke = _url("authorization-grant-revoke", tenant, grant.pk)
    assert f'action="{revoke}"' in page
    form = page[page.index(f'action="{revoke}"') :][:400]
    assert "data-confirm=" in form and "dana@x.test" in form
    assert "No object grants yet" not in page


def test_the_grant_form_offers_members_a_grant_can_help_and_grantable_capabilities(
    client, tenant, owner, developer
):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    admin = MembershipFactory(workspace=tenant, role="admin")
    blocked = MembershipFactory(workspace=tenant, role="developer", status="blocked")
    client.force_login(owner.user)

    form = client.get(_url("authorizations", tenant)).context["grant_form"]

    members = {pk for pk, _label in form.fields["member"].choices if pk}
    assert members == {developer.pk, reviewer.pk}
    assert not members & {owner.pk, admin.pk, blocked.pk}
    caps = {value for value, _label in form.fields["cap"].choices if value}
    # Seeing host apps is grantable but every role holds it: not offered.
    assert caps == {c.value for c in GRANTABLE[Workspace]} - {Cap.VIEW_HOST_APPS.value}
    assert set(grant_candidate_list(workspace=tenant)) == {developer, reviewer}


def test_a_refused_grant_keeps_the_input_and_shows_the_reason(client, tenant, owner, developer):
    client.force_login(owner.user)
    forged = client.post(
        _url("authorization-grant-add", tenant),
        {"member": developer.pk, "cap": Cap.MANAGE_MEMBERS.value},
    )
    assert forged.status_code == 200
    assert forged.context["grant_form"].errors["cap"]  # not a choice on the form
    Membership.objects.filter(pk=developer.pk).update(status="blocked")
    refused = client.post(
        _url("authorization-grant-add", tenant),
        {"member": developer.pk, "cap": Cap.VIEW_AUDIT.value},
    )
    assert refused.status_code == 200
    page = refused.content.decode()
    # The form is back with its error, although nobody is left to offer.
    assert refused.context["grant_form"].errors["member"]
    assert 'class="form-errors"' in page and 'name="member"' in page
    assert rows_of(developer) == []


def test_a_service_refusal_lands_on_the_form(client, tenant, owner, developer, monkeypatch):
    from workspaces.views import settings as views

    def refusing(**kwargs):
        raise ValidationError("dana@x.test already has this capability as Developer.")

    monkeypatch.setattr(views, "grant_add", refusing)
    client.force_login(owner.user)
    response = client.post(
        _url("authorization-grant-add", tenant),
        {"member": developer.pk, "cap": Cap.VIEW_AUDIT.value},
    )
    assert response.status_code == 200
    assert "already has this capability" in response.content.decode()
    form = response.context["grant_form"]
    assert form["member"].value() == str(developer.pk)
    assert form["cap"].value() == Cap.VIEW_AUDIT.value


@pytest.mark.parametrize("rows", [1, 200])
def test_grant_list_and_page_queries_do_not_grow_with_rows(
    client, tenant, owner, rows, django_assert_max_num_queries
):
    members = MembershipFactory.create_batch(min(rows, 50), workspace=tenant, role="developer")
    perms = list(
        Permission.objects.filter(
            content_type__model="workspace",
            codename__in=[authz.codename(c) for c in GRANTABLE[Workspace]],
        )
    )
    WorkspaceUserObjectPermission.objects.bulk_create(
        WorkspaceUserObjectPermission(
            user=members[i % len(members)].user,
            permission=perms[i // len(members)],
            content_object=tenant,
        )
        for i in range(rows)
    )
    # Developers assigned to a mini program are grants too (on the mini program).
    miniprogram = create_miniprogram(owner, name="Coffee Corner")
    develop = Permission.objects.get(
        content_type__app_label="miniprograms", codename="develop_miniprogram"
    )
    MiniProgramUserObjectPermission.objects.bulk_create(
        MiniProgramUserObjectPermission(user=m.user, permission=develop, content_object=miniprogram)
        for m in members
    )
    with django_assert_max_num_queries(2):  # one per type of object
        listed = grant_list(workspace=tenant)
        assert all(g.user.email and g.object.name for g in listed)
    assert len(listed) == rows + len(members)
    assert sum(g.object_type == "miniprogram" for g in listed) == len(members)
    client.force_login(owner.user)
    with django_assert_max_num_queries(9):
        response = client.get(_url("authorizations", tenant))
    assert len(response.context["grants"]) == rows + len(members)


def test_the_roles_page_mentions_grants(client, tenant, developer):
    client.force_login(developer.user)
    page = client.get(_url("roles", tenant)).content.decode()
    assert "grant a single member" in page
    assert authz.CAP_DESCRIPTIONS[Cap.VIEW_AUDIT] in page


# --- the API -------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_grants_list_add_and_revoke(tenant, owner, developer):
    api = _api(owner.user)
    url = f"/api/v1/workspaces/{tenant.slug}/grants"
    assert api.get(url).json()["results"] == []

    created = api.post(
        url, {"membership_id": developer.pk, "cap": Cap.VIEW_AUDIT.value}, format="json"
    )
    again = api.post(
        url, {"membership_id": developer.pk, "cap": Cap.VIEW_AUDIT.value}, format="json"
    )

    assert created.status_code == 201 and again.status_code == 201
    body = created.json()
    grant = WorkspaceUserObjectPermission.objects.get()
    assert body == {
        "id": grant.pk,
        "user": {"name": "Dana Dev", "email": "dana@x.test", "membership_id": developer.pk},
        "cap": "workspaces.view_auditevent",
        "description": authz.CAP_DESCRIPTIONS[Cap.VIEW_AUDIT],
        "effective": True,
        "object": {"type": "workspace", "id": tenant.pk, "name": "Acme Super App", "app_id": None},
    }
    assert again.json() == body
    assert api.get(url).json()["results"] == [body]
    assert AuditEvent.objects.filter(verb="grant.add").count() == 1

    assert api.delete(f"{url}/{grant.pk}").status_code == 204
    assert api.delete(f"{url}/{grant.pk}").status_code == 404
    assert rows_of(developer) == []


@pytest.mark.parametrize("cap", [Cap.MANAGE_MEMBERS, Cap.MANAGE_AUTHORIZATIONS, "x.y"])
def test_api_refuses_a_capability_that_is_not_grantable(tenant, owner, developer, cap):
    response = _api(owner.user).post(
        f"/api/v1/workspaces/{tenant.slug}/grants",
        {"membership_id": developer.pk, "cap": str(cap)},
        format="json",
    )
    assert response.status_code == 400
    assert "cannot be granted" in response.json()["error"]["fields"]["cap"][0]
    assert rows_of(developer) == []


def test_api_refuses_a_membership_of_another_workspace(tenant, owner):
    stranger = MembershipFactory(workspace=WorkspaceFactory(), role="developer")
    response = _api(owner.user).post(
        f"/api/v1/workspaces/{tenant.slug}/grants",
        {"membership_id": stranger.pk, "cap": Cap.VIEW_AUDIT.value},
        format="json",
    )
    assert response.status_code == 400
    assert "membership_id" in response.json()["error"]["fields"]
    assert not WorkspaceUserObjectPermission.objects.exists()


def test_api_grant_list_query_count_is_constant(tenant, owner, django_assert_max_num_queries):
    api = _api(owner.user)
    url = f"/api/v1/workspaces/{tenant.slug}/grants"
    perm = Permission.objects.get(content_type__model="workspace", codename="view_auditevent")
    for n in (1, 60):
        members = MembershipFactory.create_batch(n, workspace=tenant, role="developer")
        WorkspaceUserObjectPermission.objects.bulk_create(
            WorkspaceUserObjectPermission(user=m.user, permission=perm, content_object=tenant)
            for m in members
        )
        with django_assert_max_num_queries(4):
            response = api.get(url, {"page_size": 200})
        assert response.json()["count"] == WorkspaceUserObjectPermission.objects.count()


def test_an_inert_row_is_shown_as_without_effect_and_can_be_revoked(client, tenant, owner):
    dev = MembershipFactory(workspace=tenant, role="developer")
    assign_perm("manage_members", dev.user, tenant)  # written around the service
    client.force_login(owner.user)

    response = client.get(_url("authorizations", tenant))

    [row] = response.context["grants"]
    assert row.cap == "workspaces.manage_members" and not row.effective
    assert "No effect" in response.content.decode()
    client.post(_url("authorization-grant-revoke", tenant, row.id))
    assert rows_of(dev) == []
    assert AuditEvent.objects.get(verb="grant.remove").before["cap"] == "workspaces.manage_members"
