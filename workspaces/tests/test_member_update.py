"""``membership_update``: a role change and a block in one call, both or neither, each audited.

The tenancy API's ``PATCH …/members/{id}`` calls it (``test_api_tenancy.py`` covers the HTTP
side); these tests pin the rules on the service itself.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspaces.models import AuditEvent, Membership
from workspaces.services.members import membership_update
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


def test_role_change_and_block_are_applied_together_each_with_its_audit_row(tenant, admin):
    developer = MembershipFactory(workspace=tenant, role="developer")

    member = membership_update(
        actor=admin, membership_id=developer.pk, role="reviewer", blocked=True
    )

    assert (member.role, member.status) == ("reviewer", "blocked")
    stored = Membership.objects.get(pk=developer.pk)
    assert (stored.role, stored.status) == ("reviewer", "blocked")
    assert _verbs() == ["membership.change_role", "membership.block"]
    block = AuditEvent.objects.get(verb="membership.block")
    assert block.actor == admin.user and block.workspace == tenant
    assert block.before["role"] == "reviewer"  # the role was changed first


def test_a_refused_block_leaves_the_role_unchanged_and_writes_no_audit_row(tenant, admin):
    with pytest.raises(ValidationError, match="cannot block yourself"):
        membership_update(actor=admin, membership_id=admin.pk, role="developer", blocked=True)

    stored = Membership.objects.get(pk=admin.pk)
    assert (stored.role, stored.status) == ("admin", "active")
    assert _verbs() == []


def test_the_owner_is_neither_demoted_nor_blocked(tenant, owner, admin):
    with pytest.raises(ValidationError, match="owner cannot be demoted"):
        membership_update(actor=admin, membership_id=owner.pk, role="admin", blocked=True)
    with pytest.raises(ValidationError, match="owner cannot be blocked"):
        membership_update(actor=admin, membership_id=owner.pk, blocked=True)

    stored = Membership.objects.get(pk=owner.pk)
    assert (stored.role, stored.status) == ("owner", "active")
    assert _verbs() == []


def test_unblocking_alone_is_one_audited_change(tenant, admin):
    blocked = MembershipFactory(workspace=tenant, role="reviewer", status="blocked")

    member = membership_update(actor=admin, membership_id=blocked.pk, blocked=False)

    assert (member.role, member.status) == ("reviewer", "active")
    assert _verbs() == ["membership.unblock"]


def test_asking_for_what_is_already_so_changes_and_records_nothing(tenant, admin):
    developer = MembershipFactory(workspace=tenant, role="developer")

    member = membership_update(
        actor=admin, membership_id=developer.pk, role="developer", blocked=False
    )

    assert (member.role, member.status) == ("developer", "active")
    assert _verbs() == []


def test_nothing_to_change_is_refused(tenant, admin):
    developer = MembershipFactory(workspace=tenant, role="developer")

    with pytest.raises(ValidationError, match="new role or a status"):
        membership_update(actor=admin, membership_id=developer.pk)


def test_it_needs_manage_members(tenant, admin):
    developer = MembershipFactory(workspace=tenant, role="developer")
    reviewer = MembershipFactory(workspace=tenant, role="reviewer")

    with pytest.raises(PermissionDenied):
        membership_update(actor=developer, membership_id=reviewer.pk, blocked=True)

    assert Membership.objects.get(pk=reviewer.pk).status == "active"
    assert _verbs() == []


def test_a_member_of_another_workspace_is_out_of_reach(tenant, admin):
    stranger = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="developer")

    with pytest.raises(ValidationError, match="not a member of the workspace"):
        membership_update(actor=admin, membership_id=stranger.pk, role="reviewer")

    assert Membership.objects.get(pk=stranger.pk).role == "developer"
    assert _verbs() == []
