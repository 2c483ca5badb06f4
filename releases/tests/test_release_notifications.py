"""What a release change tells people and systems (issue 10, SPEC §11): the emails queued
through the outbox (deciders on a new review, the submitter on a decision, the mini program's
team on publish and rollback) and the ``webhook_emit`` calls (``release.*``, ``approval.*``).

``webhook_emit`` is spied on only to read its arguments: the spy calls the real one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse

from console.models import OutboxMessage
from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_take_offline
from miniprograms.services.members import miniprogram_developer_assign
from miniprograms.tests.factories import create_miniprogram
from releases.models import Release, ReleaseTarget, Version
from releases.release import events
from releases.release.services import (
    release_publish,
    release_rollback,
    release_submit,
    release_withdraw,
)
from releases.tests.factories import upload_version
from workspaces.models import Membership, Workspace
from workspaces.services.approvals import approval_approve, approval_reject
from workspaces.services.hostapps import host_app_create
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

S = Release.State
PROD = ReleaseTarget.Environment.PRODUCTION
TEST = ReleaseTarget.Environment.TEST


def ready_version(actor: Membership, mp: MiniProgram, number: str) -> Version:
    version = upload_version(actor, mp, number)
    Version.objects.filter(pk=version.pk).update(status=Version.Status.READY)
    version.refresh_from_db()
    return version


def member(workspace: Workspace, role: str, email: str, **kwargs: Any) -> Membership:
    user_fields = {"is_active": kwargs.pop("user_active")} if "user_active" in kwargs else {}
    user = UserFactory(email=email, name=email.split("@")[0].title(), **user_fields)
    return MembershipFactory(workspace=workspace, role=role, user=user, **kwargs)


@pytest.fixture
def emitted(monkeypatch) -> list[tuple[Workspace, str, dict[str, Any]]]:
    """Every ``webhook_emit`` call as (workspace, event, data); the real one still runs."""
    calls: list[tuple[Workspace, str, dict[str, Any]]] = []
    real = events.webhook_emit

    def spy(*, workspace: Workspace, event: str, data: dict[str, Any]) -> int:
        json.dumps(data)  # plain JSON, or this raises
        calls.append((workspace, event, data))
        return real(workspace=workspace, event=event, data=data)

    monkeypatch.setattr(events, "webhook_emit", spy)
    return calls


@pytest.fixture
def wallet(owner):
    app, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    return app


@pytest.fixture
def deciders(tenant):
    """The tenant's people: who decides (active Admin and Reviewer), who does not."""
    return {
        "admin": member(tenant, "admin", "tadmin@acme.test"),
        "reviewer": member(tenant, "reviewer", "treviewer@acme.test"),
        "developer": member(tenant, "developer", "tdev@acme.test"),
        "blocked": member(tenant, "reviewer", "tblocked@acme.test", status="blocked"),
        "inactive": member(tenant, "reviewer", "tgone@acme.test", user_active=False),
    }


@pytest.fixture
def merchant(tenant):
    return WorkspaceFactory(kind=Workspace.Kind.DEVELOPER, tenant=tenant, name="Zeta Shop")


@pytest.fixture
def crew(merchant):
    """The merchant's people; ``dev`` is assigned to the mini program (``shop``)."""
    return {
        "owner": member(merchant, "owner", "zowner@zeta.test"),
        "admin": member(merchant, "admin", "zadmin@zeta.test"),
        "dev": member(merchant, "developer", "zdev@zeta.test"),
        "other_dev": member(merchant, "developer", "zother@zeta.test"),
        "blocked": member(merchant, "admin", "zblocked@zeta.test", status="blocked"),
        "inactive": member(merchant, "admin", "zgone@zeta.test", user_active=False),
    }


@pytest.fixture
def shop(crew, wallet):
    mp = create_miniprogram(crew["owner"], host_app_ids=[wallet.pk])
    miniprogram_developer_assign(actor=crew["owner"], miniprogram=mp, user_id=crew["dev"].user_id)
    return mp


