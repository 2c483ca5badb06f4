"""Rules of ``workspaces/authz/`` that are not about one app's objects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from miniprograms.forms.members import invite_roles
from workspaces import authz
from workspaces.forms.members import assignable_roles as form_roles
from workspaces.models import Membership, Workspace
from workspaces.serializers_tenancy import ASSIGNABLE_ROLES
from workspaces.services.workspaces import membership_add
from workspaces.tests.factories import UserFactory, WorkspaceFactory

Role = Membership.Role
Kind = Workspace.Kind


def test_roles_a_kind_may_assign():
    assert authz.assignable_roles(Kind.TENANT) == (Role.ADMIN, Role.REVIEWER, Role.DEVELOPER)
    # A Reviewer approves releases into host apps: only tenants have one.
    assert authz.assignable_roles(Kind.DEVELOPER) == (Role.ADMIN, Role.DEVELOPER)
    # Ownership is transferred, never assigned; without a kind: every kind's (an API schema).
    assert authz.assignable_roles() == (Role.ADMIN, Role.REVIEWER, Role.DEVELOPER)
    assert authz.assignable_role_choices(Kind.DEVELOPER) == [
        (Role.ADMIN, "Developer Admin"),
        (Role.DEVELOPER, "Developer"),
    ]


@pytest.mark.parametrize(
    ("kind", "role"),
    [(Kind.DEVELOPER, Role.REVIEWER), (Kind.TENANT, Role.OWNER), (Kind.TENANT, "superuser")],
)
def test_a_role_the_kind_cannot_assign_is_refused_with_the_choices(kind, role):
    with pytest.raises(ValidationError) as caught:
        authz.check_assignable_role(kind=kind, role=role, who="sam@example.com")
    message = caught.value.messages[0]
    assert message.startswith("sam@example.com cannot be made ")
    assert "Choose one of: " in message and "Developer." in message


@pytest.mark.django_db
def test_every_picker_and_service_uses_the_one_rule():
    developer_ws = WorkspaceFactory(kind=Kind.DEVELOPER)
    tenant = WorkspaceFactory(kind=Kind.TENANT)
    for workspace in (developer_ws, tenant):
        expected = authz.assignable_role_choices(workspace.kind)
        assert form_roles(workspace) == expected
        assert invite_roles(workspace) == expected
    assert [value for value, _label in ASSIGNABLE_ROLES] == list(authz.assignable_roles())
    with pytest.raises(ValidationError, match="cannot be made Reviewer"):
        membership_add(workspace=developer_ws, user=UserFactory(), role=Role.REVIEWER)
