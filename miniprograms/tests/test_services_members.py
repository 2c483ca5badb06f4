"""Assigned Developers (object grants) and the tester whitelist of a mini program
(miniprograms/services/members.py), with what the assigned Developer can then see and do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from miniprograms.access import access_miniprogram
from miniprograms.models import MiniProgramTester, MiniProgramUserObjectPermission
from miniprograms.selectors import (
    miniprogram_assignable_developers,
    miniprogram_developer_list,
    miniprogram_list,
    miniprogram_tester_list,
)
from miniprograms.services import members as member_services
from miniprograms.services.members import (
    MAX_TESTERS,
    miniprogram_developer_assign,
    miniprogram_developer_unassign,
    miniprogram_tester_remove,
    miniprogram_testers_add,
    parse_tester_lines,
)
from miniprograms.tests.factories import audit, create_miniprogram
from workspaces.authz import Cap, CapabilityDenied
from workspaces.models import Membership
from workspaces.services.members import membership_remove
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory, fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def mp(admin):
    return create_miniprogram(admin)


# --- assigned developers ----------------------------------------------------------------------


def test_assigning_a_developer_lets_them_see_and_develop_that_program_only(admin, developer, mp):
    other = create_miniprogram(admin, name="Tea House")
    assert list(miniprogram_list(member=fresh(developer))) == []
    with pytest.raises(Http404):
        access_miniprogram(member=fresh(developer), app_id=mp.app_id)

    member = miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    assert member.pk == developer.pk
    [event] = audit("miniprogram.developer_assign")
    assert event.after == {"user": "dana@acme.test", "app_id": mp.app_id}
    assert (event.actor, event.target_id) == (admin.user, str(mp.pk))

    dev = fresh(developer)
    assert [p.pk for p in miniprogram_list(member=dev)] == [mp.pk]
    assert [p.pk for p in miniprogram_list(member=dev, assigned_user_id=dev.user_id)] == [mp.pk]
    assert access_miniprogram(member=dev, app_id=mp.app_id).pk == mp.pk
    assert access_miniprogram(member=dev, app_id=mp.app_id, cap=Cap.DEVELOP_MINIPROGRAM).pk == mp.pk
    for cap in (Cap.MANAGE_MINIPROGRAM, Cap.DELETE_MINIPROGRAM):
        with pytest.raises(CapabilityDenied):
            access_miniprogram(member=dev, app_id=mp.app_id, cap=cap)
    with pytest.raises(Http404):
        access_miniprogram(member=dev, app_id=other.app_id)

    assert [m.pk for m in miniprogram_developer_list(miniprogram=mp)] == [developer.pk]
    assert miniprogram_assignable_developers(miniprogram=mp) == []
    assert [m.pk for m in miniprogram_assignable_developers(miniprogram=other)] == [developer.pk]


def test_assigning_twice_is_one_grant_and_one_audit_row(admin, developer, mp):
    for _ in range(2):
        miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    assert MiniProgramUserObjectPermission.objects.filter(content_object=mp).count() == 1
    assert len(audit("miniprogram.developer_assign")) == 1


def test_unassigning_takes_the_program_away_and_is_idempotent(admin, developer, mp):
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    miniprogram_developer_unassign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    assert not MiniProgramUserObjectPermission.objects.exists()
    [event] = audit("miniprogram.developer_unassign")
    assert event.before == {"user": "dana@acme.test", "app_id": mp.app_id}
    assert event.after is None

    dev = fresh(developer)
    assert list(miniprogram_list(member=dev)) == []
    with pytest.raises(Http404):
        access_miniprogram(member=dev, app_id=mp.app_id)

    miniprogram_developer_unassign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    assert len(audit("miniprogram.developer_unassign")) == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", "{email} is Workspace Admin: they work on every mini program already."),
        ("owner", "{email} is Owner: they work on every mini program already."),
        ("reviewer", "Only Developers are assigned to mini programs; {email} is Reviewer."),
    ],
)
def test_only_developers_are_assigned(tenant, admin, mp, role, expected):
    member = MembershipFactory(workspace=tenant, role=role)
    with pytest.raises(ValidationError) as info:
        miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=member.user_id)
    assert info.value.message_dict == {"user": [expected.format(email=member.user.email)]}
    assert not MiniProgramUserObjectPermission.objects.exists()


def test_a_developer_admin_is_named_so_in_a_developer_workspace(tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    owner = MembershipFactory(workspace=merchant, role="owner")
    other_admin = MembershipFactory(workspace=merchant, role="admin")
    mp = create_miniprogram(owner)
    with pytest.raises(ValidationError) as info:
        miniprogram_developer_assign(actor=owner, miniprogram=mp, user_id=other_admin.user_id)
    assert info.value.messages == [
        f"{other_admin.user.email} is Developer Admin: they work on every mini program already."
    ]


def test_a_blocked_developer_or_a_stranger_cannot_be_assigned(tenant, admin, mp):
    blocked = MembershipFactory(workspace=tenant, role="developer", status="blocked")
    with pytest.raises(ValidationError) as info:
        miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=blocked.user_id)
    assert info.value.message_dict == {
        "user": [f"{blocked.user.email} is blocked: unblock them first."]
    }
    elsewhere = MembershipFactory(workspace=WorkspaceFactory(), role="developer")
    with pytest.raises(ValidationError) as info:
        miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=elsewhere.user_id)
    assert info.value.message_dict == {"user": ["This person is not a member of the workspace."]}
    assert not MiniProgramUserObjectPermission.objects.exists()


def test_assigning_needs_manage(tenant, admin, developer, mp):
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    colleague = MembershipFactory(workspace=tenant, role="developer")
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    for actor in (fresh(developer), reviewer):
        with pytest.raises(CapabilityDenied):
            miniprogram_developer_assign(actor=actor, miniprogram=mp, user_id=colleague.user_id)
        with pytest.raises(CapabilityDenied):
            miniprogram_developer_unassign(actor=actor, miniprogram=mp, user_id=developer.user_id)
    assert MiniProgramUserObjectPermission.objects.count() == 1


def test_removing_the_member_drops_their_grants(admin, developer, mp):
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    membership_remove(actor=admin, membership_id=developer.pk)
    assert not MiniProgramUserObjectPermission.objects.exists()
    [event] = audit("grant.remove")
    assert event.before == {
        "user": "dana@acme.test",
        "cap": "miniprograms.develop_miniprogram",
        "object": f"miniprograms.miniprogram:{mp.pk}",
        "reason": "membership removed",
    }
    # Invited back later, they start with nothing.
    again = MembershipFactory(workspace=admin.workspace, role="developer", user=developer.user)
    assert list(miniprogram_list(member=fresh(again))) == []


def test_a_blocked_developer_loses_access_while_blocked(admin, developer, mp):
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    developer.status = Membership.Status.BLOCKED
    developer.save()
    assert list(miniprogram_list(member=fresh(developer))) == []


# --- testers ----------------------------------------------------------------------------------


def test_parse_tester_lines_skips_bom_comments_and_blank_lines():
    text = "\ufeffalice\r\n# the QA team\n\n  bob  \n   # indented comment\ncarol\r\n\n"
    assert parse_tester_lines(text) == ["alice", "bob", "carol"]
    assert parse_tester_lines("") == [] and parse_tester_lines(None) == []  # type: ignore[arg-type]


def test_adding_testers_reports_duplicates_and_those_already_listed(admin, mp):
    result = miniprogram_testers_add(
        actor=admin,
        miniprogram=mp,
        accounts=["alice", "bob", "alice", "  ", "13800138000"],
        note="  QA   team ",
    )
    assert [t.account for t in result.added] == ["alice", "bob", "13800138000"]
    assert result.already_listed == []
    rows = list(miniprogram_tester_list(miniprogram=mp).values_list("account", "note", "added_by"))
    assert rows == [
        ("13800138000", "QA team", admin.user_id),
        ("alice", "QA team", admin.user_id),
        ("bob", "QA team", admin.user_id),
    ]
    [event] = audit("miniprogram.testers_add")
    assert event.after == {
        "accounts": ["alice", "bob", "13800138000"],
        "count": 3,
        "note": "QA team",
    }

    again = miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["bob", "dave", "alice"])
    assert [t.account for t in again.added] == ["dave"]
    assert again.already_listed == ["alice", "bob"]
    assert MiniProgramTester.objects.filter(miniprogram=mp).count() == 4

    # Only accounts already listed: nothing added, nothing audited.
    none = miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["dave"])
    assert (none.added, none.already_listed) == ([], ["dave"])
    assert len(audit("miniprogram.testers_add")) == 2


def test_one_invalid_line_refuses_the_whole_batch_with_line_numbers(admin, mp):
    long = "x" * 129
    with pytest.raises(ValidationError) as info:
        miniprogram_testers_add(
            actor=admin,
            miniprogram=mp,
            accounts=["alice", "bob smith", long, "carol\x07", "dave", "x" * 128],
        )
    assert info.value.message_dict == {
        "accounts": [
            "Line 2: “bob smith” contains spaces; put one account per line.",
            f"Line 3: “{'x' * 40}” is 129 characters long; the limit is 128.",
            "Line 4: “carol\x07” contains control characters.",
        ]
    }
    assert not MiniProgramTester.objects.exists()
    assert audit("miniprogram.testers_add") == []


def test_at_most_twenty_line_problems_are_listed(admin, mp):
    with pytest.raises(ValidationError) as info:
        miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=[f"a {i}" for i in range(30)])
    assert len(info.value.message_dict["accounts"]) == 20


def test_an_empty_batch_or_a_long_note_is_refused(admin, mp):
    with pytest.raises(ValidationError) as info:
        miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["", "  "])
    assert info.value.message_dict == {"accounts": ["Add at least one account."]}
    with pytest.raises(ValidationError) as info:
        miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["alice"], note="n" * 81)
    assert info.value.message_dict == {"note": ["The note is 81 characters; keep it to 80."]}
    assert not MiniProgramTester.objects.exists()


def test_the_whitelist_holds_at_most_max_testers(admin, mp):
    assert MAX_TESTERS == 500
    first = miniprogram_testers_add(
        actor=admin, miniprogram=mp, accounts=[f"user{i:03d}" for i in range(499)]
    )
    assert len(first.added) == 499
    with pytest.raises(ValidationError) as info:
        miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["late1", "late2"])
    assert info.value.message_dict == {
        "accounts": [
            "A mini program can have at most 500 testers; adding 2 would make 501. "
            "Remove some first."
        ]
    }
    assert MiniProgramTester.objects.count() == 499
    # Accounts already listed do not count against the limit.
    last = miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["user000", "late1"])
    assert [t.account for t in last.added] == ["late1"] and last.already_listed == ["user000"]
    assert MiniProgramTester.objects.count() == 500


def test_the_limit_is_per_mini_program(admin, mp, monkeypatch):
    monkeypatch.setattr(member_services, "MAX_TESTERS", 2)
    other = create_miniprogram(admin, name="Tea House")
    miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["a", "b"])
    assert (
        len(miniprogram_testers_add(actor=admin, miniprogram=other, accounts=["a", "b"]).added) == 2
    )


def test_removing_a_tester_is_audited_and_a_repeat_is_a_no_op(admin, mp):
    [alice, _bob] = miniprogram_testers_add(
        actor=admin, miniprogram=mp, accounts=["alice", "bob"]
    ).added
    miniprogram_tester_remove(actor=admin, miniprogram=mp, tester_id=alice.pk)
    assert list(MiniProgramTester.objects.values_list("account", flat=True)) == ["bob"]
    [event] = audit("miniprogram.tester_remove")
    assert event.before == {"account": "alice"} and event.target_id == str(mp.pk)
    miniprogram_tester_remove(actor=admin, miniprogram=mp, tester_id=alice.pk)
    assert len(audit("miniprogram.tester_remove")) == 1


def test_a_tester_of_another_program_cannot_be_removed_through_this_one(admin, mp):
    other = create_miniprogram(admin, name="Tea House")
    [theirs] = miniprogram_testers_add(actor=admin, miniprogram=other, accounts=["zoe"]).added
    miniprogram_tester_remove(actor=admin, miniprogram=mp, tester_id=theirs.pk)
    assert MiniProgramTester.objects.filter(pk=theirs.pk).exists()
    assert audit("miniprogram.tester_remove") == []


def test_testers_need_develop(tenant, admin, developer, mp):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    for actor in (reviewer, developer):
        with pytest.raises(CapabilityDenied):
            miniprogram_testers_add(actor=actor, miniprogram=mp, accounts=["alice"])
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=developer.user_id)
    dev = fresh(developer)
    [tester] = miniprogram_testers_add(actor=dev, miniprogram=mp, accounts=["alice"]).added
    assert tester.added_by == developer.user
    miniprogram_tester_remove(actor=dev, miniprogram=mp, tester_id=tester.pk)
    assert not MiniProgramTester.objects.exists()
