"""The Members & testers tab (assigned Developers, tester whitelist with .txt upload) and the
quick start's members step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from miniprograms.models import MiniProgramTester, MiniProgramUserObjectPermission
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.tests import test_views as world
from miniprograms.tests.factories import create_miniprogram
from miniprograms.tests.test_views import (
    DEVELOP,
    EVERYONE,
    MANAGE,
    VIEW,
    assert_refused,
    login_as,
    message_texts,
    url,
)
from workspaces.models import AuditEvent, Invitation
from workspaces.services.invitations import InviteSpec, invitation_create_batch, invitation_withdraw
from workspaces.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# The world of test_views.py: a host app, a mini program with it, its developer (the tenant and
# its owner come from the project's conftest.py).
host_app, mp, developer = world.host_app, world.mp, world.developer


def txt(content: bytes, name: str = "testers.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def invite_developers(owner, *people: tuple[str, str, tuple[str, ...]]) -> dict[str, Invitation]:
    """Invite Developers (name, email, App IDs), by email."""
    specs = [InviteSpec(name=n, email=e, role="developer", app_ids=ids) for n, e, ids in people]
    return {i.email: i for i in invitation_create_batch(actor=owner, specs=specs)}


def assigned_user_ids(mp) -> set[int]:
    return set(
        MiniProgramUserObjectPermission.objects.filter(
            content_object=mp, permission__codename="develop_miniprogram"
        ).values_list("user_id", flat=True)
    )


# --- role matrix -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_members_tab_is_for_whoever_sees_the_miniprogram(client, tenant, owner, mp, who):
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["tester-one"])
    MembershipFactory(workspace=tenant, role="developer")  # someone to assign
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.get(url("members", tenant, mp.app_id))
    if who in VIEW:
        assert response.status_code == 200
        body = response.content.decode()
        assert "tester-one" in body
        assert ("Add testers" in body) == (who in DEVELOP)
        assert ("Assign a Developer" in body) == (who in MANAGE)
    else:
        assert_refused(response, who)


@pytest.mark.parametrize("who", EVERYONE)
def test_assigning_needs_manage(client, tenant, owner, mp, who):
    candidate = MembershipFactory(workspace=tenant, role="developer")
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url("developer-assign", tenant, mp.app_id), {"user": candidate.user_id})
    if who in MANAGE:
        assert response.status_code == 302
        assert candidate.user_id in assigned_user_ids(mp)
    else:
        assert_refused(response, who)
        assert candidate.user_id not in assigned_user_ids(mp)


@pytest.mark.parametrize("who", EVERYONE)
def test_unassigning_needs_manage(client, tenant, owner, mp, developer, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url("developer-unassign", tenant, mp.app_id, developer.user_id))
    if who in MANAGE:
        assert response.status_code == 302
        assert developer.user_id not in assigned_user_ids(mp)
    else:
        assert_refused(response, who)
        assert developer.user_id in assigned_user_ids(mp)


@pytest.mark.parametrize("who", EVERYONE)
def test_adding_testers_needs_develop(client, tenant, owner, mp, who):
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url("testers-add", tenant, mp.app_id), {"accounts": "a-1\na-2"})
    accounts = set(MiniProgramTester.objects.values_list("account", flat=True))
    if who in DEVELOP:
        assert response.status_code == 302
        assert accounts == {"a-1", "a-2"}
    else:
        assert_refused(response, who)
        assert accounts == set()


@pytest.mark.parametrize("who", EVERYONE)
def test_removing_a_tester_needs_develop(client, tenant, owner, mp, who):
    [tester] = miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["t-1"]).added
    login_as(client, tenant, who, assigned_to=mp, owner=owner)
    response = client.post(url("tester-remove", tenant, mp.app_id, tester.pk))
    exists = MiniProgramTester.objects.filter(pk=tester.pk).exists()
    if who in DEVELOP:
        assert response.status_code == 302
        assert not exists
    else:
        assert_refused(response, who)
        assert exists


# --- developers ----------------------------------------------------------------------------


def test_assign_offers_only_unassigned_active_developers(client, tenant, owner, mp, developer):
    free = MembershipFactory(workspace=tenant, role="developer")
    MembershipFactory(workspace=tenant, role="reviewer")
    MembershipFactory(workspace=tenant, role="developer", status="blocked")
    client.force_login(owner.user)
    response = client.get(url("members", tenant, mp.app_id))
    choices = [value for value, _label in response.context["assign_form"].fields["user"].choices]
    assert choices == ["", free.user_id]
    body = response.content.decode()
    assert developer.user.email in body  # the assigned one is listed with "Unassign"
    assert url("developer-unassign", tenant, mp.app_id, developer.user_id) in body


def test_assigning_someone_who_is_not_offered_is_refused_on_the_form(client, tenant, owner, mp):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    client.force_login(owner.user)
    response = client.post(url("developer-assign", tenant, mp.app_id), {"user": reviewer.user_id})
    assert response.status_code == 200
    assert response.context["assign_form"].errors["user"][0].startswith("Select a valid choice.")
    assert reviewer.user_id not in assigned_user_ids(mp)


def test_assign_and_unassign_say_so_and_are_audited(client, tenant, owner, mp):
    dev = MembershipFactory(workspace=tenant, role="developer", user__name="Dana Dev")
    client.force_login(owner.user)
    response = client.post(
        url("developer-assign", tenant, mp.app_id), {"user": dev.user_id}, follow=True
    )
    assert "Dana Dev now works on “Coffee Corner”." in message_texts(response)
    response = client.post(url("developer-unassign", tenant, mp.app_id, dev.user_id), follow=True)
    assert "Dana Dev no longer works on “Coffee Corner”." in message_texts(response)
    verbs = list(AuditEvent.objects.filter(workspace=tenant).values_list("verb", flat=True))
    assert "miniprogram.developer_assign" in verbs and "miniprogram.developer_unassign" in verbs


def test_unassigning_someone_not_assigned_is_404(client, tenant, owner, mp):
    stranger = MembershipFactory(workspace=tenant, role="developer")
    client.force_login(owner.user)
    response = client.post(url("developer-unassign", tenant, mp.app_id, stranger.user_id))
    assert response.status_code == 404


# --- testers ---------------------------------------------------------------------------------


def test_typed_accounts_are_added_and_already_listed_ones_reported(client, tenant, owner, mp):
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["old-1"])
    client.force_login(owner.user)
    response = client.post(
        url("testers-add", tenant, mp.app_id),
        {"accounts": "new-1\n\n# a comment\nold-1\nnew-2\r\n", "note": "QA team"},
        follow=True,
    )
    assert "Added 2 testers. Already listed: old-1." in message_texts(response)
    rows = dict(MiniProgramTester.objects.values_list("account", "note"))
    assert rows == {"old-1": "", "new-1": "QA team", "new-2": "QA team"}


def test_a_utf8_txt_list_is_added_with_the_typed_accounts(client, tenant, owner, mp):
    client.force_login(owner.user)
    content = "\ufeffuser-ü\n13800000000\n# comment\n\nalice@example.com\n".encode()
    response = client.post(
        url("testers-add", tenant, mp.app_id),
        {"accounts": "typed-1", "file": txt(content)},
        follow=True,
    )
    assert "Added 4 testers." in message_texts(response)
    assert set(MiniProgramTester.objects.values_list("account", flat=True)) == {
        "typed-1",
        "user-ü",
        "13800000000",
        "alice@example.com",
    }


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            "user-é\n".encode("latin-1"),
            "latin1.txt",
            "“latin1.txt” is not UTF-8 text (unreadable bytes at position 5). Save it as UTF-8 "
            "and upload it again.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "logo.txt",
            "“logo.txt” is not a text file: upload a .txt list, one account per line.",
        ),
        (
            b"a\n" * (32 * 1024 + 1),
            "big.txt",
            "The file is 65 KB; the limit is 64 KB. Split the list.",
        ),
    ],
    ids=["not-utf8", "binary", "too-big"],
)
def test_bad_files_are_refused_with_a_clear_message(
    client, tenant, owner, mp, content, name, message
):
    client.force_login(owner.user)
    response = client.post(
        url("testers-add", tenant, mp.app_id),
        {"accounts": "typed-1", "file": txt(content, name)},
    )
    assert response.status_code == 200
    assert response.context["add_form"].errors["file"] == [message]
    assert not MiniProgramTester.objects.exists()
    body = response.content.decode()
    assert "typed-1" in body  # the typed accounts are kept


def test_an_invalid_line_refuses_the_whole_batch(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(
        url("testers-add", tenant, mp.app_id), {"file": txt(b"good-1\nbad account\ngood-2\n")}
    )
    assert response.status_code == 200
    assert response.context["add_form"].errors["accounts"] == [
        "Line 2: “bad account” contains spaces; put one account per line."
    ]
    assert not MiniProgramTester.objects.exists()


def test_nothing_to_add_is_refused(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(url("testers-add", tenant, mp.app_id), {"accounts": "\n# only\n"})
    assert response.status_code == 200
    assert response.context["add_form"].non_field_errors() == [
        "Type at least one account, or upload a .txt list."
    ]


def test_removing_a_tester(client, tenant, owner, mp):
    [tester] = miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["gone-1"]).added
    client.force_login(owner.user)
    response = client.post(url("tester-remove", tenant, mp.app_id, tester.pk), follow=True)
    assert "Removed gone-1 from the testers." in message_texts(response)
    assert not MiniProgramTester.objects.exists()
    assert client.post(url("tester-remove", tenant, mp.app_id, tester.pk)).status_code == 404


def test_testers_are_searched_and_paginated(client, tenant, owner, mp):
    miniprogram_testers_add(
        actor=owner, miniprogram=mp, accounts=[f"user-{n:03d}" for n in range(120)] + ["zed"]
    )
    client.force_login(owner.user)
    response = client.get(url("members", tenant, mp.app_id))
    assert [t.account for t in response.context["testers"]][:2] == ["user-000", "user-001"]
    assert len(response.context["testers"]) == 50
    assert "1–50 of 121" in response.content.decode()
    response = client.get(url("members", tenant, mp.app_id), {"page": 3})
    assert [t.account for t in response.context["testers"]][-1] == "zed"
    response = client.get(url("members", tenant, mp.app_id), {"q": "ZE"})
    assert [t.account for t in response.context["testers"]] == ["zed"]
    assert "1 matching" in response.content.decode()


def test_members_page_query_count_does_not_grow(
    client, tenant, owner, mp, developer, django_assert_max_num_queries
):
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=["t-0"])
    client.force_login(owner.user)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("members", tenant, mp.app_id)).status_code == 200
    for _n in range(5):
        extra = MembershipFactory(workspace=tenant, role="developer")
        miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=extra.user_id)
        MembershipFactory(workspace=tenant, role="developer")  # assignable, not assigned
    miniprogram_testers_add(actor=owner, miniprogram=mp, accounts=[f"t-{n}" for n in range(1, 80)])
    invite_developers(owner, *((f"Dev {n}", f"dev{n}@example.com", (mp.app_id,)) for n in range(4)))
    with django_assert_max_num_queries(len(small)):
        response = client.get(url("members", tenant, mp.app_id))
    assert len(response.context["developers"]) == 6
    assert len(response.context["testers"]) == 50
    assert len(response.context["invitations"]) == 4


# --- Developers invited with this mini program -----------------------------------------------


def test_developers_invited_with_this_miniprogram_are_listed_until_they_answer(
    client, tenant, owner, mp
):
    other = create_miniprogram(owner, name="Acme Other")
    invited = invite_developers(
        owner,
        ("Ivy Invited", "ivy@example.com", (mp.app_id,)),
        ("Bo Both", "bo@example.com", (other.app_id, mp.app_id)),
        ("Otto Other", "otto@example.com", (other.app_id,)),
        ("Wanda Withdrawn", "wanda@example.com", (mp.app_id,)),
        ("Ezra Expired", "ezra@example.com", (mp.app_id,)),
        ("Ada Accepted", "ada@example.com", (mp.app_id,)),
    )
    invitation_withdraw(actor=owner, invitation_id=invited["wanda@example.com"].pk)
    Invitation.objects.filter(email="ezra@example.com").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    Invitation.objects.filter(email="ada@example.com").update(status="accepted")
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    client.force_login(reviewer.user)  # read-only here: everyone who sees the tab sees them

    response = client.get(url("members", tenant, mp.app_id))

    assert [i.email for i in response.context["invitations"]] == [
        "bo@example.com",
        "ivy@example.com",
    ]
    body = response.content.decode()
    assert body.count("<tr data-invitation>") == 2
    assert "Ivy Invited" in body and "ivy@example.com" in body
    expires = invited["ivy@example.com"].expires_at.strftime("%Y-%m-%d")
    assert f">{expires}</time>" in body
    for gone in ("Otto Other", "Wanda Withdrawn", "Ezra Expired", "Ada Accepted"):
        assert gone not in body
    members_page = reverse("workspaces:members", args=[tenant.slug]) + "?status=invited"
    assert f'href="{members_page}"' in body.replace("&amp;", "&")
    assert "Re-send or withdraw invitations on the Members page" in body
    # The other mini program lists its own.
    other_page = client.get(url("members", tenant, other.app_id))
    assert [i.email for i in other_page.context["invitations"]] == [
        "bo@example.com",
        "otto@example.com",
    ]


def test_invitations_without_this_miniprogram_add_no_rows(client, tenant, owner, mp):
    invitation_create_batch(
        actor=owner, specs=[InviteSpec(name="Rex Review", email="rex@example.com", role="reviewer")]
    )
    client.force_login(owner.user)
    response = client.get(url("members", tenant, mp.app_id))
    assert response.context["invitations"] == []
    body = response.content.decode()
    assert "data-invitation" not in body and "Rex Review" not in body
    assert "Re-send or withdraw invitations" not in body


# --- quick start, step 2 ---------------------------------------------------------------------


def invite_rows(*rows):
    data = {
        "invite-TOTAL_FORMS": "3",
        "invite-INITIAL_FORMS": "0",
        "invite-MIN_NUM_FORMS": "0",
        "invite-MAX_NUM_FORMS": "3",
    }
    for i, (name, email, role) in enumerate(rows):
        data.update(
            {f"invite-{i}-name": name, f"invite-{i}-email": email, f"invite-{i}-role": role}
        )
    return data


def test_quick_start_assigns_developers_and_invites_people(
    client, tenant, owner, mp, mailoutbox, django_capture_on_commit_callbacks
):
    here = MembershipFactory(workspace=tenant, role="developer")
    client.force_login(owner.user)
    page = client.get(url("wizard-members", tenant, mp.app_id))
    assert here.user.email in page.content.decode()
    with_rows = invite_rows(
        ("Ivy Dev", "ivy@example.com", "developer"), ("Rex Review", "rex@example.com", "reviewer")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("wizard-members", tenant, mp.app_id), {"developers": [here.user_id], **with_rows}
        )
    assert response.status_code == 302
    assert response["Location"] == url("detail", tenant, mp.app_id)
    assert here.user_id in assigned_user_ids(mp)
    invitations = {i.email: i for i in Invitation.objects.filter(workspace=tenant)}
    assert invitations["ivy@example.com"].app_ids == [mp.app_id]
    assert invitations["rex@example.com"].app_ids == []
    assert sorted(m.to[0] for m in mailoutbox) == ["ivy@example.com", "rex@example.com"]
    follow = client.get(response["Location"])
    assert "Assigned 1 Developer. Invited 2 people." in message_texts(follow)


def test_quick_start_enter_console_with_nothing_chosen_just_opens_the_miniprogram(
    client, tenant, owner, mp
):
    client.force_login(owner.user)
    response = client.post(url("wizard-members", tenant, mp.app_id), invite_rows())
    assert response.status_code == 302
    assert response["Location"] == url("detail", tenant, mp.app_id)
    assert not Invitation.objects.exists()
    assert (
        'href="{}"'.format(url("detail", tenant, mp.app_id))
        in client.get(url("wizard-members", tenant, mp.app_id)).content.decode()
    )  # "Skip for now"


def test_a_refused_invitation_assigns_nobody(client, tenant, owner, mp):
    here = MembershipFactory(workspace=tenant, role="developer")
    member = MembershipFactory(workspace=tenant, role="admin", user=UserFactory(email="a@x.io"))
    client.force_login(owner.user)
    response = client.post(
        url("wizard-members", tenant, mp.app_id),
        {"developers": [here.user_id], **invite_rows(("Already", member.user.email, "developer"))},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Already a member: a@x.io."]
    assert here.user_id not in assigned_user_ids(mp)  # rolled back with the refusal
    assert not Invitation.objects.exists()
    body = response.content.decode()
    assert 'value="a@x.io"' in body  # what was typed is kept


def test_quick_start_row_errors_are_next_to_the_fields(client, tenant, owner, mp):
    client.force_login(owner.user)
    response = client.post(
        url("wizard-members", tenant, mp.app_id), invite_rows(("", "not-an-email", "developer"))
    )
    assert response.status_code == 200
    row = response.context["form"].invites.forms[0]
    assert row.errors["email"] == ["Enter a valid email address."]
    assert row.errors["name"] == ["Give the person's name."]
    assert "Person 1, Name" in response.content.decode()
