"""What a grayscale task's change tells people and systems (issue 11, SPEC §11): the
``grayscale.*`` webhook events (started, suspended, resumed, ended with its reason,
version_replaced) emitted inside the transaction, and the email to the mini program's team
when a task ends by anything but a member's hand. One test delivers to a real HTTP server on
127.0.0.1 and checks the signature, as a receiver would.

``webhook_emit`` is spied on only to read its arguments: the spy calls the real one.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from console.models import OutboxMessage
from miniprograms.services.lifecycle import miniprogram_take_offline
from releases.grayscale import events, services
from releases.grayscale.admission import grayscale_admit
from releases.grayscale.models import GrayscaleTask
from releases.models import Release
from releases.release.services import release_publish
from releases.tests.test_grayscale_services import (
    approve,
    online,
    ready_version,
    task_input,
)
from workspaces.models import WebhookDelivery, Workspace
from workspaces.services.webhooks import WEBHOOK_EVENTS, webhook_endpoint_create
from workspaces.tests.factories import MembershipFactory, UserFactory
from workspaces.tests.test_webhooks import expected_signature
from workspaces.tests.webhook_receiver import start_receiver

G = GrayscaleTask.State
VERBS = ["started", "suspended", "resumed", "ended", "version_replaced"]


@pytest.fixture
def emitted(monkeypatch) -> list[tuple[Workspace, str, dict[str, Any]]]:
    """Every ``webhook_emit`` call of a grayscale event as (workspace, event, data)."""
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
    from workspaces.services.hostapps import host_app_create

    app, _ = host_app_create(actor=owner, name="Acme Wallet", platforms={"android": "a.w"})
    return app


@pytest.fixture
def shop(owner, wallet):
    from miniprograms.tests.factories import create_miniprogram

    return create_miniprogram(owner, host_app_ids=[wallet.pk])


@pytest.fixture
def team(owner):
    """The Owner (``owner``) and an Admin manage every mini program of the workspace; a
    Developer not assigned to the mini program is not on its team."""
    admin = MembershipFactory(
        workspace=owner.workspace, role="admin", user=UserFactory(email="gadmin@acme.test")
    )
    MembershipFactory(
        workspace=owner.workspace, role="developer", user=UserFactory(email="gdev@acme.test")
    )
    return sorted([owner.user.email, admin.user.email])


@pytest.fixture
def staged(owner, shop, wallet):
    """1.0.0 online on the wallet's test target, 1.1.0 approved there (not published)."""
    online(owner, ready_version(owner, shop, "1.0.0"), wallet.pk)
    release = approve(owner, ready_version(owner, shop, "1.1.0"), wallet.pk)
    return release


def create(owner, release: Release, capture, **overrides) -> GrayscaleTask:
    with capture(execute=True):
        return services.grayscale_task_create(
            actor=owner,
            target=release.target,
            version=release.version,
            data=task_input(**overrides),
        )


def grayscale_events(emitted) -> list[tuple[str, str | None]]:
    return [(event, data["reason"]) for _, event, data in emitted if event.startswith("gray")]


def sent() -> list[tuple[str, str]]:
    return sorted((message.to[0], message.subject) for message in mail.outbox)


def test_every_grayscale_event_is_a_webhook_event_a_workspace_can_choose():
    assert [code for code in WEBHOOK_EVENTS if code.startswith("grayscale.")] == [
        f"grayscale.{verb}" for verb in VERBS
    ]
    assert list(events.VERBS) == VERBS


