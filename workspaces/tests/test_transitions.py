"""Invitation and membership status: one table each (workspaces/transitions.py), one door each."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from workspaces.models import AuditEvent, Invitation, Membership
from workspaces.services.invitations import (
    InviteSpec,
    invitation_create_batch,
    invitation_transition,
    invitation_withdraw,
)
from workspaces.services.members import membership_set_blocked, membership_transition
from workspaces.tests.factories import MembershipFactory, UserFactory
from workspaces.transitions import INVITATION_ALLOWED, MEMBERSHIP_ALLOWED, InvalidTransition

pytestmark = pytest.mark.django_db

InvitationStatus = Invitation.Status
MembershipStatus = Membership.Status


def invite(owner, email="new@example.com") -> Invitation:
    spec = InviteSpec(name="New Person", email=email, role=Membership.Role.REVIEWER)
    return invitation_create_batch(actor=owner, specs=[spec])[0]


def audit_rows(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb))


def test_every_status_has_a_row_in_its_table():
    assert set(INVITATION_ALLOWED) == set(InvitationStatus.values)
    assert set(MEMBERSHIP_ALLOWED) == set(MembershipStatus.values)
    # Used and closed invitations are final.
    assert INVITATION_ALLOWED[InvitationStatus.ACCEPTED] == frozenset()
    assert INVITATION_ALLOWED[InvitationStatus.WITHDRAWN] == frozenset()


def test_closing_an_expired_invitation_to_invite_again_is_audited(owner):
    old = invite(owner)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    fresh = invite(owner)

    old.refresh_from_db()
    assert old.status == InvitationStatus.WITHDRAWN
    assert fresh.status == InvitationStatus.PENDING
    [row] = audit_rows("invitation.expire")
    assert (row.actor, row.target_id, row.workspace) == (owner.user, str(old.pk), owner.workspace)
    assert row.before["status"] == "pending" and row.after["status"] == "withdrawn"


def test_invitation_door_same_state_is_a_no_op_without_an_audit_row(owner):
    invitation = invite(owner)
    invitation_withdraw(actor=owner, invitation_id=invitation.pk)

    _, changed = invitation_transition(
        actor=owner.user, invitation_id=invitation.pk, to=InvitationStatus.WITHDRAWN
    )

    assert changed is False
    assert len(audit_rows("invitation.withdraw")) == 1


def test_invitation_door_refuses_what_the_table_does_not_allow(owner):
    invitation = invite(owner)
    invitation_withdraw(actor=owner, invitation_id=invitation.pk)

    with pytest.raises(InvalidTransition):
        invitation_transition(
            actor=owner.user, invitation_id=invitation.pk, to=InvitationStatus.ACCEPTED
        )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert audit_rows("invitation.accept") == []


def test_invitation_door_saves_extra_fields_and_audits(owner):
    invitation = invite(owner)
    user = UserFactory(email=invitation.email)
    now = timezone.now()

    invitation, changed = invitation_transition(
        actor=user,
        invitation_id=invitation.pk,
        to=InvitationStatus.ACCEPTED,
        fields={"accepted_at": now, "accepted_by": user},
    )

    invitation.refresh_from_db()
    assert changed and invitation.status == InvitationStatus.ACCEPTED
    assert (invitation.accepted_at, invitation.accepted_by) == (now, user)
    [row] = audit_rows("invitation.accept")
    assert row.actor == user and row.after["status"] == "accepted"


def test_membership_door_blocks_unblocks_and_audits_each_change_once(owner):
    member = MembershipFactory(workspace=owner.workspace, role=Membership.Role.DEVELOPER)

    membership_set_blocked(actor=owner, membership_id=member.pk, blocked=True)
    membership_set_blocked(actor=owner, membership_id=member.pk, blocked=True)  # a double submit
    _, changed = membership_transition(
        actor=owner.user, membership_id=member.pk, to=MembershipStatus.ACTIVE
    )

    member.refresh_from_db()
    assert changed and member.status == MembershipStatus.ACTIVE
    assert len(audit_rows("membership.block")) == 1
    [unblock] = audit_rows("membership.unblock")
    assert unblock.before["status"] == "blocked" and unblock.after["status"] == "active"


def test_membership_door_refuses_a_status_not_in_the_table(owner):
    member = MembershipFactory(workspace=owner.workspace, role=Membership.Role.DEVELOPER)

    with pytest.raises(InvalidTransition):
        membership_transition(actor=owner.user, membership_id=member.pk, to="removed")
    member.refresh_from_db()
    assert member.status == MembershipStatus.ACTIVE


def test_no_status_is_written_outside_the_two_doors():
    """Every ``.status =`` in the workspaces app sits inside ``*_transition``."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        function = ""
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found = re.match(r"\s*def (\w+)", line)
            if found and not line.startswith(" " * 8):
                function = found.group(1)
            if re.search(r"\.status = ", line) and not function.endswith("_transition"):
                offenders.append(f"{path.relative_to(root)}:{number} in {function}")
    assert offenders == []
