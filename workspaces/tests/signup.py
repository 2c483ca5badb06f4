"""Test helper: the sign-up confirmation link mailed to an address (django.core.mail.outbox)."""

from __future__ import annotations

import re
import time

from django.core import mail

LINK = re.compile(r"https?://[^/\s]+(/welcome/signup/confirm/\S+/)")


def signup_link_path(email: str, *, timeout: float = 10.0) -> str:
    """The path of the newest confirmation link sent to ``email`` (waits for a live server)."""
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(mail.outbox):
            match = LINK.search(message.body)
            if email in message.to and match:
                return match.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no sign-up link was mailed to {email}")
        time.sleep(0.1)
