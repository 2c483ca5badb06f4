"""Invitations: batch limits, single use, 3-day expiry, email match, withdraw and re-send."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from workspaces.models import AuditEvent, Invitation, Membership
from workspaces.services.invitations import (
    InviteSpec,
    invitation_accept,
    invitation_accept_with_signup,
    invitation_create_batch,
    invitation_resend,
    invitation_withdraw,
)
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def _token_from_mail(message) -> str:
    match = re.search(r"/invitations/([A-Za-z0-9]+)/", message.body)
    assert match, message.body
    return match.group(1)


def _invite(owner, email="new@example.com", role="developer", capture=None):
    return invitation_create_batch(
        actor=owner, specs=[InviteSpec(name="New Person", email=email, role=role)]
    )


def test_invite_sends_one_mail_with_a_single_use_link(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = _invite(owner, email="New@Example.com ")
    assert invitation.email == "new@example.com"
    assert invitation.expires_at - timezone.now() > timedelta(days=2, hours=23)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    token = _token_from_mail(mail.outbox[0])
    assert token not in invitation.token_hash  # only the keyed hash is stored

    user = UserFactory(email="new@example.com")
    membership = invitation_accept(raw_token=token, user=user)
    assert membership.role == "developer" and membership.workspace == owner.workspace
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED and invitation.accepted_by == user
    with pytest.raises(ValidationError, match="already been used"):
        invitation_accept(raw_token=token, user=user)
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"invitation.create", "invitation.accept", "membership.add"} <= verbs


def test_invitation_expires_after_three_days(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = _invite(owner)
    token = _token_from_mail(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    user = UserFactory(email="new@example.com")
    with pytest.raises(ValidationError, match="expired"):
        invitation_accept(raw_token=token, user=user)
    assert not Membership.objects.filter(user=user).exists()


def test_accepting_requires_the_invited_email(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner)
    token = _token_from_mail(mail.outbox[0])
    stranger = UserFactory(email="someone-else@example.com")
    with pytest.raises(ValidationError, match=r"sent to new@example\.com"):
        invitation_accept(raw_token=token, user=stranger)
    assert not Membership.objects.filter(user=stranger).exists()


def test_at_most_ten_invitations_per_batch(owner):
    specs = [
        InviteSpec(name=f"P{i}", email=f"p{i}@example.com", role="developer") for i in range(11)
    ]
    with pytest.raises(ValidationError, match="at most 10"):
        invitation_create_batch(actor=owner, specs=specs)
    assert not Invitation.objects.exists()
    assert len(invitation_create_batch(actor=owner, specs=specs[:10])) == 10


def test_batch_is_all_or_nothing(owner):
    member = MembershipFactory(workspace=owner.workspace, role="developer")
    specs = [
        InviteSpec(name="Ok", email="ok@example.com", role="developer"),
        InviteSpec(name="Dup", email=member.user.email, role="developer"),
    ]
    with pytest.raises(ValidationError, match="Already a member"):
        invitation_create_batch(actor=owner, specs=specs)
    assert not Invitation.objects.exists()
    twice = [InviteSpec(name="A", email="a@example.com", role="admin")] * 2
    with pytest.raises(ValidationError, match="more than once"):
        invitation_create_batch(actor=owner, specs=twice)


def test_roles_follow_the_workspace_kind(owner):
    developer_ws = WorkspaceFactory(kind="developer")
    developer_owner = MembershipFactory(workspace=developer_ws, role="owner")
    with pytest.raises(ValidationError, match="cannot be made Reviewer"):
        invitation_create_batch(
            actor=developer_owner,
            specs=[InviteSpec(name="R", email="r@example.com", role="reviewer")],
        )
    with pytest.raises(ValidationError, match="cannot be made Owner"):
        invitation_create_batch(
            actor=owner, specs=[InviteSpec(name="O", email="o@example.com", role="owner")]
        )


def test_developers_and_reviewers_cannot_invite(owner):
    from django.core.exceptions import PermissionDenied

    developer = MembershipFactory(workspace=owner.workspace, role="developer")
    with pytest.raises(PermissionDenied):
        _invite(developer)


def test_pending_invitation_blocks_a_second_one_until_it_expires(owner):
    (first,) = _invite(owner)
    with pytest.raises(ValidationError, match="Already invited"):
        _invite(owner)
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    (second,) = _invite(owner)
    first.refresh_from_db()
    assert first.status == Invitation.Status.WITHDRAWN and second.status == "pending"


def test_withdrawn_invitation_link_stops_working(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = _invite(owner)
    token = _token_from_mail(mail.outbox[0])
    invitation_withdraw(actor=owner, invitation_id=invitation.pk)
    invitation_withdraw(actor=owner, invitation_id=invitation.pk)  # a repeat is a no-op
    assert AuditEvent.objects.filter(verb="invitation.withdraw").count() == 1
    with pytest.raises(ValidationError, match="withdrawn"):
        invitation_accept(raw_token=token, user=UserFactory(email="new@example.com"))


def test_resend_after_expiry_issues_a_new_link(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = _invite(owner)
    old_token = _token_from_mail(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(actor=owner, invitation_id=invitation.pk)
    new_token = _token_from_mail(mail.outbox[1])
    assert new_token != old_token
    user = UserFactory(email="new@example.com")
    with pytest.raises(ValidationError):
        invitation_accept(raw_token=old_token, user=user)
    assert invitation_accept(raw_token=new_token, user=user).role == "developer"
    invitation.refresh_from_db()
    assert invitation.sent_count == 2


def test_signup_from_invitation_creates_the_account(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner, email="fresh@example.com", role="reviewer")
    token = _token_from_mail(mail.outbox[0])
    with pytest.raises(ValidationError):
        invitation_accept_with_signup(raw_token=token, name="Fresh", password="short")
    assert not Membership.objects.filter(user__email="fresh@example.com").exists()
    membership = invitation_accept_with_signup(
        raw_token=token, name="Fresh Person", password="a-long-and-unusual-passphrase"
    )
    assert membership.user.email == "fresh@example.com"
    assert membership.user.check_password("a-long-and-unusual-passphrase")
    assert membership.role == "reviewer"
