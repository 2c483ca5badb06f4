"""Workspace settings: validated branding, preferences, agreements, audited before/after."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspaces.models import AuditEvent, WorkspaceSettings
from workspaces.services.developer_workspaces import developer_workspace_create
from workspaces.services.settings import (
    privacy_policy_template,
    workspace_settings_update,
)
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.tests.images import image_upload

pytestmark = pytest.mark.django_db


def test_settings_update_is_audited_with_only_the_changed_fields(admin):
    workspace_settings_update(
        actor=admin,
        changes={"service_email": "ops@example.com", "about_url": "https://example.com/about"},
        logo=image_upload(size=(128, 128)),
    )
    row = WorkspaceSettings.objects.get(workspace=admin.workspace)
    assert row.service_email == "ops@example.com" and row.logo.storage.exists(row.logo.name)
    event = AuditEvent.objects.get(verb="workspace.update_settings")
    assert set(event.after) == {"service_email", "about_url", "logo"}
    assert event.before["service_email"] == ""


def test_replacing_the_logo_deletes_the_old_file_after_commit(
    admin, django_capture_on_commit_callbacks
):
    workspace_settings_update(actor=admin, changes={}, logo=image_upload(size=(128, 128)))
    old = WorkspaceSettings.objects.get(workspace=admin.workspace).logo
    old_name, storage = old.name, old.storage
    with django_capture_on_commit_callbacks(execute=True):
        workspace_settings_update(actor=admin, changes={}, logo=image_upload(size=(64, 64)))
    assert not storage.exists(old_name)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"service_email": "not-an-email"}, "valid email"),
        ({"preferred_domain": "https://x.example.com/path"}, "host name"),
        ({"about_url": "ftp://example.com"}, "valid URL starting with https"),
        ({"name": ""}, "cannot be blank"),
    ],
)
def test_invalid_settings_are_refused_and_nothing_changes(admin, changes, message):
    with pytest.raises(ValidationError, match=message):
        workspace_settings_update(actor=admin, changes=changes)
    assert not AuditEvent.objects.filter(verb="workspace.update_settings").exists()


def test_favicon_must_be_small_png_or_ico(admin):
    with pytest.raises(ValidationError, match="it must be ICO or PNG"):
        workspace_settings_update(
            actor=admin, changes={}, favicon=image_upload(size=(32, 32), fmt="JPEG", name="f.png")
        )


def test_privacy_template_names_the_workspace(admin):
    assert admin.workspace.name in privacy_policy_template(workspace=admin.workspace)


def test_reviewers_cannot_change_settings(admin):
    reviewer = MembershipFactory(workspace=admin.workspace, role="reviewer")
    with pytest.raises(PermissionDenied):
        workspace_settings_update(actor=reviewer, changes={"about_url": "https://a.example.com"})


def test_tenant_admin_creates_a_developer_workspace_and_invites_its_owner(admin):
    workspace, invitation = developer_workspace_create(
        actor=admin, name="Blue Bottle", owner_email="Mia@Example.com", owner_name="Mia"
    )
    assert workspace.kind == "developer" and workspace.tenant == admin.workspace
    assert invitation.role == "owner" and invitation.email == "mia@example.com"
    assert not workspace.memberships.exists()
    with pytest.raises(ValidationError, match="already has a workspace"):
        developer_workspace_create(
            actor=admin, name="blue bottle", owner_email="x@example.com", owner_name="X"
        )
    developer_owner = MembershipFactory(workspace=WorkspaceFactory(kind="developer"), role="owner")
    with pytest.raises(PermissionDenied):
        developer_workspace_create(
            actor=developer_owner, name="Nested", owner_email="y@example.com", owner_name="Y"
        )
