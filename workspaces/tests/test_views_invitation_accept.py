"""The invitation link page: accept signed in, sign in first, or sign up — each state explained."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from workspaces.models import Invitation, Membership
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Invite new@example.com as a Developer; returns (workspace, accept url)."""
    owner = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_batch(
            actor=owner,
            specs=[InviteSpec(name="New Person", email="new@example.com", role="developer")],
        )
    token = re.search(r"/invitations/([A-Za-z0-9]+)/", mail.outbox[-1].body).group(1)
    return owner.workspace, reverse("invitations:accept", args=[token])


def test_unknown_link_is_a_404_with_an_explanation(client):
    response = client.get(reverse("invitations:accept", args=["nope"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_signed_in_invitee_accepts_and_lands_on_the_dashboard(client, invite):
    workspace, url = invite
    client.force_login(UserFactory(email="new@example.com"))
    assert "Accept invitation" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("console:dashboard", args=[workspace.slug])
    assert Membership.objects.filter(workspace=workspace, user__email="new@example.com").exists()
    again = client.get(url)
    assert "already been used" in again.content.decode()


def test_someone_else_signed_in_is_refused_and_nothing_changes(client, invite):
    workspace, url = invite
    client.force_login(UserFactory(email="other@example.com"))
    page = client.get(url).content.decode()
    assert "sent to new@example.com" in page and "Accept invitation" not in page
    response = client.post(url)
    assert response.status_code == 400
    assert not Membership.objects.filter(workspace=workspace, user__email="other@example.com")
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_existing_account_is_asked_to_sign_in_first(client, invite):
    _, url = invite
    UserFactory(email="new@example.com")
    page = client.get(url).content.decode()
    assert "Sign in to accept" in page
    assert f"{reverse('accounts:login')}?next={url}" in page


def test_signup_keeps_input_on_error_then_creates_the_account(client, invite):
    workspace, url = invite
    bad = client.post(url, {"name": "New Person", "password1": "x" * 12, "password2": "y" * 12})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "The two passwords do not match." in body and 'value="New Person"' in body
    assert not Membership.objects.filter(workspace=workspace).exclude(role="owner").exists()

    password = "a-long-and-unusual-passphrase"
    ok = client.post(url, {"name": "New Person", "password1": password, "password2": password})
    assert ok.status_code == 302
    member = Membership.objects.get(workspace=workspace, user__email="new@example.com")
    assert member.role == "developer"
    assert client.get(reverse("console:dashboard", args=[workspace.slug])).status_code == 200
