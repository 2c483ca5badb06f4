"""The outbox (console/outbox.py): side effects queued after a commit survive a broker outage.

The outage tests commit for real (``transaction=True``) so the after-commit doorbell is
published inside the request, as in production, against a closed port (``broker_down``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from console import outbox
from console.models import OutboxMessage
from console.tasks import email_enqueue, outbox_deliver, sweep_outbox
from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_delete
from miniprograms.tests.factories import create_miniprogram
from workspaces.models import Invitation, Membership
from workspaces.services.tokens import token_create
from workspaces.tests.factories import MembershipFactory, WorkspaceFactory

State = OutboxMessage.State
LATER = timedelta(minutes=5)  # when beat sweeps again after the outage


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """A registered handler that records its calls, failing while ``fail`` holds errors."""
    seen: list[dict] = []

    def record(**kwargs):
        if kwargs.get("fail"):
            raise ConnectionError("smtp.internal:25 refused")
        seen.append(kwargs)

    monkeypatch.setitem(outbox._handlers, "console.test_record", record)
    return seen


def _time_passes(delta: timedelta = LATER) -> None:
    """Move every message's clock back by ``delta``, as if that much time went by."""
    OutboxMessage.objects.update(
        next_attempt_at=F("next_attempt_at") - delta,
        lease_expires_at=F("lease_expires_at") - delta,
    )


def _sweep_later(times: int = 1) -> None:
    """What beat does every minute, a few minutes later: each sweep rings once."""
    for _ in range(times):
        _time_passes()
        outbox.outbox_sweep()


# --- the mechanism ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_message_is_written_in_the_transaction_and_runs_after_commit(
    calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbox_enqueue(task="console.test_record", kwargs={"n": 1})
        assert calls == []  # nothing runs before the commit

    message.refresh_from_db()
    assert calls == [{"n": 1}]
    assert (message.state, message.attempts, message.finished_at is not None) == (
        State.DONE,
        1,
        True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_message_and_runs_nothing(calls):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.outbox_enqueue(task="console.test_record", kwargs={"n": 1})
        raise RuntimeError("the caller failed")

    assert not OutboxMessage.objects.exists() and calls == []


@pytest.mark.django_db
def test_delivering_a_message_twice_runs_its_handler_once(calls):
    message = OutboxMessage.objects.create(task="console.test_record", kwargs={"n": 2})

    assert outbox_deliver(message.pk) == "done"
    assert outbox_deliver(message.pk) == "skipped"  # a redelivered or doubled doorbell
    _sweep_later(times=2)  # nothing left to ring

    assert calls == [{"n": 2}]


@pytest.mark.django_db
def test_a_failing_handler_is_retried_with_capped_backoff_then_given_up_and_logged(calls, caplog):
    message = OutboxMessage.objects.create(task="console.test_record", kwargs={"fail": True})

    assert outbox.outbox_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.state == State.PENDING and message.attempts == 1
    assert message.last_error == "ConnectionError: smtp.internal:25 refused"
    assert message.next_attempt_at > timezone.now()  # not due yet: a ring now claims nothing
    assert outbox.outbox_deliver(message_id=message.pk) == "skipped"
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 12)] == [30, 60, 120, 3600]

    OutboxMessage.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    with caplog.at_level(logging.ERROR, logger="console.outbox"):
        assert outbox.outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, outbox.MAX_ATTEMPTS)
    assert f"giving up on console.test_record #{message.pk}" in caplog.text
    assert calls == []


@pytest.mark.django_db
def test_the_sweeper_rings_a_lost_run_again_and_gives_up_when_attempts_are_used(
    calls, django_capture_on_commit_callbacks
):
    lost = OutboxMessage.objects.create(task="console.test_record", kwargs={"n": 3})
    worn = OutboxMessage.objects.create(task="console.test_record", kwargs={"n": 4})
    assert outbox.outbox_claim(message_id=lost.pk) and outbox.outbox_claim(message_id=worn.pk)
    OutboxMessage.objects.filter(pk=worn.pk).update(attempts=outbox.MAX_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True):
        # Still leased (the worker may be running it): nothing to do.
        assert outbox.outbox_sweep() == {"rung": 0, "failed": 0, "purged": 0}
    _time_passes(outbox.LEASE + LATER)
    with django_capture_on_commit_callbacks(execute=True):
        result = outbox.outbox_sweep()

    assert result == {"rung": 1, "failed": 1, "purged": 0}
    assert calls == [{"n": 3}]  # the lost run was rung again and ran
    lost.refresh_from_db()
    worn.refresh_from_db()
    assert (lost.state, lost.attempts) == (State.DONE, 2)
    assert worn.state == State.FAILED and "Gave up after" in worn.last_error


