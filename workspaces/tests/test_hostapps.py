"""Host apps: register with platforms, SDK secret shown once and stored hashed, reset."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspaces.models import AuditEvent, HostApp
from workspaces.services.hostapps import (
    host_app_authenticate,
    host_app_create,
    host_app_patch,
    host_app_reset_secret,
    host_app_update,
)
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.tests.images import image_upload

pytestmark = pytest.mark.django_db


def _create(admin, **extra):
    params = {
        "name": "Acme Wallet",
        "description": "The wallet app",
        "platforms": {"android": "com.acme.wallet", "ios": "com.acme.Wallet"},
    }
    params.update(extra)
    return host_app_create(actor=admin, **params)


def test_create_returns_a_secret_that_only_its_hash_remembers(admin):
    app, secret = _create(admin, icon=image_upload(size=(96, 96)))
    assert len(secret) >= 32 and secret not in app.secret_hash
    assert {p.platform: p.bundle_id for p in app.platforms.all()} == {
        "android": "com.acme.wallet",
        "ios": "com.acme.Wallet",
    }
    assert app.icon.name.startswith("workspace-assets/") and app.icon.storage.exists(app.icon.name)
    assert host_app_authenticate(app_key=app.app_key, secret=secret) == app
    assert host_app_authenticate(app_key=app.app_key, secret=secret + "x") is None
    assert AuditEvent.objects.get(verb="host_app.create").after["name"] == "Acme Wallet"


def test_reset_invalidates_the_old_secret_at_once(admin):
    app, old = _create(admin)
    _, new = host_app_reset_secret(actor=admin, host_app_id=app.pk)
    assert host_app_authenticate(app_key=app.app_key, secret=old) is None
    assert host_app_authenticate(app_key=app.app_key, secret=new).pk == app.pk


def test_names_are_unique_per_workspace_and_platforms_required(admin):
    _create(admin)
    with pytest.raises(ValidationError, match="already exists"):
        _create(admin, name="acme wallet")
    with pytest.raises(ValidationError, match="at least one platform"):
        _create(admin, name="Other", platforms={"android": " "})
    assert HostApp.objects.count() == 1


def test_a_bad_icon_leaves_nothing_behind(admin):
    with pytest.raises(ValidationError, match="must be square"):
        _create(admin, icon=image_upload(size=(100, 60)))
    assert not HostApp.objects.exists()


def test_update_changes_platforms_and_audits_before_after(admin):
    app, _ = _create(admin)
    host_app_update(
        actor=admin, host_app_id=app.pk, name="Acme Pay", platforms={"harmonyos": "com.acme.pay"}
    )
    app.refresh_from_db()
    assert app.name == "Acme Pay"
    assert list(app.platforms.values_list("platform", flat=True)) == ["harmonyos"]
    event = AuditEvent.objects.get(verb="host_app.update")
    assert event.before["name"] == "Acme Wallet" and event.after["name"] == "Acme Pay"


def test_a_partial_edit_keeps_what_it_does_not_name(admin):
    app, _ = _create(admin)
    host_app_patch(actor=admin, host_app_id=app.pk, platforms={"ios": "", "harmonyos": "com.a.h"})
    app.refresh_from_db()
    assert (app.name, app.description) == ("Acme Wallet", "The wallet app")
    assert dict(app.platforms.values_list("platform", "bundle_id")) == {
        "android": "com.acme.wallet",
        "harmonyos": "com.a.h",
    }
    host_app_patch(actor=admin, host_app_id=app.pk, description="")
    app.refresh_from_db()
    assert (app.name, app.description) == ("Acme Wallet", "")
    assert app.platforms.count() == 2


def test_a_partial_edit_that_removes_the_last_platform_is_refused_and_changes_nothing(admin):
    app, _ = _create(admin, platforms={"android": "com.acme.wallet"})
    with pytest.raises(ValidationError, match="at least one platform"):
        host_app_patch(actor=admin, host_app_id=app.pk, name="Acme Pay", platforms={"android": ""})
    app.refresh_from_db()
    assert app.name == "Acme Wallet" and app.platforms.count() == 1
    assert not AuditEvent.objects.filter(verb="host_app.update").exists()


def test_only_tenant_admins_manage_host_apps(admin):
    reviewer = MembershipFactory(workspace=admin.workspace, role="reviewer")
    with pytest.raises(PermissionDenied):
        _create(reviewer)
    developer_ws_owner = MembershipFactory(
        workspace=WorkspaceFactory(kind="developer"), role="owner"
    )
    with pytest.raises(PermissionDenied):
        _create(developer_ws_owner)