def test_a_members_lifecycle_is_emitted_and_a_manual_end_emails_nobody(
    owner, team, staged, emitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mail.outbox.clear()
    task = create(owner, staged, capture)
    with capture(execute=True):
        services.grayscale_task_suspend(actor=owner, task_id=task.pk, note="Crash spike")
    with capture(execute=True):
        services.grayscale_task_resume(actor=owner, task_id=task.pk)
    with capture(execute=True):
        services.grayscale_task_end(actor=owner, task_id=task.pk, note="Seen enough")
    with capture(execute=True):
        services.grayscale_task_end(actor=owner, task_id=task.pk)  # a double click: nothing

    assert grayscale_events(emitted) == [
        ("grayscale.started", None),
        ("grayscale.suspended", None),
        ("grayscale.resumed", None),
        ("grayscale.ended", "manual"),
    ]
    assert {ws.pk for ws, _, _ in emitted} == {owner.workspace_id}
    suspended, ended = emitted[1][2], emitted[3][2]
    assert (suspended["task_id"], suspended["state"], suspended["note"]) == (
        task.pk,
        "suspended",
        "Crash spike",
    )
    assert (suspended["version"], suspended["host_app"], suspended["environment"]) == (
        "1.1.0",
        "Acme Wallet",
        "test",
    )
    assert suspended["actor"] == owner.user.email
    assert ended["ended_at"] is not None and ended["note"] == "Seen enough"
    assert mail.outbox == []  # they ended it themselves
    delivery_events = WebhookDelivery.objects.values_list("event", flat=True)
    assert list(delivery_events) == []  # nobody subscribed: rows only for subscribers


def test_the_beat_ending_a_task_emails_the_team_with_the_reason(
    owner, team, staged, emitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    now = timezone.now()
    timed = create(owner, staged, capture, name="Timed", ends_at=now + timedelta(hours=1))
    full = create(owner, staged, capture, name="Full", max_users=2)
    assert grayscale_admit(full.pk, "a", 2) and grayscale_admit(full.pk, "b", 2)
    mail.outbox.clear()
    emitted.clear()

    with capture(execute=True):
        services.grayscale_tick(now=now + timedelta(hours=2))
    with capture(execute=True):
        services.grayscale_tick(now=now + timedelta(hours=2))  # a re-run tells nobody again

    ended = {data["name"]: data for _, event, data in emitted if event == "grayscale.ended"}
    assert len(emitted) == 2
    assert (ended["Timed"]["reason"], ended["Full"]["reason"]) == ("end_time", "user_limit")
    assert ended["Full"]["actor"] is None and ended["Full"]["admitted_users"] == 2
    subject = f"Grayscale ended: {staged.target.miniprogram.name} 1.1.0 on Acme Wallet (test)"
    assert sent() == sorted([(email, subject) for email in team] * 2)
    bodies = {m.body for m in mail.outbox if m.to == [owner.user.email]}
    timed_body = next(b for b in bodies if "“Timed”" in b)
    full_body = next(b for b in bodies if "“Full”" in b)
    assert "has ended: its end time came." in timed_body
    assert "has ended: it reached its limit of users. It reached 2 of 2 users" in full_body
    mp = staged.target.miniprogram
    link = reverse(
        "releases:grayscale-task", args=[mp.workspace.slug, mp.app_id, timed.target_id, timed.pk]
    )
    assert f"\n{settings.SITE_URL}{link}\n" in timed_body


def test_publishing_the_tasks_version_is_its_full_release(
    owner, team, staged, emitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    create(owner, staged, capture, percentage="100")
    mail.outbox.clear()
    emitted.clear()
    with capture(execute=True):
        release_publish(actor=owner, release_id=staged.pk)
    assert grayscale_events(emitted) == [("grayscale.ended", "full_release")]
    assert emitted[0][2]["note"] == "Version 1.1.0 was published on Acme Wallet (Test)."
    bodies = [m.body for m in mail.outbox if m.subject.startswith("Grayscale ended")]
    assert len(bodies) == len(team)
    assert "has ended: its version was published there as a full release." in bodies[0]


def test_a_hotfix_is_emitted_and_a_higher_publish_supersedes_the_task(
    owner, team, shop, wallet, staged, emitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    task = create(owner, staged, capture)
    v12 = ready_version(owner, shop, "1.2.0")
    with capture(execute=True):
        approve(owner, v12, wallet.pk)
    with capture(execute=True):
        services.grayscale_task_replace_version(actor=owner, task_id=task.pk, version=v12)
    replaced = [d for _, e, d in emitted if e == "grayscale.version_replaced"]
    assert [(d["previous_version"], d["version"]) for d in replaced] == [("1.1.0", "1.2.0")]

    v13 = ready_version(owner, shop, "1.3.0")
    with capture(execute=True):
        release = approve(owner, v13, wallet.pk)
    mail.outbox.clear()
    emitted.clear()
    with capture(execute=True):
        release_publish(actor=owner, release_id=release.pk)
    assert grayscale_events(emitted) == [("grayscale.ended", "superseded")]
    body = next(m.body for m in mail.outbox if m.subject.startswith("Grayscale ended"))
    assert "has ended: a higher version was published there." in body


def test_taking_the_mini_program_offline_ends_and_tells_the_team(
    owner, team, shop, wallet, staged, emitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    create(owner, staged, capture)
    mail.outbox.clear()
    emitted.clear()
    with capture(execute=True):
        miniprogram_take_offline(
            actor=owner, miniprogram=shop, host_app_id=wallet.pk, reason="Audit"
        )
    assert grayscale_events(emitted) == [("grayscale.ended", "offline")]
    grayscale_mail = [m for m in mail.outbox if m.subject.startswith("Grayscale ended")]
    assert sorted(m.to[0] for m in grayscale_mail) == team
    assert "Taken offline from Acme Wallet: Audit" in grayscale_mail[0].body


def test_nothing_is_sent_when_the_transaction_fails(
    owner, team, staged, django_capture_on_commit_callbacks
):
    task = create(owner, staged, django_capture_on_commit_callbacks, max_users=1)
    assert grayscale_admit(task.pk, "a", 1)
    mail.outbox.clear()
    before = OutboxMessage.objects.count()
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        services.grayscale_tick()
        assert OutboxMessage.objects.count() == before + len(team)  # queued inside
        raise RuntimeError("the beat failed after ending it")
    assert OutboxMessage.objects.count() == before and mail.outbox == []
    task.refresh_from_db()
    assert task.state == G.DELIVERING


def test_an_unknown_event_is_refused(owner, staged, django_capture_on_commit_callbacks):
    task = create(owner, staged, django_capture_on_commit_callbacks)
    with pytest.raises(ValueError, match="Unknown grayscale event 'archived'"):
        events.grayscale_event(task=task, verb="archived", actor=None)


def test_a_subscribed_endpoint_receives_the_signed_end_with_its_reason(
    owner, staged, django_capture_on_commit_callbacks
):
    """A real HTTP server on 127.0.0.1 subscribed to ``grayscale.ended`` only."""
    receiver = start_receiver()
    try:
        _, secret = webhook_endpoint_create(
            actor=owner, url=receiver.url(), events=["grayscale.ended"]
        )
        capture = django_capture_on_commit_callbacks
        create(owner, staged, capture)  # started: not subscribed
        with capture(execute=True):
            release_publish(actor=owner, release_id=staged.pk)
        [request] = receiver.requests
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["x-mpp-event"] == "grayscale.ended"
        assert headers["x-mpp-signature"] == expected_signature(
            secret, headers["x-mpp-timestamp"], request.body
        )
        body = json.loads(request.body)
        assert (body["event"], body["data"]["reason"], body["data"]["version"]) == (
            "grayscale.ended",
            "full_release",
            "1.1.0",
        )
        assert WebhookDelivery.objects.get().state == WebhookDelivery.State.DELIVERED
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
