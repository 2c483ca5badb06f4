"""Members console pages: the list, the invite form and the member/invitation actions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from workspaces.models import Invitation, Membership
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

ROLES = ("owner", "admin", "reviewer", "developer")


@pytest.fixture
def team():
    """A tenant workspace with one member per role, plus the owner of another workspace."""
    workspace = WorkspaceFactory(kind="tenant", slug="acme", name="Acme")
    people = {
        role: MembershipFactory(
            workspace=workspace,
            role=role,
            user=UserFactory(name=f"{role.title()} Person", email=f"{role}@acme.test"),
        )
        for role in ROLES
    }
    people["outsider"] = MembershipFactory(
        workspace=WorkspaceFactory(kind="tenant", slug="globex"), role="owner"
    )
    return people


def _login(client, team, who: str) -> None:
    if who != "anonymous":
        client.force_login(team[who].user)


def _url(name: str, workspace, *args) -> str:
    return reverse(f"workspaces:{name}", args=[workspace.slug, *args])


def _invitation(workspace, email: str, *, expired: bool = False, **extra) -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(
        workspace=workspace,
        email=email,
        name=extra.pop("name", email.split("@")[0].title()),
        role=extra.pop("role", "developer"),
        token_hash=uuid.uuid4().hex,
        expires_at=now - timedelta(hours=1) if expired else now + timedelta(days=3),
        **extra,
    )


def _invite_data(rows: list[tuple[str, str, str]], total: int | None = None) -> dict[str, str]:
    total = len(rows) if total is None else total
    data = {
        "invite-TOTAL_FORMS": str(total),
        "invite-INITIAL_FORMS": "0",
        "invite-MIN_NUM_FORMS": "0",
        "invite-MAX_NUM_FORMS": "10",
    }
    for i in range(total):
        name, email, role = rows[i] if i < len(rows) else ("", "", "developer")
        data.update(
            {f"invite-{i}-name": name, f"invite-{i}-email": email, f"invite-{i}-role": role}
        )
    return data


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- the member list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("owner", 200),
        ("admin", 200),
        ("reviewer", 200),
        ("developer", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_every_member_sees_the_member_list(client, team, who, status_code):
    _invitation(team["owner"].workspace, "pending@example.com")
    _login(client, team, who)
    response = client.get(_url("members", team["owner"].workspace))
    assert response.status_code == status_code
    if status_code == 200:
        body = response.content.decode()
        for role in ROLES:
            assert f"{role}@acme.test" in body
        assert "pending@example.com" in body
        assert "Workspace Admin" in body  # the tenant's name for the role, via role_label
    elif who == "anonymous":
        assert _is_login_redirect(response)


@pytest.mark.parametrize(("who", "can_manage"), [(r, r in ("owner", "admin")) for r in ROLES])
def test_row_actions_and_invite_button_only_for_managers(client, team, who, can_manage):
    workspace = team["owner"].workspace
    invitation = _invitation(workspace, "pending@example.com")
    _login(client, team, who)
    body = client.get(_url("members", workspace)).content.decode()
    developer_id = team["developer"].pk if who != "developer" else team["reviewer"].pk
    assert (_url("invite", workspace) in body) == can_manage
    assert (_url("member-remove", workspace, developer_id) in body) == can_manage
    assert (_url("member-block", workspace, developer_id) in body) == can_manage
    assert (_url("member-role", workspace, developer_id) in body) == can_manage
    assert (_url("invitation-withdraw", workspace, invitation.pk) in body) == can_manage
    assert (_url("invitation-resend", workspace, invitation.pk) in body) == can_manage


def test_owner_row_has_no_destructive_actions(client, team):
    workspace = team["owner"].workspace
    client.force_login(team["admin"].user)
    body = client.get(_url("members", workspace)).content.decode()
    owner_id = team["owner"].pk
    for name in ("member-remove", "member-block", "member-role", "member-transfer"):
        assert _url(name, workspace, owner_id) not in body
    assert _url("member-remove", workspace, team["developer"].pk) in body


def test_only_the_owner_is_offered_to_transfer_ownership_apart_from_the_rows(client, team):
    workspace = team["owner"].workspace
    client.force_login(team["owner"].user)
    body = client.get(_url("members", workspace)).content.decode()
    # One "Transfer ownership" section with the dialog's sentence, not a button in every row.
    section = body[body.index('id="transfer-heading"') :]
    assert f'action="{_url("member-transfer-chosen", workspace)}"' in section
    assert f'<option value="{team["admin"].pk}">' in section
    assert f'<option value="{team["owner"].pk}">' not in section  # not to oneself
    assert "You become a Workspace Admin" in section and "data-confirm=" in section
    for who in ("admin", "reviewer", "developer"):
        assert _url("member-transfer", workspace, team[who].pk) not in body
    client.force_login(team["reviewer"].user)
    assert "Transfer ownership" not in client.get(_url("members", workspace)).content.decode()


@pytest.mark.parametrize(
    ("who", "status_code", "changed"),
    [("owner", 302, True), ("admin", 403, False), ("outsider", 404, False)],
)
def test_the_transfer_section_hands_ownership_to_the_chosen_member(
    client, team, who, status_code, changed
):
    workspace = team["owner"].workspace
    _login(client, team, who)
    response = client.post(
        _url("member-transfer-chosen", workspace), {"membership_id": team["reviewer"].pk}
    )
    assert response.status_code == status_code
    team["reviewer"].refresh_from_db()
    team["owner"].refresh_from_db()
    assert (team["reviewer"].role == "owner") == changed
    assert team["owner"].role == ("admin" if changed else "owner")


def test_the_transfer_section_refuses_a_missing_or_foreign_choice(client, team):
    workspace = team["owner"].workspace
    client.force_login(team["owner"].user)
    response = client.post(
        _url("member-transfer-chosen", workspace), {"membership_id": ""}, follow=True
    )
    assert "Choose the member who becomes the owner." in response.content.decode()
    foreign = client.post(
        _url("member-transfer-chosen", workspace), {"membership_id": team["outsider"].pk}
    )
    assert foreign.status_code == 404
    team["owner"].refresh_from_db()
    assert team["owner"].role == "owner"


@pytest.mark.parametrize("who", ["admin", "reviewer", "developer"])
def test_members_may_leave_from_their_own_row_but_the_owner_may_not(client, team, who):
    workspace = team["owner"].workspace
    client.force_login(team[who].user)
    body = client.get(_url("members", workspace)).content.decode()
    assert _url("member-remove", workspace, team[who].pk) in body
    assert "Leave workspace" in body
    client.force_login(team["owner"].user)
    assert "Leave workspace" not in client.get(_url("members", workspace)).content.decode()


def test_statuses_are_shown_as_badges_with_text(client, team):
    workspace = team["owner"].workspace
    Membership.objects.filter(pk=team["developer"].pk).update(status="blocked")
    _invitation(workspace, "fresh@example.com")
    _invitation(workspace, "stale@example.com", expired=True)
    client.force_login(team["owner"].user)
    body = client.get(_url("members", workspace)).content.decode()
    assert 'badge badge-green">Active' in body
    assert 'badge badge-red">Blocked' in body
    assert 'badge badge-neutral">Pending' in body  # UI.md: pending is grey, not blue
    assert 'badge badge-amber">Expired' in body


def test_filters_narrow_the_list(client, team):
    workspace = team["owner"].workspace
    Membership.objects.filter(pk=team["developer"].pk).update(status="blocked")
    _invitation(workspace, "pending@example.com")
    client.force_login(team["owner"].user)

    blocked = client.get(_url("members", workspace), {"status": "blocked"}).content.decode()
    assert "developer@acme.test" in blocked and "reviewer@acme.test" not in blocked
    assert "pending@example.com" not in blocked

    invited = client.get(_url("members", workspace), {"status": "invited"}).content.decode()
    assert "pending@example.com" in invited and "reviewer@acme.test" not in invited

    search = client.get(_url("members", workspace), {"q": "REVIEWER"}).content.decode()
    assert "reviewer@acme.test" in search and "admin@acme.test" not in search

    junk = client.get(_url("members", workspace), {"status": "nonsense"})
    assert junk.status_code == 200 and "admin@acme.test" in junk.content.decode()


def test_members_are_paginated_by_fifty(client, team):
    workspace = team["owner"].workspace
    MembershipFactory.create_batch(60, workspace=workspace, role="developer")
    client.force_login(team["owner"].user)
    first = client.get(_url("members", workspace))
    assert len(first.context["rows"]) == 50
    assert first.context["page_obj"].paginator.count == 64
    second = client.get(_url("members", workspace), {"page": 2})
    assert len(second.context["rows"]) == 14


def _fill(workspace, count: int, tag: str) -> None:
    MembershipFactory.create_batch(count, workspace=workspace, role="developer")
    MembershipFactory.create_batch(count // 10, workspace=workspace, status="blocked")
    for i in range(count):
        _invitation(workspace, f"{tag}{i}@example.com", expired=i % 2 == 0)


def test_member_list_query_count_does_not_grow_with_rows(
    client, team, django_assert_max_num_queries
):
    workspace = team["owner"].workspace
    client.force_login(team["owner"].user)
    url = _url("members", workspace)
    _fill(workspace, 1, "first")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(workspace, 200, "more")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 50
    assert len(response.context["invitation_rows"]) == 50
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, {"status": "invited", "page": 2}).status_code == 200


# --- the invite form -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("owner", 200),
        ("admin", 200),
        ("reviewer", 403),
        ("developer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_invite_page_needs_manage_members(client, team, who, status_code):
    _login(client, team, who)
    response = client.get(_url("invite", team["owner"].workspace))
    assert response.status_code == status_code
    if status_code == 403:
        assert "Workspace Admin" in response.content.decode()  # names who can, and whom to ask
        assert "owner@acme.test" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status_code"),
    [
        ("owner", 302),
        ("admin", 302),
        ("reviewer", 403),
        ("developer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_inviting_needs_manage_members(client, team, who, status_code):
    _login(client, team, who)
    data = _invite_data([("New Person", "new@example.com", "developer")])
    response = client.post(_url("invite", team["owner"].workspace), data)
    assert response.status_code == status_code
    invited = Invitation.objects.filter(email="new@example.com").exists()
    assert invited == (who in ("owner", "admin"))


def test_invite_form_offers_the_roles_of_the_workspace_kind(client, team):
    client.force_login(team["owner"].user)
    tenant_form = client.get(_url("invite", team["owner"].workspace)).content.decode()
    assert 'value="reviewer"' in tenant_form and 'value="owner"' not in tenant_form
    developer_ws = WorkspaceFactory(kind="developer")
    owner = MembershipFactory(workspace=developer_ws, role="owner")
    client.force_login(owner.user)
    form = client.get(_url("invite", developer_ws)).content.decode()
    assert 'value="reviewer"' not in form and 'value="developer"' in form
    assert "Developer Admin" in form


def test_inviting_sends_one_email_each_and_ignores_blank_rows(
    client, team, django_capture_on_commit_callbacks
):
    workspace = team["owner"].workspace
    client.force_login(team["admin"].user)
    rows = [("Ann", "ann@example.com", "developer"), ("", "", "developer")]
    rows += [("Bob", "BOB@example.com", "reviewer"), ("", "", "admin")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("invite", workspace), _invite_data(rows, total=5))
    assert response.status_code == 302
    assert response["Location"] == _url("members", workspace)
    invitations = Invitation.objects.filter(workspace=workspace).order_by("email")
    assert [(i.email, i.role, i.invited_by_id) for i in invitations] == [
        ("ann@example.com", "developer", team["admin"].user_id),
        ("bob@example.com", "reviewer", team["admin"].user_id),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    assert all("/invitations/" in m.body for m in mail.outbox)
    page = client.get(response["Location"]).content.decode()
    assert "Invited 2 people. Each gets an email with a link valid for 3 days." in page


def test_more_than_ten_people_is_refused_and_everything_typed_is_kept(client, team):
    client.force_login(team["owner"].user)
    rows = [(f"Person {i}", f"person{i}@example.com", "developer") for i in range(11)]
    response = client.post(_url("invite", team["owner"].workspace), _invite_data(rows))
    assert response.status_code == 200
    body = response.content.decode()
    assert "at most 10 people at once (you added 11)" in body
    for i in range(11):
        assert f'value="person{i}@example.com"' in body
        assert f'value="Person {i}"' in body
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviting_an_existing_member_names_them_and_keeps_the_input(client, team):
    client.force_login(team["owner"].user)
    rows = [
        ("Fine", "fine@example.com", "admin"),
        ("Already", "Developer@acme.test", "developer"),
    ]
    response = client.post(_url("invite", team["owner"].workspace), _invite_data(rows))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Already a member: developer@acme.test" in body
    assert "Person 2, Email</a>: See the problem above." in body  # the row named is marked
    assert "Person 1, Email" not in body
    assert 'value="fine@example.com"' in body and 'value="Developer@acme.test"' in body
    assert '<option value="admin" selected>' in body  # the chosen role is kept too
    assert not Invitation.objects.exists()


def test_a_row_needs_both_name_and_email(client, team):
    client.force_login(team["owner"].user)
    rows = [("", "lonely@example.com", "developer"), ("No Email", "", "developer")]
    response = client.post(_url("invite", team["owner"].workspace), _invite_data(rows))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Give the person&#x27;s name." in body
    assert "Give the email address the invitation goes to." in body
    assert 'value="lonely@example.com"' in body and 'value="No Email"' in body
    assert not Invitation.objects.exists()


def test_an_empty_invite_form_asks_for_someone(client, team):
    client.force_login(team["owner"].user)
    response = client.post(_url("invite", team["owner"].workspace), _invite_data([], total=5))
    assert response.status_code == 200
    assert "Add at least one person to invite." in response.content.decode()


# --- member actions ------------------------------------------------------------------------

ACTION_MATRIX = [
    ("owner", 302, True),
    ("admin", 302, True),
    ("reviewer", 403, False),
    ("developer", 403, False),
    ("outsider", 404, False),
    ("anonymous", 302, False),
]


@pytest.fixture
def target(team):
    """The member acted upon: a second developer (so nobody acts on themselves)."""
    return MembershipFactory(workspace=team["owner"].workspace, role="developer")


@pytest.mark.parametrize(("who", "status_code", "changed"), ACTION_MATRIX)
def test_changing_a_role_needs_manage_members(client, team, target, who, status_code, changed):
    _login(client, team, who)
    url = _url("member-role", target.workspace, target.pk)
    response = client.post(url, {"role": "reviewer"})
    assert response.status_code == status_code
    target.refresh_from_db()
    assert (target.role == "reviewer") == changed


@pytest.mark.parametrize(("who", "status_code", "changed"), ACTION_MATRIX)
def test_blocking_needs_manage_members(client, team, target, who, status_code, changed):
    _login(client, team, who)
    response = client.post(_url("member-block", target.workspace, target.pk), {"blocked": "1"})
    assert response.status_code == status_code
    target.refresh_from_db()
    assert (target.status == "blocked") == changed


def test_unblocking_restores_access(client, team, target):
    Membership.objects.filter(pk=target.pk).update(status="blocked")
    client.force_login(team["admin"].user)
    response = client.post(_url("member-block", target.workspace, target.pk), {"blocked": "0"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == "active"


@pytest.mark.parametrize(("who", "status_code", "changed"), ACTION_MATRIX)
def test_removing_needs_manage_members(client, team, target, who, status_code, changed):
    _login(client, team, who)
    response = client.post(_url("member-remove", target.workspace, target.pk))
    assert response.status_code == status_code
    assert Membership.objects.filter(pk=target.pk).exists() != changed


@pytest.mark.parametrize(
    ("who", "status_code", "changed"),
    [
        ("owner", 302, True),
        ("admin", 403, False),
        ("reviewer", 403, False),
        ("developer", 403, False),
        ("outsider", 404, False),
        ("anonymous", 302, False),
    ],
)
def test_only_the_owner_transfers_ownership(client, team, target, who, status_code, changed):
    _login(client, team, who)
    response = client.post(_url("member-transfer", target.workspace, target.pk))
    assert response.status_code == status_code
    target.refresh_from_db()
    team["owner"].refresh_from_db()
    assert (target.role == "owner") == changed
    assert team["owner"].role == ("admin" if changed else "owner")


def test_refusals_come_back_as_messages(client, team):
    workspace = team["owner"].workspace
    client.force_login(team["admin"].user)
    response = client.post(
        _url("member-block", workspace, team["owner"].pk), {"blocked": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url("members", workspace)
    assert "The owner cannot be blocked" in response.content.decode()
    team["owner"].refresh_from_db()
    assert team["owner"].status == "active"

    response = client.post(
        _url("member-role", workspace, team["developer"].pk), {"role": "owner"}, follow=True
    )
    assert "Choose one of the roles offered." in response.content.decode()
    assert Membership.objects.get(pk=team["developer"].pk).role == "developer"


def test_a_member_leaves_and_lands_on_the_home_page(client, team):
    me = team["developer"]
    client.force_login(me.user)
    response = client.post(_url("member-remove", me.workspace, me.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")
    assert not Membership.objects.filter(pk=me.pk).exists()


def test_the_owner_cannot_leave(client, team):
    me = team["owner"]
    client.force_login(me.user)
    response = client.post(_url("member-remove", me.workspace, me.pk), follow=True)
    assert "The owner cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=me.pk, role="owner").exists()


# --- invitation actions --------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status_code", "changed"), ACTION_MATRIX)
def test_withdrawing_an_invitation_needs_manage_members(client, team, who, status_code, changed):
    invitation = _invitation(team["owner"].workspace, "pending@example.com")
    _login(client, team, who)
    response = client.post(_url("invitation-withdraw", invitation.workspace, invitation.pk))
    assert response.status_code == status_code
    invitation.refresh_from_db()
    assert (invitation.status == "withdrawn") == changed


@pytest.mark.parametrize(("who", "status_code", "changed"), ACTION_MATRIX)
def test_resending_an_invitation_needs_manage_members(
    client, team, who, status_code, changed, django_capture_on_commit_callbacks
):
    invitation = _invitation(team["owner"].workspace, "late@example.com", expired=True)
    _login(client, team, who)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("invitation-resend", invitation.workspace, invitation.pk))
    assert response.status_code == status_code
    invitation.refresh_from_db()
    assert (not invitation.is_expired()) == changed
    assert [m.to for m in mail.outbox] == ([["late@example.com"]] if changed else [])


def test_withdraw_and_resend_buttons_post_to_working_actions(
    client, team, django_capture_on_commit_callbacks
):
    workspace = team["owner"].workspace
    stale = _invitation(workspace, "stale@example.com", expired=True)
    fresh = _invitation(workspace, "fresh@example.com")
    client.force_login(team["owner"].user)
    body = client.get(_url("members", workspace)).content.decode()
    resend = _url("invitation-resend", workspace, stale.pk)
    withdraw = _url("invitation-withdraw", workspace, fresh.pk)
    assert f'action="{resend}"' in body and f'action="{withdraw}"' in body

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(resend, follow=True).content.decode()
    assert "Sent the invitation to stale@example.com again" in page
    assert len(mail.outbox) == 1 and "/invitations/" in mail.outbox[0].body

    page = client.post(withdraw, follow=True).content.decode()
    assert "The invitation to fresh@example.com was withdrawn" in page
    fresh.refresh_from_db()
    assert fresh.status == "withdrawn"
    assert "fresh@example.com" not in client.get(_url("members", workspace)).content.decode()


def test_resending_a_withdrawn_invitation_is_refused_politely(client, team):
    invitation = _invitation(team["owner"].workspace, "gone@example.com", status="withdrawn")
    client.force_login(team["owner"].user)
    url = _url("invitation-resend", invitation.workspace, invitation.pk)
    response = client.post(url, follow=True)
    assert "invite gone@example.com again instead" in response.content.decode()
    assert mail.outbox == []


# --- every action: POST only, and scoped to the workspace in the URL ------------------------

ACTIONS = [
    ("member-role", "membership", {"role": "reviewer"}),
    ("member-block", "membership", {"blocked": "1"}),
    ("member-remove", "membership", {}),
    ("member-transfer", "membership", {}),
    ("invitation-withdraw", "invitation", {}),
    ("invitation-resend", "invitation", {}),
]


@pytest.mark.parametrize(("name", "kind", "data"), ACTIONS)
def test_actions_answer_405_to_get(client, team, target, name, kind, data):
    invitation = _invitation(team["owner"].workspace, "pending@example.com")
    object_id = target.pk if kind == "membership" else invitation.pk
    client.force_login(team["owner"].user)
    assert client.get(_url(name, team["owner"].workspace, object_id)).status_code == 405


@pytest.mark.parametrize(("name", "kind", "data"), ACTIONS)
def test_ids_of_another_workspace_are_404(client, team, name, kind, data):
    other_ws = team["outsider"].workspace
    foreign_member = MembershipFactory(workspace=other_ws, role="developer")
    foreign_invitation = _invitation(other_ws, "theirs@example.com")
    object_id = foreign_member.pk if kind == "membership" else foreign_invitation.pk
    client.force_login(team["owner"].user)  # owner here, nothing there
    response = client.post(_url(name, team["owner"].workspace, object_id), data)
    assert response.status_code == 404
    foreign_member.refresh_from_db()
    foreign_invitation.refresh_from_db()
    assert (foreign_member.role, foreign_member.status) == ("developer", "active")
    assert foreign_invitation.status == "pending" and foreign_invitation.sent_count == 1
    assert mail.outbox == []
