"""On/off shelf, taking a mini program offline from one host app, and deleting it
(miniprograms/services/lifecycle.py): real database and storage, audit rows, on-commit work."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from guardian.models import Permission

from miniprograms import tasks
from miniprograms.models import (
    AppIdAllocation,
    MiniProgram,
    MiniProgramHostApp,
    MiniProgramLanguage,
    MiniProgramTester,
    MiniProgramUserObjectPermission,
)
from miniprograms.services.lifecycle import (
    miniprogram_can_publish,
    miniprogram_delete,
    miniprogram_set_shelf,
    miniprogram_shelf_transition,
    miniprogram_storage_keys,
    miniprogram_take_offline,
)
from miniprograms.services.members import miniprogram_developer_assign, miniprogram_testers_add
from miniprograms.services.profile import (
    miniprogram_profile_release,
    miniprogram_set_host_apps,
    miniprogram_update_profile,
)
from miniprograms.tests.factories import (
    JAPANESE,
    audit,
    create_miniprogram,
    logo_upload,
    profile_input,
    stored_files,
)
from miniprograms.transitions import InvalidTransition
from workspaces.authz import CapabilityDenied
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory, fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def mp(admin, host_apps):
    return create_miniprogram(admin, host_app_ids=[h.pk for h in host_apps])


@pytest.fixture
def assigned_developer(tenant, admin, mp):
    member = MembershipFactory(workspace=tenant, role="developer")
    miniprogram_developer_assign(actor=admin, miniprogram=mp, user_id=member.user_id)
    return fresh(member)


# --- shelf ----------------------------------------------------------------------------------


def test_taking_a_program_off_shelf_needs_a_reason(admin, mp):
    for reason in ("", "   \n "):
        with pytest.raises(ValidationError) as info:
            miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=False, reason=reason)
        assert info.value.message_dict == {
            "reason": ["Give a reason for taking it off shelf: members see it."]
        }
    with pytest.raises(ValidationError) as info:
        miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=False, reason="x" * 201)
    assert info.value.message_dict == {"reason": ["The reason is 201 characters; keep it to 200."]}
    assert MiniProgram.objects.get(pk=mp.pk).shelf_status == "on_shelf"
    assert audit("miniprogram.off_shelf") == []


def test_off_shelf_and_back_are_audited_and_a_repeat_is_a_no_op(admin, mp):
    off = miniprogram_set_shelf(
        actor=admin, miniprogram=mp, on_shelf=False, reason="  Licence\n under review "
    )
    assert (off.shelf_status, off.shelf_reason) == ("off_shelf", "Licence under review")
    assert off.shelf_changed_at is not None and not off.is_on_shelf
    [event] = audit("miniprogram.off_shelf")
    assert event.before == {"shelf_status": "on_shelf"}
    assert event.after == {"shelf_status": "off_shelf", "reason": "Licence under review"}
    assert (event.actor, event.target_id) == (admin.user, str(mp.pk))

    # A double submit: no second row, the first reason stays.
    miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=False, reason="Again")
    assert len(audit("miniprogram.off_shelf")) == 1
    assert MiniProgram.objects.get(pk=mp.pk).shelf_reason == "Licence under review"

    back = miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=True)
    assert (back.shelf_status, back.shelf_reason) == ("on_shelf", "")
    [event] = audit("miniprogram.on_shelf")
    assert event.before == {"shelf_status": "off_shelf"}
    assert event.after == {"shelf_status": "on_shelf", "reason": ""}
    miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=True)
    assert len(audit("miniprogram.on_shelf")) == 1


def test_the_shelf_transition_returns_whether_it_changed_and_refuses_unknown_states(mp):
    assert miniprogram_shelf_transition(actor=None, miniprogram_id=mp.pk, to="off_shelf")[1]
    assert not miniprogram_shelf_transition(actor=None, miniprogram_id=mp.pk, to="off_shelf")[1]
    assert audit("miniprogram.off_shelf")[0].actor_label == "system"
    with pytest.raises(InvalidTransition, match="off_shelf -> archived"):
        miniprogram_shelf_transition(actor=None, miniprogram_id=mp.pk, to="archived")


def test_nothing_can_be_published_while_off_shelf(admin, mp):
    assert miniprogram_can_publish(mp) == (True, "")
    mp = miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=False, reason="Audit")
    assert miniprogram_can_publish(mp) == (
        False,
        "The mini program is off shelf: put it on shelf before publishing.",
    )
    mp = miniprogram_set_shelf(actor=admin, miniprogram=mp, on_shelf=True)
    assert miniprogram_can_publish(mp) == (True, "")


def test_shelf_actions_need_manage(tenant, mp, assigned_developer):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    for member in (reviewer, assigned_developer):
        with pytest.raises(CapabilityDenied):
            miniprogram_set_shelf(actor=member, miniprogram=mp, on_shelf=False, reason="No")
    assert MiniProgram.objects.get(pk=mp.pk).is_on_shelf


# --- offline from one host app ----------------------------------------------------------------


def test_taking_a_program_offline_from_one_host_app_keeps_the_row(admin, mp, host_apps):
    pay, wallet = host_apps
    target = miniprogram_take_offline(
        actor=admin, miniprogram=mp, host_app_id=pay.pk, reason="Not for this market"
    )
    assert (target.status, target.offline_reason) == ("offline", "Not for this market")
    assert dict(mp.targets.values_list("host_app__name", "status")) == {
        "Acme Pay": "offline",
        "Acme Wallet": "active",
    }
    [event] = audit("miniprogram.host_app_offline")
    assert event.before == {"host_app": "Acme Pay", "status": "active"}
    assert event.after == {
        "host_app": "Acme Pay",
        "status": "offline",
        "reason": "Not for this market",
    }

    with pytest.raises(ValidationError) as info:
        miniprogram_take_offline(actor=admin, miniprogram=mp, host_app_id=pay.pk)
    assert info.value.messages == ["The mini program is already offline in Acme Pay."]

    # Released there again: the same row, active, without a reason.
    miniprogram_set_host_apps(actor=admin, miniprogram=mp, host_app_ids=[pay.pk, wallet.pk])
    again = MiniProgramHostApp.objects.get(miniprogram=mp, host_app=pay)
    assert (again.pk, again.status, again.offline_reason) == (target.pk, "active", "")


def test_a_host_app_the_program_is_not_released_to_cannot_be_left(admin, host_apps):
    mp = create_miniprogram(admin, host_app_ids=[host_apps[0].pk])
    with pytest.raises(ValidationError) as info:
        miniprogram_take_offline(actor=admin, miniprogram=mp, host_app_id=host_apps[1].pk)
    assert info.value.messages == ["The mini program is not released to this host app."]


def test_taking_offline_needs_manage(mp, host_apps, assigned_developer):
    with pytest.raises(CapabilityDenied):
        miniprogram_take_offline(
            actor=assigned_developer, miniprogram=mp, host_app_id=host_apps[0].pk
        )
    assert not mp.targets.filter(status="offline").exists()


# --- delete -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "coffee corner", "Coffee Corner!", "Coffee"])
def test_delete_refuses_a_name_that_is_not_typed_exactly_and_changes_nothing(admin, mp, typed):
    with pytest.raises(ValidationError) as info:
        miniprogram_delete(actor=admin, miniprogram=mp, confirm_name=typed)
    assert info.value.message_dict == {
        "confirm_name": ["Type the name “Coffee Corner” exactly to confirm the deletion."]
    }
    assert MiniProgram.objects.filter(pk=mp.pk).exists()
    assert stored_files() == [mp.logo.name]
    assert audit("miniprogram.delete") == []


def test_delete_removes_every_row_and_queues_the_files_after_commit(
    admin, mp, assigned_developer, monkeypatch, django_capture_on_commit_callbacks
):
    miniprogram_update_profile(
        actor=admin, miniprogram=mp, profile=profile_input(languages=[JAPANESE])
    )
    miniprogram_testers_add(actor=admin, miniprogram=mp, accounts=["alice", "bob"])
    assert MiniProgramUserObjectPermission.objects.filter(content_object=mp).count() == 1
    keys = miniprogram_storage_keys(MiniProgram.objects.get(pk=mp.pk))
    assert keys == [mp.logo.name]
    queued: list[dict] = []
    monkeypatch.setattr(tasks.delete_files, "run", lambda **kwargs: queued.append(kwargs))

    with django_capture_on_commit_callbacks() as callbacks:
        app_id = miniprogram_delete(actor=admin, miniprogram=mp, confirm_name=" Coffee Corner ")
        assert queued == []  # nothing is queued before the transaction commits
    assert app_id == mp.app_id
    assert not MiniProgram.objects.filter(pk=mp.pk).exists()
    for model in (MiniProgramLanguage, MiniProgramHostApp, MiniProgramTester):
        assert not model.objects.exists(), model
    assert not MiniProgramUserObjectPermission.objects.exists()
    assert Permission.objects.filter(codename="develop_miniprogram").exists()  # only grants go
    assert AppIdAllocation.objects.filter(app_id=app_id).exists()

    [event] = audit("miniprogram.delete")
    assert event.after is None and event.target_id == str(mp.pk)
    assert event.before["app_id"] == app_id and event.before["name"] == "Coffee Corner"
    assert event.before["host_apps"] == ["Acme Pay", "Acme Wallet"]
    assert event.before["testers"] == 2 and list(event.before["languages"]) == ["ja"]

    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [{"keys": keys}]


def test_deleting_removes_the_draft_and_released_logos_through_the_task(
    admin, mp, django_capture_on_commit_callbacks
):
    miniprogram_profile_release(miniprogram_id=mp.pk, actor=admin)
    released = mp.logo.name
    draft = miniprogram_update_profile(
        actor=admin, miniprogram=mp, profile=profile_input(), logo=logo_upload()
    ).logo.name
    other = create_miniprogram(admin, name="Tea House")
    assert stored_files() == sorted([released, draft, other.logo.name])

    with django_capture_on_commit_callbacks(execute=True):  # tasks run in-process in tests
        miniprogram_delete(actor=admin, miniprogram=mp, confirm_name="Coffee Corner")
    assert stored_files() == [other.logo.name]


def test_delete_needs_the_delete_capability(tenant, mp, assigned_developer):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")
    for member in (reviewer, assigned_developer):
        with pytest.raises(CapabilityDenied):
            miniprogram_delete(actor=member, miniprogram=mp, confirm_name="Coffee Corner")
    assert MiniProgram.objects.filter(pk=mp.pk).exists()


def test_the_owner_of_a_developer_workspace_deletes_its_programs(tenant):
    merchant = WorkspaceFactory(kind="developer", tenant=tenant)
    owner = MembershipFactory(workspace=merchant, role="owner")
    mp = create_miniprogram(owner, name="Blue Bottle")
    miniprogram_delete(actor=owner, miniprogram=mp, confirm_name="Blue Bottle")
    assert not MiniProgram.objects.exists()
