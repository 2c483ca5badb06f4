"""Per-user limit on creating workspaces (``MPP_WORKSPACE_CREATE_PER_HOUR``), from the database.

A token once created 52 workspaces in a minute. The service refuses the one past the limit with a
sentence; the API answers 429 (the one error shape, ``Retry-After``), the console a form error.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from console.limits import LimitReached
from workspaces.models import AuditEvent, Membership, Workspace
from workspaces.services.developer_workspaces import developer_workspace_create
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.MPP_WORKSPACE_CREATE_PER_HOUR = 3


def _create(user, n: int) -> None:
    for i in range(n):
        workspace_create(owner=user, name=f"Shop {i}", kind="developer")


def test_the_workspace_past_the_hourly_limit_is_refused_with_a_sentence():
    user = UserFactory()
    _create(user, 3)

    with pytest.raises(LimitReached) as caught:
        workspace_create(owner=user, name="One too many", kind="developer")

    assert caught.value.messages == [
        "You have reached the limit of 3 new workspaces per hour; try again in 60 minutes."
    ]
    assert 3500 < caught.value.retry_after <= 3601
    assert Workspace.objects.count() == 3


def test_the_limit_is_per_user_and_frees_up_as_the_hour_passes():
    user, other = UserFactory(), UserFactory()
    _create(user, 3)

    workspace_create(owner=other, name="Someone else", kind="developer")  # not counted for user
    AuditEvent.objects.filter(actor=user, verb="workspace.create").filter(
        pk=AuditEvent.objects.filter(actor=user).order_by("created_at").first().pk
    ).update(created_at=timezone.now() - timedelta(minutes=61))
    workspace_create(owner=user, name="After an hour", kind="developer")

    with pytest.raises(LimitReached):
        workspace_create(owner=user, name="Again too many", kind="developer")


def test_developer_workspaces_created_by_a_tenant_admin_count_too(
    django_capture_on_commit_callbacks,
):
    admin = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(2):
            developer_workspace_create(
                actor=admin, name=f"Merchant {i}", owner_email=f"m{i}@example.com", owner_name="M"
            )
        workspace_create(owner=admin.user, name="Own shop", kind="developer")
        with pytest.raises(LimitReached):
            developer_workspace_create(
                actor=admin, name="Merchant 9", owner_email="m9@example.com", owner_name="M"
            )


def test_the_api_answers_429_in_the_one_error_shape():
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    statuses = [
        client.post(
            "/api/v1/workspaces", {"name": f"Token Co {i}", "kind": "tenant"}, format="json"
        ).status_code
        for i in range(4)
    ]
    refused = client.post("/api/v1/workspaces", {"name": "Token Co X", "kind": "tenant"})

    assert statuses == [201, 201, 201, 429]
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith("You have reached the limit of 3 new workspaces per hour")
    assert "request_id" in error
    assert 0 < int(refused["Retry-After"]) <= 3601
    assert Membership.objects.filter(user=user).count() == 3


def test_the_console_shows_the_limit_as_a_form_error(client):
    user = UserFactory()
    _create(user, 3)
    client.force_login(user)

    response = client.post(
        "/welcome/workspace/", {"name": "Fourth", "kind": "tenant", "default_language": "en"}
    )

    assert response.status_code == 200
    assert "limit of 3 new workspaces per hour" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert not Workspace.objects.filter(name="Fourth").exists()


def test_api_writes_are_throttled_per_user_and_reads_are_not(settings):
    settings.MPP_WORKSPACE_CREATE_PER_HOUR = 100
    settings.MPP_API_WRITE_RATE = "2/minute"
    user, other = UserFactory(), UserFactory()
    client, other_client = APIClient(), APIClient()
    client.force_authenticate(user)
    other_client.force_authenticate(other)

    statuses = [
        client.post("/api/v1/workspaces", {"name": f"W {i}", "kind": "tenant"}).status_code
        for i in range(3)
    ]
    refused = client.post("/api/v1/workspaces", {"name": "W 9", "kind": "tenant"})

    assert statuses == [201, 201, 429]
    assert refused.json()["error"]["code"] == "throttled"
    assert "Retry-After" in refused
    assert client.get("/api/v1/workspaces").status_code == 200  # reads are not counted
    assert other_client.post("/api/v1/workspaces", {"name": "O", "kind": "tenant"}).status_code == (
        201
    )
