"""Member management: role changes, blocking, removal, owner protection, ownership transfer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import AuditEvent, Membership
from workspaces.services.members import (
    membership_change_role,
    membership_remove,
    membership_set_blocked,
    workspace_transfer_ownership,
)
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    workspace = WorkspaceFactory(kind="tenant")
    return {
        role: MembershipFactory(workspace=workspace, role=role)
        for role in ("owner", "admin", "reviewer", "developer")
    }


def test_admin_changes_a_role_and_it_is_audited(team):
    member = membership_change_role(
        actor=team["admin"], membership_id=team["developer"].pk, role="reviewer"
    )
    assert member.role == "reviewer"
    event = AuditEvent.objects.get(verb="membership.change_role")
    assert event.before["role"] == "developer" and event.after["role"] == "reviewer"
    assert event.workspace == team["admin"].workspace and event.actor == team["admin"].user


def test_owner_cannot_be_demoted_blocked_or_removed(team):
    owner_id = team["owner"].pk
    with pytest.raises(ValidationError, match="owner cannot be demoted"):
        membership_change_role(actor=team["admin"], membership_id=owner_id, role="admin")
    with pytest.raises(ValidationError, match="owner cannot be blocked"):
        membership_set_blocked(actor=team["admin"], membership_id=owner_id, blocked=True)
    with pytest.raises(ValidationError, match="owner cannot be removed"):
        membership_remove(actor=team["admin"], membership_id=owner_id)
    with pytest.raises(ValidationError, match="owner cannot be removed"):
        membership_remove(actor=team["owner"], membership_id=owner_id)
    assert Membership.objects.get(pk=owner_id).role == "owner"


def test_nobody_is_made_owner_by_a_role_change(team):
    with pytest.raises(ValidationError):
        membership_change_role(actor=team["owner"], membership_id=team["admin"].pk, role="owner")


def test_reviewer_role_does_not_exist_in_developer_workspaces():
    workspace = WorkspaceFactory(kind="developer")
    owner = MembershipFactory(workspace=workspace, role="owner")
    dev = MembershipFactory(workspace=workspace, role="developer")
    with pytest.raises(ValidationError, match="Choose one of"):
        membership_change_role(actor=owner, membership_id=dev.pk, role="reviewer")


def test_blocked_member_loses_access_until_unblocked(team):
    dev = team["developer"]
    membership_set_blocked(actor=team["admin"], membership_id=dev.pk, blocked=True)
    dev.refresh_from_db()
    assert not authz.has_cap(dev, Cap.VIEW_WORKSPACE)
    membership_set_blocked(actor=team["admin"], membership_id=dev.pk, blocked=False)
    dev.refresh_from_db()
    assert authz.has_cap(dev, Cap.VIEW_WORKSPACE)
    assert [e.verb for e in AuditEvent.objects.order_by("created_at", "pk")] == [
        "membership.block",
        "membership.unblock",
    ]


def test_developer_cannot_manage_members(team):
    with pytest.raises(PermissionDenied):
        membership_change_role(
            actor=team["developer"], membership_id=team["reviewer"].pk, role="developer"
        )
    with pytest.raises(PermissionDenied):
        membership_remove(actor=team["developer"], membership_id=team["reviewer"].pk)


def test_member_can_leave_and_admin_can_remove(team):
    membership_remove(actor=team["developer"], membership_id=team["developer"].pk)
    membership_remove(actor=team["admin"], membership_id=team["reviewer"].pk)
    assert set(Membership.objects.values_list("role", flat=True)) == {"owner", "admin"}
    assert {"membership.leave", "membership.remove"} == set(
        AuditEvent.objects.values_list("verb", flat=True)
    )


def test_members_of_another_workspace_are_out_of_reach(team):
    other = MembershipFactory(role="developer")
    with pytest.raises(ValidationError, match="not a member"):
        membership_remove(actor=team["admin"], membership_id=other.pk)
    assert Membership.objects.filter(pk=other.pk).exists()


def test_owner_transfers_ownership_and_becomes_admin(team):
    workspace_transfer_ownership(actor=team["owner"], membership_id=team["reviewer"].pk)
    roles = dict(
        Membership.objects.filter(workspace=team["owner"].workspace).values_list("pk", "role")
    )
    assert roles[team["reviewer"].pk] == "owner" and roles[team["owner"].pk] == "admin"
    assert list(roles.values()).count("owner") == 1
    with pytest.raises(PermissionDenied):
        workspace_transfer_ownership(actor=team["admin"], membership_id=team["developer"].pk)