@pytest.mark.django_db
def test_a_message_naming_no_handler_fails_with_a_sentence():
    message = OutboxMessage.objects.create(task="nowhere.frobnicate", kwargs={})

    assert outbox.outbox_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error == "No outbox handler is registered as 'nowhere.frobnicate'."


@pytest.mark.django_db(transaction=True)
def test_email_enqueue_sends_at_once_when_tasks_run_in_process():
    """The embedded default (no Redis): the after-commit ring delivers in-process, as before."""
    with transaction.atomic():
        email_enqueue(to=["dev@example.com"], subject="Hello", body="Body")
        assert mail.outbox == []

    [sent] = mail.outbox
    assert (sent.to, sent.subject) == (["dev@example.com"], "Hello")
    assert OutboxMessage.objects.get().state == State.DONE


# --- while the broker is down -------------------------------------------------------------------


@pytest.fixture
def owner(transactional_db) -> Membership:
    return MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")


def test_an_invitation_while_the_broker_is_down_is_sent_once_by_the_sweeper(
    owner, broker_down, caplog
):
    _token, raw = token_create(user=owner.user, name="CLI")
    mail.outbox.clear()

    with caplog.at_level(logging.WARNING, logger="console.outbox"):
        response = APIClient().post(
            f"/api/v1/workspaces/{owner.workspace.slug}/invitations",
            {"invitations": [{"name": "Neo", "email": "neo@outage.test", "role": "reviewer"}]},
            format="json",
            headers={"Authorization": f"Bearer {raw}"},
        )

    assert response.status_code == 201, response.content
    assert Invitation.objects.filter(email="neo@outage.test").exists()
    message = OutboxMessage.objects.get(task="console.send_email")
    assert (message.state, message.attempts) == (State.PENDING, 0)
    assert message.kwargs["to"] == ["neo@outage.test"]
    assert f"outbox message {message.pk}" in caplog.text
    assert mail.outbox == []

    broker_down()  # the broker is back
    for _ in range(2):
        sweep_outbox.apply()  # beat's task, in-process
        _sweep_later()

    assert [m.to for m in mail.outbox] == [["neo@outage.test"]]  # exactly one email
    message.refresh_from_db()
    assert message.state == State.DONE


def test_deleting_a_mini_program_while_the_broker_is_down_removes_its_files_after_the_sweep(
    owner, broker_down, settings
):
    mp = create_miniprogram(owner, name="Outage Coffee")
    logo = Path(settings.MEDIA_ROOT) / mp.logo.name
    assert logo.is_file()
    miniprogram_delete(actor=owner, miniprogram=mp, confirm_name="Outage Coffee")

    assert not MiniProgram.objects.exists()
    assert logo.is_file()  # the clean-up could not be queued...
    message = OutboxMessage.objects.get(task="miniprograms.delete_files")
    assert message.state == State.PENDING  # ...but it is kept

    broker_down()
    _sweep_later(times=2)

    assert not logo.exists()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.DONE, 1)


@pytest.mark.django_db
def test_the_sweep_forgets_delivered_rows_after_a_week_and_failed_ones_after_a_month():
    now = timezone.now()
    kept_done = OutboxMessage.objects.create(
        task="console.send_email", state="done", finished_at=now - timedelta(days=6)
    )
    OutboxMessage.objects.create(
        task="console.send_email", state="done", finished_at=now - timedelta(days=8)
    )
    kept_failed = OutboxMessage.objects.create(
        task="console.send_email", state="failed", finished_at=now - timedelta(days=8)
    )
    OutboxMessage.objects.create(
        task="console.send_email", state="failed", finished_at=now - timedelta(days=31)
    )
    pending = OutboxMessage.objects.create(task="console.send_email")

    result = outbox.outbox_sweep(now=now)

    assert result["purged"] == 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        kept_done.pk,
        kept_failed.pk,
        pending.pk,
    }
