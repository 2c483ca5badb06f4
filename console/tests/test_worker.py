"""A real Celery worker round trip: the broker, the routing, the email backend, the request id.

The unit tests run tasks in-process (CELERY_TASK_ALWAYS_EAGER); these prove that what the
services queue really travels through Redis to ``celery -A console worker`` and runs there.
"""

from __future__ import annotations

import uuid
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from celery.signals import before_task_publish
from django.db import transaction

from console import context
from console.tasks import email_enqueue, send_email

pytestmark = pytest.mark.services


def _subject(raw: bytes) -> str:
    message = message_from_bytes(raw)
    return str(make_header(decode_header(message["Subject"])))


def _succeeded(log: str, task_name: str) -> int:
    return sum(f"Task {task_name}[" in line and "succeeded" in line for line in log.splitlines())


def _unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


def test_send_email_runs_on_the_worker_and_writes_the_message(live_worker):
    subject = _unique("Welcome to MPP")

    send_email.delay(to=["olivia@example.com"], subject=subject, body="Hello from the worker.")

    [raw] = live_worker.wait_for_emails(1)
    assert _subject(raw) == subject
    content = raw.decode()
    assert "To: olivia@example.com" in content
    assert "Hello from the worker." in content
    assert "Task console.send_email[" in live_worker.log()


def test_send_email_twice_sends_two_messages(live_worker):
    """The task's contract is "send one email": a second call is a second message."""
    subjects = [_unique("Reminder"), _unique("Reminder")]

    for subject in subjects:
        send_email.delay(to=["rita@example.com"], subject=subject, body="Twice.")

    messages = live_worker.wait_for_emails(2)
    assert sorted(_subject(m) for m in messages) == sorted(subjects)


def test_the_request_id_travels_to_the_worker_log(live_worker):
    request_id = f"req-{uuid.uuid4().hex}"
    subject = _unique("Traced")

    token = context.bind(request_id=request_id, ip="203.0.113.7")
    try:
        send_email.delay(to=["adam@example.com"], subject=subject, body="Trace me.")
    finally:
        context.reset(token)

    log = live_worker.wait_for_log(f"send_email: {subject}")
    [line] = [line for line in log.splitlines() if f"send_email: {subject}" in line]
    assert f"[{request_id}]" in line


@pytest.mark.django_db(transaction=True)
def test_email_enqueue_reaches_the_worker_only_after_commit(live_worker):
    subject = _unique("Queued on commit")
    published: list[str] = []

    def record(sender=None, **_kwargs):
        published.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        with transaction.atomic():
            email_enqueue(to=["dev@example.com"], subject=subject, body="After commit.")
            assert published == []  # a rolled-back transaction must not send anything
        assert published == ["console.outbox_deliver"]  # the outbox's doorbell
    finally:
        before_task_publish.disconnect(record)

    [raw] = live_worker.wait_for_emails(1)
    assert _subject(raw) == subject


@pytest.mark.django_db(transaction=True)
def test_the_worker_shares_the_test_database_and_housekeeping_is_repeatable(live_worker):
    """clear_expired_sessions deletes what the test committed; running it again is harmless."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from console.tasks import clear_expired_sessions

    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="{}", expire_date=now)
    Session.objects.create(
        session_key="current" * 4, session_data="{}", expire_date=now + timedelta(days=1)
    )

    for _ in range(2):
        clear_expired_sessions.delay()
    live_worker.wait_for(
        lambda: _succeeded(live_worker.log(), "console.clear_expired_sessions") == 2,
        what="two clear_expired_sessions runs",
    )
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]
    assert "ERROR" not in live_worker.log()