def sent() -> list[tuple[str, str]]:
    """(recipient, subject) of every email sent, sorted."""
    return sorted((message.to[0], message.subject) for message in mail.outbox)


def events_named(emitted, prefix: str = "") -> list[tuple[str, str]]:
    return [(ws.name, event) for ws, event, _ in emitted if event.startswith(prefix)]


def submit(actor, version, app, capture, environment=PROD, notes="") -> Release:
    with capture(execute=True):
        (release,) = release_submit(
            actor=actor,
            version=version,
            host_app_ids=[app.pk],
            environment=environment,
            notes=notes,
        )
    return release


# --- a review opens: the tenant's deciders ----------------------------------------------------


def test_a_production_request_emails_the_tenants_active_deciders(
    owner, tenant, deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.2.0")
    release = submit(
        crew["dev"], version, wallet, django_capture_on_commit_callbacks, notes="New checkout"
    )

    subject = f"Review requested: {shop.name} 1.2.0 to Acme Wallet (production)"
    expected = sorted([owner.user.email, "tadmin@acme.test", "treviewer@acme.test"])
    assert sent() == [(email, subject) for email in expected]
    body = next(m.body for m in mail.outbox if m.to == ["treviewer@acme.test"])
    assert body.startswith("Hello Treviewer,")
    assert "Zdev (zdev@zeta.test) of Zeta Shop submitted version 1.2.0" in body
    assert "New checkout" in body
    page = reverse("workspaces:approval", args=[tenant.slug, release.approval_id])
    assert f"\n{settings.SITE_URL}{page}\n" in body
    # Each person gets their own message: nobody sees the others' addresses.
    assert all(len(message.to) == 1 for message in mail.outbox)
    # Through the outbox, handled by the email task (routed to the notifications queue).
    assert set(OutboxMessage.objects.values_list("task", flat=True)) == {"console.send_email"}
    assert settings.CELERY_TASK_ROUTES["console.send_email"] == {"queue": "notifications"}

    assert events_named(emitted) == [
        ("Zeta Shop", "release.submitted"),
        (tenant.name, "approval.requested"),
    ]
    (_, _, data), (_, _, asked) = emitted
    assert data == {
        **data,
        "release_id": release.pk,
        "state": "under_review",
        "kind": "full",
        "app_id": shop.app_id,
        "miniprogram": shop.name,
        "version": "1.2.0",
        "host_app": "Acme Wallet",
        "host_app_id": wallet.pk,
        "environment": "production",
        "reviewed": True,
        "approval_id": release.approval_id,
        "notes": "New checkout",
        "actor": "zdev@zeta.test",
        "submitted_at": release.created_at.isoformat(),
        "published_at": None,
    }
    assert (asked["approval_id"], asked["state"], asked["requested_by"]) == (
        release.approval_id,
        "processing",
        "zdev@zeta.test",
    )
    assert (asked["requesting_workspace"], asked["release"]) == ("Zeta Shop", data)


def test_the_submitter_is_never_emailed_as_a_decider_of_their_own_request(
    owner, tenant, deciders, wallet, emitted, django_capture_on_commit_callbacks
):
    own = create_miniprogram(owner, host_app_ids=[wallet.pk])
    version = ready_version(owner, own, "1.0.0")
    submit(owner, version, wallet, django_capture_on_commit_callbacks)
    assert [to for to, _ in sent()] == ["tadmin@acme.test", "treviewer@acme.test"]
    # A tenant asking itself: both events reach its own workspace.
    assert events_named(emitted) == [
        (tenant.name, "release.submitted"),
        (tenant.name, "approval.requested"),
    ]


def test_outside_production_nobody_is_emailed_and_the_automatic_approval_is_emitted(
    deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.0.0")
    submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks, environment=TEST)
    assert mail.outbox == []
    assert events_named(emitted) == [
        ("Zeta Shop", "release.submitted"),
        ("Zeta Shop", "release.approved"),
    ]
    approved = emitted[1][2]
    assert (approved["state"], approved["reviewed"], approved["actor"]) == ("approved", False, None)


# --- a decision: the submitter ----------------------------------------------------------------


def test_an_approval_emails_the_submitter_and_tells_the_requesting_workspace(
    tenant, deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.2.0")
    release = submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    emitted.clear()

    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=deciders["reviewer"], request_id=release.approval_id, note="LGTM")

    assert sent() == [
        ("zdev@zeta.test", f"Approved: {shop.name} 1.2.0 to Acme Wallet (production)")
    ]
    body = mail.outbox[0].body
    assert "Treviewer (treviewer@acme.test) of " in body and "LGTM" in body
    tab = reverse("releases:releases", args=[shop.workspace.slug, shop.app_id])
    assert f"\n{settings.SITE_URL}{tab}\n" in body
    assert events_named(emitted) == [
        ("Zeta Shop", "release.approved"),
        ("Zeta Shop", "approval.decided"),
    ]
    (_, _, data), (_, _, decided) = emitted
    assert (data["state"], data["actor"], data["reason"]) == (
        "approved",
        "treviewer@acme.test",
        "LGTM",
    )
    assert (decided["state"], decided["decided_by"], decided["deciding_workspace"]) == (
        "approved",
        "treviewer@acme.test",
        tenant.name,
    )
    assert decided["decided_at"] is not None


def test_a_rejection_emails_the_submitter_with_the_reason(
    deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    version = ready_version(crew["admin"], shop, "1.2.0")
    release = submit(crew["admin"], version, wallet, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    emitted.clear()

    with django_capture_on_commit_callbacks(execute=True):
        approval_reject(
            actor=deciders["admin"], request_id=release.approval_id, reason="Login crashes"
        )

    assert sent() == [
        ("zadmin@zeta.test", f"Rejected: {shop.name} 1.2.0 to Acme Wallet (production)")
    ]
    assert "The reason:\nLogin crashes" in mail.outbox[0].body
    assert events_named(emitted) == [
        ("Zeta Shop", "release.rejected"),
        ("Zeta Shop", "approval.decided"),
    ]
    assert emitted[0][2]["reason"] == emitted[1][2]["reason"] == "Login crashes"


def test_a_blocked_submitter_gets_no_decision_email(
    deciders, crew, shop, wallet, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.2.0")
    release = submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks)
    Membership.objects.filter(pk=crew["dev"].pk).update(status=Membership.Status.BLOCKED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_approve(actor=deciders["reviewer"], request_id=release.approval_id)
    assert Release.objects.get(pk=release.pk).state == S.APPROVED
    assert mail.outbox == []


def test_withdrawing_emits_the_withdrawal_and_emails_nobody(
    deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.2.0")
    release = submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    emitted.clear()
    with django_capture_on_commit_callbacks(execute=True):
        release_withdraw(actor=crew["dev"], release_id=release.pk)
    assert mail.outbox == []
    assert events_named(emitted) == [("Zeta Shop", "release.withdrawn")]
    assert (emitted[0][2]["state"], emitted[0][2]["actor"]) == ("withdrawn", "zdev@zeta.test")


def test_taking_offline_emits_the_cancellation_with_its_reason(
    deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.2.0")
    submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    emitted.clear()
    with django_capture_on_commit_callbacks(execute=True):
        miniprogram_take_offline(actor=crew["admin"], miniprogram=shop, host_app_id=wallet.pk)
    assert mail.outbox == []
    assert events_named(emitted) == [("Zeta Shop", "release.cancelled")]
    data = emitted[0][2]
    assert (data["state"], data["actor"], data["reason"]) == (
        "cancelled",
        "zadmin@zeta.test",
        "Taken offline from Acme Wallet",
    )


# --- publish and rollback: the mini program's team --------------------------------------------


def _online(crew, deciders, version, wallet, capture) -> Release:
    release = submit(crew["dev"], version, wallet, capture)
    with capture(execute=True):
        approval_approve(actor=deciders["reviewer"], request_id=release.approval_id)
    mail.outbox.clear()
    with capture(execute=True):
        return release_publish(actor=crew["admin"], release_id=release.pk)


def test_publish_and_rollback_email_the_mini_programs_team(
    deciders, crew, shop, wallet, emitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    v1, v2 = ready_version(crew["dev"], shop, "1.0.0"), ready_version(crew["dev"], shop, "1.1.0")
    _online(crew, deciders, v1, wallet, capture)
    team = ["zadmin@zeta.test", "zdev@zeta.test", "zowner@zeta.test"]
    first = f"Online: {shop.name} 1.0.0 on Acme Wallet (production)"
    assert sent() == [(email, first) for email in team]

    emitted.clear()
    second = _online(crew, deciders, v2, wallet, capture)
    assert sent() == [
        (email, f"Online: {shop.name} 1.1.0 on Acme Wallet (production)") for email in team
    ]
    body = next(m.body for m in mail.outbox if m.to == ["zowner@zeta.test"])
    assert "Zadmin (zadmin@zeta.test) published version 1.1.0" in body
    assert "replacing version 1.0.0" in body
    tab = reverse("releases:releases", args=[shop.workspace.slug, shop.app_id])
    assert f"\n{settings.SITE_URL}{tab}\n" in body
    published = [data for _, event, data in emitted if event == "release.published"]
    assert [(d["release_id"], d["version"], d["replaces_version"]) for d in published] == [
        (second.pk, "1.1.0", "1.0.0")
    ]
    assert published[0]["published_at"] == second.published_at.isoformat()
    assert published[0]["actor"] == "zadmin@zeta.test"

    mail.outbox.clear()
    emitted.clear()
    with capture(execute=True):
        rollback = release_rollback(actor=crew["owner"], target_id=second.target_id, note="Oops")
    assert sent() == [
        (email, f"Rolled back: {shop.name} 1.0.0 on Acme Wallet (production)") for email in team
    ]
    body = mail.outbox[0].body
    assert "version 1.0.0 is online there again, instead of version 1.1.0" in body
    assert "Oops" in body
    assert events_named(emitted) == [("Zeta Shop", "release.rolled_back")]
    data = emitted[0][2]
    assert (data["release_id"], data["kind"], data["version"], data["replaces_version"]) == (
        rollback.pk,
        "rollback",
        "1.0.0",
        "1.1.0",
    )
    assert (data["reason"], data["actor"]) == ("Oops", "zowner@zeta.test")


def test_one_email_per_person_even_when_assigned_and_admin(
    crew, shop, wallet, django_capture_on_commit_callbacks
):
    """An Admin who also holds the develop grant (assigned before a role change) is one person."""
    from guardian.shortcuts import assign_perm

    assign_perm("develop_miniprogram", crew["admin"].user, shop)
    version = ready_version(crew["dev"], shop, "1.0.0")
    release = submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks, TEST)
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(actor=crew["owner"], release_id=release.pk)
    assert [to for to, _ in sent()] == ["zadmin@zeta.test", "zdev@zeta.test", "zowner@zeta.test"]


# --- nothing leaves a transaction that fails ---------------------------------------------------


def test_nothing_is_sent_when_the_transaction_fails(
    deciders, crew, shop, wallet, django_capture_on_commit_callbacks
):
    version = ready_version(crew["dev"], shop, "1.2.0")
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        release_submit(
            actor=crew["dev"], version=version, host_app_ids=[wallet.pk], environment=PROD
        )
        assert OutboxMessage.objects.count() == 3  # queued inside the transaction
        raise RuntimeError("the request failed after the submission")
    assert (OutboxMessage.objects.count(), Release.objects.count()) == (0, 0)
    assert mail.outbox == []


def test_an_unknown_event_is_refused(crew, shop, wallet, django_capture_on_commit_callbacks):
    version = ready_version(crew["dev"], shop, "1.0.0")
    release = submit(crew["dev"], version, wallet, django_capture_on_commit_callbacks, TEST)
    with pytest.raises(ValueError, match="Unknown release event 'archived'"):
        events.release_event(release=release, verb="archived", actor=None)
