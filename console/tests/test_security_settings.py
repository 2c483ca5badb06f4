"""Production settings refuse to start without a way to send email and close sign-up by default
(issue 9, defect 6). Each case loads the settings in a fresh process, as a deployment does."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SMTP = "smtp+tls://mailer:pw@smtp.example.com:587"
PRINT = (
    "import json; from django.conf import settings; "
    "print(json.dumps([settings.EMAIL_BACKEND, settings.MPP_ALLOW_SIGNUP]))"
)


def load_production(**env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"EMAIL_URL", "ALLOW_UNSENT_EMAIL", "ALLOW_SIGNUP", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "console.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "RUNTIME_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "ALLOWED_HOSTS": "mpp.example.com",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_email_url():
    for env in ({}, {"EMAIL_URL": ""}):
        result = load_production(**env)

        assert result.returncode != 0
        assert "ImproperlyConfigured: EMAIL_URL must be set in production" in result.stderr


@pytest.mark.parametrize(
    "url", ["consolemail://", "dummymail://", "memorymail://", "filemail:////tmp/mpp-mail"]
)
def test_production_refuses_an_email_url_that_sends_nothing(url):
    result = load_production(EMAIL_URL=url)

    assert result.returncode != 0
    assert "does not send email" in result.stderr
    assert "ALLOW_UNSENT_EMAIL=true" in result.stderr


def test_the_opt_out_allows_printed_email_in_production():
    result = load_production(EMAIL_URL="consolemail://", ALLOW_UNSENT_EMAIL="true")

    assert result.returncode == 0, result.stderr
    backend, _signup = json.loads(result.stdout)
    assert backend == "django.core.mail.backends.console.EmailBackend"


def test_production_sends_through_smtp_and_sign_up_is_closed_unless_opened():
    closed = load_production(EMAIL_URL=SMTP)
    opened = load_production(EMAIL_URL=SMTP, ALLOW_SIGNUP="true")

    assert closed.returncode == 0, closed.stderr
    assert json.loads(closed.stdout) == ["django.core.mail.backends.smtp.EmailBackend", False]
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout)[1] is True
    assert SMTP not in closed.stderr + closed.stdout  # the URL (a password) is never printed


@pytest.mark.parametrize("key", ["", "c2hvcnQ=", "not base64!"])
def test_production_refuses_to_start_without_a_runtime_signing_key(key):
    result = load_production(EMAIL_URL=SMTP, RUNTIME_SIGNING_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured: RUNTIME_SIGNING_KEY must be set in production" in result.stderr
