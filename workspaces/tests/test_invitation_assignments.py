"""Inviting a Developer assigns mini programs (SPEC §2): required once mini programs exist,
only this workspace's, only for Developers; granted on acceptance; shown on the member list and
the Authorizations page (console and API)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from miniprograms.access import access_miniprogram
from miniprograms.models import MiniProgramUserObjectPermission
from miniprograms.services.lifecycle import miniprogram_delete
from miniprograms.tests.factories import create_miniprogram
from workspaces.authz import Cap
from workspaces.models import AuditEvent, Invitation, Membership, WorkspaceUserObjectPermission
from workspaces.services.grants import grant_add
from workspaces.services.invitations import (
    InviteSpec,
    invitation_accept,
    invitation_create_batch,
    invitation_resend,
)
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

DEVELOP = "develop_miniprogram"


@pytest.fixture
def tenant():
    """Overrides the shared ``tenant``: the messages below name the workspace "Acme"."""
    return WorkspaceFactory(kind="tenant", name="Acme", slug="acme")


@pytest.fixture
def coffee(owner):
    return create_miniprogram(owner, name="Coffee Corner")


@pytest.fixture
def tea(owner):
    return create_miniprogram(owner, name="Tea House", service_email="tea@acme.test")


def _spec(role="developer", app_ids=(), email="dev@example.com") -> InviteSpec:
    return InviteSpec(name="New Person", email=email, role=role, app_ids=tuple(app_ids))


def _token(message) -> str:
    match = re.search(r"/invitations/([A-Za-z0-9]+)/", message.body)
    assert match, message.body
    return match.group(1)


def _fresh(member: Membership) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(pk=member.pk)


def _assigned(user_id: int) -> set[str]:
    return set(
        MiniProgramUserObjectPermission.objects.filter(
            user_id=user_id, permission__codename=DEVELOP
        ).values_list("content_object__app_id", flat=True)
    )


# --- the rules (service) ----------------------------------------------------------------------


def test_a_developer_needs_a_mini_program_once_the_workspace_has_any(owner, coffee):
    with pytest.raises(ValidationError) as refused:
        invitation_create_batch(actor=owner, specs=[_spec()])
    assert refused.value.messages == [
        "Assign at least one mini program to dev@example.com: Developers work only on the mini "
        "programs assigned to them."
    ]
    assert refused.value.error_list[0].code == "app_ids"
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_developer_needs_no_mini_program_while_there_are_none(owner):
    (invitation,) = invitation_create_batch(actor=owner, specs=[_spec()])
    assert invitation.role == "developer" and invitation.app_ids == []


def test_app_ids_are_kept_deduplicated_and_audited(owner, coffee, tea):
    ids = [tea.app_id, coffee.app_id, f" {tea.app_id} ", ""]
    (invitation,) = invitation_create_batch(actor=owner, specs=[_spec(app_ids=ids)])
    invitation.refresh_from_db()
    assert invitation.app_ids == [tea.app_id, coffee.app_id]
    event = AuditEvent.objects.get(verb="invitation.create")
    assert event.after["app_ids"] == [tea.app_id, coffee.app_id]


def test_a_mini_program_of_another_workspace_is_refused(owner, coffee):
    other_owner = MembershipFactory(workspace=WorkspaceFactory(name="Globex"), role="owner")
    foreign = create_miniprogram(other_owner, name="Globex Shop")
    with pytest.raises(ValidationError) as refused:
        invitation_create_batch(
            actor=owner, specs=[_spec(app_ids=[coffee.app_id, foreign.app_id, "1234"])]
        )
    assert refused.value.messages == [
        f"Not a mini program of Acme: {foreign.app_id}, 1234 (for dev@example.com)."
    ]
    assert not Invitation.objects.exists()


def test_app_ids_are_refused_while_the_workspace_has_no_mini_programs(owner):
    with pytest.raises(ValidationError, match="Not a mini program of Acme: 1000000000000001"):
        invitation_create_batch(actor=owner, specs=[_spec(app_ids=["1000000000000001"])])


@pytest.mark.parametrize(
    ("role", "label"), [("admin", "Workspace Admin"), ("reviewer", "Reviewer")]
)
def test_other_roles_carry_no_assignments(owner, coffee, role, label):
    with pytest.raises(ValidationError) as refused:
        invitation_create_batch(actor=owner, specs=[_spec(role=role, app_ids=[coffee.app_id])])
    assert refused.value.messages == [
        f"dev@example.com is invited as {label}, who works with every mini program through the "
        "role: only Developers are assigned to mini programs. Choose Developer or clear the "
        "mini programs."
    ]
    assert not Invitation.objects.exists()
    # Without mini programs they are invited as before.
    (invitation,) = invitation_create_batch(actor=owner, specs=[_spec(role=role)])
    assert invitation.app_ids == []


def test_one_bad_row_refuses_the_whole_batch(owner, coffee):
    specs = [
        _spec(email="good@example.com", app_ids=[coffee.app_id]),
        _spec(email="bad@example.com"),
    ]
    with pytest.raises(ValidationError, match=r"to bad@example\.com"):
        invitation_create_batch(actor=owner, specs=specs)
    assert not Invitation.objects.exists()


# --- acceptance ---------------------------------------------------------------------------------


def test_accepting_assigns_the_developer_to_the_mini_programs(
    owner, coffee, tea, django_capture_on_commit_callbacks
):
    closed = create_miniprogram(owner, name="Closed Shop", service_email="closed@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_batch(actor=owner, specs=[_spec(app_ids=[coffee.app_id, tea.app_id])])
    (message,) = mail.outbox
    assert "You will work on these mini programs: Coffee Corner, Tea House." in message.body
    user = UserFactory(email="dev@example.com")

    member = invitation_accept(raw_token=_token(message), user=user)

    assert member.role == "developer"
    assert _assigned(user.pk) == {coffee.app_id, tea.app_id}
    member = _fresh(member)
    assert access_miniprogram(member=member, app_id=coffee.app_id, cap=Cap.DEVELOP_MINIPROGRAM)
    assert access_miniprogram(member=member, app_id=tea.app_id, cap=Cap.DEVELOP_MINIPROGRAM)
    with pytest.raises(Http404):
        access_miniprogram(member=member, app_id=closed.app_id)
    events = AuditEvent.objects.filter(verb="miniprogram.developer_assign").order_by("pk")
    assert [(e.actor_id, e.target_id, e.after) for e in events] == [
        (user.pk, str(mp.pk), {"user": user.email, "app_id": mp.app_id, "via": "invitation"})
        for mp in (coffee, tea)
    ]


def test_a_mini_program_deleted_before_acceptance_is_skipped(
    owner, coffee, tea, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_batch(actor=owner, specs=[_spec(app_ids=[coffee.app_id, tea.app_id])])
    with django_capture_on_commit_callbacks(execute=True):
        miniprogram_delete(actor=owner, miniprogram=tea, confirm_name="Tea House")
    user = UserFactory(email="dev@example.com")
    invitation_accept(raw_token=_token(mail.outbox[0]), user=user)
    assert _assigned(user.pk) == {coffee.app_id}
    assert AuditEvent.objects.filter(verb="miniprogram.developer_assign").count() == 1


def test_a_grant_left_from_before_is_not_assigned_twice(
    owner, coffee, django_capture_on_commit_callbacks
):
    user = UserFactory(email="dev@example.com")
    assign_perm(DEVELOP, user, coffee)  # a stray row, e.g. written by hand
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_batch(actor=owner, specs=[_spec(app_ids=[coffee.app_id])])
    invitation_accept(raw_token=_token(mail.outbox[0]), user=user)
    assert MiniProgramUserObjectPermission.objects.filter(user=user).count() == 1
    assert not AuditEvent.objects.filter(verb="miniprogram.developer_assign").exists()


def test_resending_keeps_the_assignments(owner, coffee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invitation_create_batch(actor=owner, specs=[_spec(app_ids=[coffee.app_id])])
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent = invitation_resend(actor=owner, invitation_id=invitation.pk)
    assert resent.app_ids == [coffee.app_id]
    assert AuditEvent.objects.get(verb="invitation.resend").after["app_ids"] == [coffee.app_id]
    assert "Coffee Corner" in mail.outbox[-1].body
    user = UserFactory(email="dev@example.com")
    invitation_accept(raw_token=_token(mail.outbox[-1]), user=user)
    assert _assigned(user.pk) == {coffee.app_id}


# --- the API ------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_invitations_take_and_return_app_ids(owner, coffee, tea):
    api = _api(owner.user)
    url = "/api/v1/workspaces/acme/invitations"
    people = [
        {"name": "Dev", "email": "dev@example.com", "role": "developer", "app_ids": [tea.app_id]},
        {"name": "Rev", "email": "rev@example.com", "role": "reviewer"},
    ]
    response = api.post(url, {"invitations": people}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()["invitations"]
    assert [(i["email"], i["app_ids"]) for i in created] == [
        ("dev@example.com", [tea.app_id]),
        ("rev@example.com", []),
    ]
    listed = {i["email"]: i["app_ids"] for i in api.get(url).json()["results"]}
    assert listed == {"dev@example.com": [tea.app_id], "rev@example.com": []}


def test_api_refuses_a_developer_without_mini_programs(owner, coffee):
    response = _api(owner.user).post(
        "/api/v1/workspaces/acme/invitations",
        {"invitations": [{"name": "Dev", "email": "dev@example.com", "role": "developer"}]},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "Assign at least one mini program to dev@example.com"
        in (response.json()["error"]["message"])
    )
    assert not Invitation.objects.exists()


# --- the console invite form --------------------------------------------------------------------


def _invite_url(workspace) -> str:
    return reverse("workspaces:invite", args=[workspace.slug])


def _members_url(workspace) -> str:
    return reverse("workspaces:members", args=[workspace.slug])


def _form_data(rows: list[tuple[str, str, str, list[str]]]) -> dict[str, object]:
    data: dict[str, object] = {
        "invite-TOTAL_FORMS": str(len(rows)),
        "invite-INITIAL_FORMS": "0",
        "invite-MIN_NUM_FORMS": "0",
        "invite-MAX_NUM_FORMS": "10",
    }
    for i, (name, email, role, app_ids) in enumerate(rows):
        data.update({f"invite-{i}-name": name, f"invite-{i}-email": email})
        data.update({f"invite-{i}-role": role, f"invite-{i}-app_ids": app_ids})
    return data


def _checkbox(body: str, row: int, app_id: str) -> str:
    """The checkbox of ``app_id`` in invite row ``row``."""
    match = re.search(
        rf'<input type="checkbox" name="invite-{row}-app_ids" value="{app_id}"[^>]*>', body
    )
    assert match, f"no checkbox for {app_id} in row {row}"
    return match.group(0)


def test_the_invite_form_offers_the_mini_programs_by_name_and_app_id(client, owner, coffee, tea):
    client.force_login(owner.user)
    body = client.get(_invite_url(owner.workspace)).content.decode()
    assert "Coffee Corner" in body and f'<code class="small muted">{coffee.app_id}</code>' in body
    assert "Developers only: they work on these mini programs and no others." in body
    assert "checked" not in _checkbox(body, 0, tea.app_id)
    assert 'name="invite-__prefix__-app_ids"' in body  # the row template for "Add another"


def test_the_invite_form_has_no_mini_program_field_without_mini_programs(client, owner):
    client.force_login(owner.user)
    body = client.get(_invite_url(owner.workspace)).content.decode()
    assert "data-invite-miniprograms" not in body


def test_inviting_a_developer_from_the_console_assigns_the_ticked_ones(client, owner, coffee, tea):
    client.force_login(owner.user)
    data = _form_data([("Dev", "dev@example.com", "developer", [coffee.app_id])])
    response = client.post(_invite_url(owner.workspace), data)
    assert response.status_code == 302
    assert Invitation.objects.get().app_ids == [coffee.app_id]


def test_a_developer_without_a_ticked_mini_program_is_refused_and_input_kept(
    client, owner, coffee, tea
):
    client.force_login(owner.user)
    rows = [
        ("Ann", "ann@example.com", "developer", [tea.app_id]),
        ("Bob", "bob@example.com", "developer", []),
    ]
    response = client.post(_invite_url(owner.workspace), _form_data(rows))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Assign at least one mini program to bob@example.com" in body
    # Bob's row is marked on its mini programs, Ann's row is not marked at all.
    assert "Person 2, Mini programs</a>: See the problem above." in body
    assert "Person 1," not in body
    assert 'value="ann@example.com"' in body and 'value="Bob"' in body
    assert "checked" in _checkbox(body, 0, tea.app_id)
    assert "checked" not in _checkbox(body, 0, coffee.app_id)
    assert not Invitation.objects.exists()


def test_mini_programs_ticked_for_another_role_are_refused_with_the_reason(client, owner, coffee):
    client.force_login(owner.user)
    data = _form_data([("Ada", "ada@example.com", "admin", [coffee.app_id])])
    body = client.post(_invite_url(owner.workspace), data).content.decode()
    assert "only Developers are assigned to mini programs" in body
    assert '<option value="admin" selected>' in body
    assert "checked" in _checkbox(body, 0, coffee.app_id)
    assert not Invitation.objects.exists()


def test_a_forged_app_id_is_not_a_choice(client, owner, coffee):
    client.force_login(owner.user)
    data = _form_data([("Dev", "dev@example.com", "developer", ["9999999999999999"])])
    response = client.post(_invite_url(owner.workspace), data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Invitation.objects.exists()


# --- the member list ----------------------------------------------------------------------------


def _pending(workspace, email: str, app_ids: list[str], role: str = "developer") -> Invitation:
    return Invitation.objects.create(
        workspace=workspace,
        email=email,
        name=email.split("@")[0].title(),
        role=role,
        app_ids=app_ids,
        token_hash=uuid.uuid4().hex,
        expires_at=timezone.now() + timedelta(days=3),
    )


def test_the_member_list_names_each_developers_mini_programs(client, owner, coffee, tea):
    dev = MembershipFactory(workspace=owner.workspace, role="developer")
    idle = MembershipFactory(workspace=owner.workspace, role="developer")
    assign_perm(DEVELOP, dev.user, coffee)
    assign_perm(DEVELOP, dev.user, tea)
    _pending(owner.workspace, "soon@example.com", [tea.app_id, "1000000000000001"])
    client.force_login(owner.user)
    response = client.get(_members_url(owner.workspace))
    rows = {row.member.pk: row for row in response.context["rows"]}
    assert [mp.name for mp in rows[dev.pk].miniprograms] == ["Coffee Corner", "Tea House"]
    assert rows[idle.pk].miniprograms == ()
    assert rows[owner.pk].miniprograms == ()
    (invited,) = response.context["invitation_rows"]
    assert [mp.name for mp in invited.miniprograms] == ["Tea House"]  # the gone one is left out
    body = response.content.decode()
    assert f'title="App ID {coffee.app_id}">Coffee Corner</span>' in body
    assert "No mini programs assigned" in body  # the idle developer


def test_a_developer_sees_only_the_mini_programs_they_work_on(client, owner, coffee, tea):
    viewer = MembershipFactory(workspace=owner.workspace, role="developer")
    colleague = MembershipFactory(workspace=owner.workspace, role="developer")
    assign_perm(DEVELOP, viewer.user, coffee)
    assign_perm(DEVELOP, colleague.user, coffee)
    assign_perm(DEVELOP, colleague.user, tea)
    _pending(owner.workspace, "soon@example.com", [tea.app_id])
    client.force_login(viewer.user)
    response = client.get(_members_url(owner.workspace))
    rows = {row.member.pk: row for row in response.context["rows"]}
    assert [mp.name for mp in rows[colleague.pk].miniprograms] == ["Coffee Corner"]
    assert response.context["invitation_rows"][0].miniprograms == ()
    body = response.content.decode()
    assert "Tea House" not in body
    assert "No mini programs assigned" not in body


def _fill(workspace, programs, count: int, tag: str) -> None:
    for i in range(count):
        member = MembershipFactory(workspace=workspace, role="developer")
        assign_perm(DEVELOP, member.user, programs[i % len(programs)])
        _pending(workspace, f"{tag}{i}@example.com", [programs[i % len(programs)].app_id])


def test_member_list_queries_stay_constant_with_assignments(
    client, owner, coffee, tea, django_assert_max_num_queries
):
    client.force_login(owner.user)
    url = _members_url(owner.workspace)
    _fill(owner.workspace, [coffee, tea], 1, "first")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(owner.workspace, [coffee, tea], 60, "more")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert sum(bool(row.miniprograms) for row in response.context["rows"]) == 49  # + the owner
    assert all(row.miniprograms for row in response.context["invitation_rows"])


# --- the Authorizations page and the grants API -------------------------------------------------


@pytest.fixture
def assigned(owner, coffee):
    """A Developer assigned to Coffee Corner, who also reads the audit log (a workspace grant):
    both grant rows are the first of their table, so their ids are the same."""
    dev = MembershipFactory(
        workspace=owner.workspace,
        role="developer",
        user=UserFactory(name="Dana Dev", email="dana@acme.test"),
    )
    assign_perm(DEVELOP, dev.user, coffee)
    grant_add(actor=owner, user_id=dev.user_id, cap=Cap.VIEW_AUDIT, obj=owner.workspace)
    return dev


def test_the_authorizations_page_lists_and_revokes_mini_program_grants(
    client, owner, coffee, assigned
):
    client.force_login(owner.user)
    url = reverse("workspaces:authorizations", args=["acme"])
    page = client.get(url).content.decode()
    assert f'Mini program: Coffee Corner <code class="small">{coffee.app_id}</code>' in page
    assert "miniprograms.develop_miniprogram" in page
    assert '<input type="hidden" name="object_type" value="miniprogram">' in page

    row = MiniProgramUserObjectPermission.objects.get(user=assigned.user)
    revoke = reverse("workspaces:authorization-grant-revoke", args=["acme", row.pk])
    response = client.post(revoke, {"object_type": "miniprogram"}, follow=True)
    assert "on Coffee Corner" in response.content.decode()
    assert not MiniProgramUserObjectPermission.objects.filter(user=assigned.user).exists()
    assert WorkspaceUserObjectPermission.objects.filter(user=assigned.user).exists()
    with pytest.raises(Http404):
        access_miniprogram(member=_fresh(assigned), app_id=coffee.app_id)
    removed = AuditEvent.objects.get(verb="grant.remove")
    assert removed.before["cap"] == "miniprograms.develop_miniprogram"
    assert client.post(revoke, {"object_type": "nonsense"}).status_code == 404


def test_the_grants_api_lists_and_revokes_mini_program_grants(owner, coffee, assigned):
    api = _api(owner.user)
    url = "/api/v1/workspaces/acme/grants"
    grants = api.get(url).json()["results"]
    assert [(g["object"]["type"], g["cap"]) for g in grants] == [
        ("workspace", "workspaces.view_auditevent"),
        ("miniprogram", "miniprograms.develop_miniprogram"),
    ]
    row = MiniProgramUserObjectPermission.objects.get(user=assigned.user)
    assert grants[1]["id"] == row.pk
    assert grants[1]["object"] == {
        "type": "miniprogram",
        "id": coffee.pk,
        "name": str(coffee),
        "app_id": coffee.app_id,
    }
    assert grants[1]["user"]["membership_id"] == assigned.pk

    assert api.delete(f"{url}/{row.pk}?object_type=miniprogram").status_code == 204
    assert api.delete(f"{url}/{row.pk}?object_type=miniprogram").status_code == 404
    assert [g["object"]["type"] for g in api.get(url).json()["results"]] == ["workspace"]
    assert api.delete(f"{url}/{row.pk}?object_type=team").status_code == 400
