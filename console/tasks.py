"""Shell-level tasks: outbound email (every notification goes through it) and housekeeping."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core import management
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger(__name__)


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
    """Queue :func:`send_email` once the current transaction commits (STYLE.md §7)."""
    transaction.on_commit(
        lambda: send_email.delay(to=to, subject=subject, body=body, html=html, reply_to=reply_to)
    )


@shared_task(name="console.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Daily: drop expired sessions (Django's clearsessions; safe to run twice)."""
    management.call_command("clearsessions")
