"""The quick start's team step (``miniprogram_team_add``): assign Developers already in the
workspace and invite people, both or neither."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from miniprograms.models import MiniProgramUserObjectPermission
from miniprograms.services.members import miniprogram_team_add
from workspaces.authz import CapabilityDenied
from workspaces.models import AuditEvent, Invitation
from workspaces.services.invitations import InviteSpec
from workspaces.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def assigned_user_ids(mp) -> set[int]:
    rows = MiniProgramUserObjectPermission.objects.filter(content_object=mp)
    return set(rows.values_list("user_id", flat=True))


def test_assigns_developers_and_invites_people_at_once(admin, developer, mp):
    added = miniprogram_team_add(
        actor=admin,
        miniprogram=mp,
        developer_ids=[developer.user_id],
        invitations=[
            InviteSpec(name="Eve", email="eve@acme.test", role="developer", app_ids=(mp.app_id,))
        ],
    )

    assert [m.pk for m in added.assigned] == [developer.pk]
    assert [i.email for i in added.invited] == ["eve@acme.test"]
    assert assigned_user_ids(mp) == {developer.user_id}
    assert Invitation.objects.get(email="eve@acme.test").app_ids == [mp.app_id]
    assert AuditEvent.objects.filter(verb="miniprogram.developer_assign").count() == 1
    assert AuditEvent.objects.filter(verb="invitation.create").count() == 1


def test_a_refused_invitation_leaves_nobody_assigned(admin, developer, mp, tenant):
    member = MembershipFactory(workspace=tenant, role="developer", user=UserFactory())

    with pytest.raises(ValidationError, match="Already a member"):
        miniprogram_team_add(
            actor=admin,
            miniprogram=mp,
            developer_ids=[developer.user_id],
            invitations=[
                InviteSpec(
                    name="Again", email=member.user.email, role="developer", app_ids=(mp.app_id,)
                )
            ],
        )

    assert assigned_user_ids(mp) == set()
    assert not AuditEvent.objects.filter(verb="miniprogram.developer_assign").exists()
    assert not Invitation.objects.exists()


def test_a_refused_assignment_sends_no_invitation(admin, mp, tenant):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")

    with pytest.raises(ValidationError) as info:
        miniprogram_team_add(
            actor=admin,
            miniprogram=mp,
            developer_ids=[reviewer.user_id],
            invitations=[
                InviteSpec(
                    name="Eve", email="eve@acme.test", role="developer", app_ids=(mp.app_id,)
                )
            ],
        )

    assert "user" in info.value.message_dict
    assert not Invitation.objects.exists()


def test_only_those_who_manage_the_program_add_a_team(tenant, developer, mp):
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")

    with pytest.raises(CapabilityDenied):
        miniprogram_team_add(
            actor=reviewer, miniprogram=mp, developer_ids=[developer.user_id], invitations=[]
        )

    assert assigned_user_ids(mp) == set()
