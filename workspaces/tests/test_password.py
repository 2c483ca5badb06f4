"""Password change (signed in) and password reset by email."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from workspaces.models import AuditEvent
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase-42"
RESET = reverse("accounts:password-reset")
RESET_DONE = reverse("accounts:password-reset-done")


def _reset_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _sign_in(client, email, password, ip="127.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


# --- change ----------------------------------------------------------------------------------


def test_password_change_sets_the_new_password_and_keeps_the_session(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:security")).status_code == 200  # still signed in
    assert AuditEvent.objects.get(verb="user.password_change").actor == user


def test_password_change_with_a_wrong_current_password_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert not AuditEvent.objects.filter(verb="user.password_change").exists()


def test_password_change_applies_the_password_validators(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "password",
            "new_password2": "password",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_signs_out_other_sessions(client, django_user_model):
    from django.test import Client

    user = UserFactory()
    other = Client()
    other.force_login(user)
    client.force_login(user)
    client.post(
        reverse("accounts:password-change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert other.get(reverse("accounts:security")).status_code == 302


# --- reset -----------------------------------------------------------------------------------


def test_password_reset_mail_is_queued_on_commit_not_sent_at_once(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="dora@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(RESET, {"email": "dora@example.com"})
    assert response.url == RESET_DONE
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_password_reset_mail_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="dora@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": "Dora@Example.com"})
    assert response.url == RESET_DONE
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dora@example.com"]
    assert "Reset your MPP password" in message.subject

    link = client.get(_reset_path(message))
    assert link.status_code == 302  # Django moves the token from the URL into the session
    form_page = client.get(link.url)
    assert form_page.status_code == 200 and 'name="new_password1"' in form_page.content.decode()
    done = client.post(link.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == reverse("accounts:password-reset-complete")

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.get(verb="user.password_reset").actor == user
    assert _sign_in(client, "dora@example.com", NEW_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_password_reset_link_works_only_once(client, django_capture_on_commit_callbacks):
    UserFactory(email="dora@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "dora@example.com"})
    path = _reset_path(mail.outbox[0])
    link = client.get(path)
    client.post(link.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(path, follow=True)
    assert "This link does not work any more" in again.content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing_but_shows_the_same_page(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="dora@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(RESET, {"email": "nobody@example.com"}, follow=True)
    assert response.redirect_chain == [(RESET_DONE, 302)]
    assert "Check your inbox" in response.content.decode()
    assert callbacks == []
    assert mail.outbox == []


def test_password_reset_lifts_a_sign_in_lockout(client, django_capture_on_commit_callbacks):
    UserFactory(email="dora@example.com")
    for attempt in range(5):
        _sign_in(client, "dora@example.com", "wrong", ip=f"10.2.0.{attempt + 1}")
    assert _sign_in(client, "dora@example.com", DEFAULT_PASSWORD, ip="10.2.0.9").status_code == 429

    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "dora@example.com"})
    link = client.get(_reset_path(mail.outbox[0]))
    client.post(link.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert _sign_in(client, "dora@example.com", NEW_PASSWORD, ip="10.2.0.9").status_code == 302


def test_password_reset_pages_render(client):
    assert "Reset your password" in client.get(RESET).content.decode()
    assert "Check your inbox" in client.get(RESET_DONE).content.decode()
    complete = client.get(reverse("accounts:password-reset-complete"))
    assert "Your password has been changed" in complete.content.decode()
