"""Shell-level tasks: outbound email (every notification goes through it), the outbox's
delivery and sweeper (console/outbox.py), and housekeeping."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core import management
from django.core.mail import EmailMultiAlternatives

from console import outbox

logger = logging.getLogger(__name__)


@outbox.handler("console.send_email")
@shared_task(
    name="console.send_email",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(
    to: list[str], subject: str, body: str, html: str | None = None, reply_to: str | None = None
) -> int:
    """Send one email. Arguments are plain JSON; transient SMTP failures are retried."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=[reply_to] if reply_to else None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    sent = message.send()
    logger.info("send_email: %s to %d recipient(s)", subject, len(to))
    return sent


def email_enqueue(
    *, to: list[str], subject: str, body: str, html: str | None = None, reply_to: str | None = None
) -> None:
    """Send :func:`send_email` once the current transaction commits (STYLE.md §7), through the
    outbox: the message is a row of the caller's transaction, retried until it is sent, so a
    broker outage delays it instead of losing it."""
    outbox.outbox_enqueue(
        task="console.send_email",
        kwargs={"to": to, "subject": subject, "body": body, "html": html, "reply_to": reply_to},
    )


@shared_task(name="console.outbox_deliver")
def outbox_deliver(message_id: int) -> str:
    """The outbox's doorbell: run the message's handler if this call claims it (safe twice)."""
    return outbox.outbox_deliver(message_id=message_id)


@shared_task(name="console.sweep_outbox")
def sweep_outbox() -> dict[str, int]:
    """Every minute: ring again for outbox messages not done, give up on exhausted ones."""
    return outbox.outbox_sweep()


@shared_task(name="console.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Daily: drop expired sessions (Django's clearsessions; safe to run twice)."""
    management.call_command("clearsessions")
