"""Fixtures shared by the releases tests.

``owner`` and ``tenant`` are overridden here (the tenant is the owner's workspace); ``admin``
and ``mp`` (a mini program created by ``owner``) come from the project's conftest.py and build
on them.
"""

from __future__ import annotations

import pytest
from django.test import client as django_test_client

from workspaces.models import Membership, Workspace
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import UserFactory


@pytest.fixture
def owner(db) -> Membership:
    """The Owner of a tenant workspace created through ``workspace_create``, as sign-up does
    (so the workspace has its creation audit event)."""
    user = UserFactory()
    workspace = workspace_create(owner=user, name="Releases Co", kind="tenant")
    return Membership.objects.get(workspace=workspace, user=user)


@pytest.fixture
def tenant(owner) -> Workspace:
    """The owner's workspace."""
    return owner.workspace


@pytest.fixture
def temp_dir(settings, tmp_path):
    """Where upload handlers put temporary files during these tests (checked to stay empty)."""
    path = tmp_path / "upload-tmp"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


@pytest.fixture
def payload_counter(monkeypatch):
    """Count the bytes the test client's request body gives out (its ``wsgi.input``)."""

    class CountingPayload(django_test_client.FakePayload):
        consumed = 0

        def read(self, size=-1, /):
            chunk = super().read(size)
            CountingPayload.consumed += len(chunk)
            return chunk

        def readline(self, size=-1, /):
            line = super().readline(size)
            CountingPayload.consumed += len(line)
            return line

    monkeypatch.setattr(django_test_client, "FakePayload", CountingPayload)
    return CountingPayload
