"""The Overview dashboard shows only true numbers, and its first-run card leads in one step to
creating a mini program and uploading its first version (issue 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workspaces.models import Membership
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Membership:
    user = UserFactory(email="owner@dash.test", name="Dana Dash")
    workspace = workspace_create(owner=user, name="Dash Co", kind="tenant")
    return Membership.objects.get(workspace=workspace, user=user)


def dashboard(client, owner) -> str:
    client.force_login(owner.user)
    return client.get(reverse("console:dashboard", args=[owner.workspace.slug])).content.decode()


def test_overview_cards_show_true_zeros(client, owner):
    body = dashboard(client, owner)
    approvals = body.split("My pending approvals")[1].split("</section>")[0]
    alerts = body.split(">Alerts<")[1].split("</section>")[0]
    # The alerts card is real (analytics/tests/test_alerts_views.py): nothing fires, a true zero.
    assert "No alerts in the last 24 hours" in alerts and ">0</p>" in alerts
    # The approvals card is real (workspaces/tests/test_views_approvals.py): a true zero.
    assert '<p class="stat">0</p>' in approvals and "Nothing waiting for you" in approvals


def test_first_run_card_creates_a_mini_program_then_opens_its_upload(client, owner):
    body = dashboard(client, owner)
    create = reverse("miniprograms:create", args=[owner.workspace.slug])
    assert f'class="button button-primary" href="{create}?then=upload"' in body
    assert "Create a mini program" in body
    assert reverse("miniprograms:wizard", args=[owner.workspace.slug]) in body
