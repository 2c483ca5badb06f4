"""Sign-in, throttling (django-axes), sign-out and the profile page."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from workspaces.models import AuditEvent
from workspaces.services.accounts import axes_username
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _sign_in(client, email, password=DEFAULT_PASSWORD, ip="127.0.0.1", **data):
    return client.post(LOGIN, {"username": email, "password": password, **data}, REMOTE_ADDR=ip)


def _signed_in_as(client):
    return client.session.get(SESSION_KEY)


def test_login_page_has_email_and_password_fields_and_reset_link(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to MPP" in html
    assert 'name="username"' in html and 'type="email"' in html
    assert 'name="password"' in html
    assert ">Email<" in html.replace("\n", "")
    assert ">Sign in</button>" in html
    assert reverse("accounts:password-reset") in html and "Forgot your password?" in html


def test_signin_with_email_and_password_signs_in_and_records_audit(client):
    user = UserFactory(email="alice@example.com")
    response = _sign_in(client, "alice@example.com")
    assert response.status_code == 302
    assert response.url == reverse("console:home")
    assert _signed_in_as(client) == str(user.pk)
    event = AuditEvent.objects.get(verb="auth.signin")
    assert event.actor == user
    assert event.workspace is None
    assert event.after == {"method": "password"}


def test_signin_with_wrong_password_is_refused_and_recorded(client):
    UserFactory(email="alice@example.com")
    response = _sign_in(client, "alice@example.com", password="not-the-password")
    assert response.status_code == 200
    assert _signed_in_as(client) is None
    html = response.content.decode()
    assert "do not match an account" in html
    assert 'value="alice@example.com"' in html  # the email is kept, the password is not
    assert "not-the-password" not in html
    event = AuditEvent.objects.get(verb="auth.signin_failed")
    assert event.actor is None
    assert event.actor_label == "alice@example.com"
    assert not AuditEvent.objects.filter(verb="auth.signin").exists()


def test_signin_with_unknown_email_is_refused_like_a_wrong_password(client):
    response = _sign_in(client, "nobody@example.com")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert AuditEvent.objects.get(verb="auth.signin_failed").actor_label == "nobody@example.com"


def test_signin_email_is_case_insensitive(client):
    user = UserFactory(email="alice@example.com")
    response = _sign_in(client, "  Alice@Example.COM ")
    assert response.status_code == 302
    assert _signed_in_as(client) == str(user.pk)


def test_inactive_user_cannot_sign_in(client):
    UserFactory(email="gone@example.com", is_active=False)
    response = _sign_in(client, "gone@example.com")
    assert response.status_code == 200
    assert _signed_in_as(client) is None


def test_signin_honours_a_safe_next(client):
    UserFactory(email="alice@example.com")
    response = _sign_in(client, "alice@example.com", next="/accounts/profile/")
    assert response.url == "/accounts/profile/"


def test_signin_ignores_a_next_to_another_site(client):
    UserFactory(email="alice@example.com")
    response = _sign_in(client, "alice@example.com", next="https://evil.example.com/")
    assert response.url == reverse("console:home")


def test_login_required_page_sends_anonymous_user_to_login_with_next(client):
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/accounts/security/"
    page = client.get(response.url)
    assert 'name="next" value="/accounts/security/"' in page.content.decode()


def test_signed_in_user_visiting_login_goes_home(client):
    client.force_login(UserFactory())
    response = client.get(f"{LOGIN}?next=/accounts/profile/")
    assert response.status_code == 302
    assert response.url == reverse("console:home")


# --- throttling ------------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    user = UserFactory(email="alice@example.com")
    # Different casings and addresses: the lock is on the account, whatever was typed.
    typed = ["alice@example.com", "Alice@Example.com", "ALICE@EXAMPLE.COM", " alice@example.com"]
    for attempt in range(4):
        response = _sign_in(client, typed[attempt], password="wrong", ip=f"10.0.0.{attempt + 1}")
        assert response.status_code == 200
    fifth = _sign_in(client, "alice@example.com", password="wrong", ip="10.0.0.5")
    assert fifth.status_code == 429

    response = _sign_in(client, "alice@example.com", ip="10.0.0.9")
    assert response.status_code == 429
    assert _signed_in_as(client) is None
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "try again in 15 minutes" in html
    assert reverse("accounts:password-reset") in html
    assert not AuditEvent.objects.filter(verb="auth.signin", actor=user).exists()


def test_failures_on_different_accounts_from_one_ip_lock_that_ip(client):
    users = UserFactory.create_batch(5)
    for user in users:
        assert _sign_in(client, user.email, password="wrong", ip="10.1.1.1").status_code in (
            200,
            429,
        )
    bystander = UserFactory()
    response = _sign_in(client, bystander.email, ip="10.1.1.1")
    assert response.status_code == 429
    assert _signed_in_as(client) is None

    other = UserFactory()
    response = _sign_in(client, other.email, ip="10.1.1.2")
    assert response.status_code == 302
    assert _signed_in_as(client) == str(other.pk)


def test_fewer_than_five_failures_do_not_lock(client):
    user = UserFactory()
    for _ in range(4):
        _sign_in(client, user.email, password="wrong")
    response = _sign_in(client, user.email)
    assert response.status_code == 302
    assert _signed_in_as(client) == str(user.pk)


def test_axes_username_is_the_normalised_email(rf):
    assert axes_username(None, {"username": "  Bob@Example.COM "}) == "bob@example.com"
    request = rf.post("/accounts/login/", {"username": "BOB@example.com"})
    assert axes_username(request, None) == "bob@example.com"
    assert axes_username(None, {"username": ""}) is None


# --- sign-out --------------------------------------------------------------------------------


def test_signout_signs_out_and_records_audit(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert _signed_in_as(client) is None
    assert AuditEvent.objects.get(verb="auth.signout").actor == user
    assert client.get(reverse("console:home")).status_code == 302


def test_signout_by_get_only_asks(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 200
    assert "Sign out of MPP?" in response.content.decode()
    assert _signed_in_as(client) == str(user.pk)


# --- profile ---------------------------------------------------------------------------------


def test_profile_update_changes_name_and_timezone_and_records_the_change(client):
    user = UserFactory(name="Alice", timezone="UTC")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"name": "Alice Liddell", "timezone": "Asia/Shanghai"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.timezone) == ("Alice Liddell", "Asia/Shanghai")
    event = AuditEvent.objects.get(verb="user.update")
    assert event.before == {"name": "Alice", "timezone": "UTC"}
    assert event.after == {"name": "Alice Liddell", "timezone": "Asia/Shanghai"}


def test_profile_records_only_changed_fields_and_nothing_when_unchanged(client):
    user = UserFactory(name="Alice", timezone="UTC")
    client.force_login(user)
    client.post(reverse("accounts:profile"), {"name": "Alice", "timezone": "UTC"})
    assert not AuditEvent.objects.filter(verb="user.update").exists()
    client.post(reverse("accounts:profile"), {"name": "Alice", "timezone": "Europe/Paris"})
    event = AuditEvent.objects.get(verb="user.update")
    assert event.before == {"timezone": "UTC"}


def test_profile_rejects_an_unknown_timezone_and_keeps_input(client):
    user = UserFactory(name="Alice", timezone="UTC")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"name": "New Name", "timezone": "Mars/Base"}
    )
    assert response.status_code == 200
    assert 'value="New Name"' in response.content.decode()
    user.refresh_from_db()
    assert (user.name, user.timezone) == ("Alice", "UTC")


def test_profile_and_security_pages_render_for_a_signed_in_user(client):
    client.force_login(UserFactory())
    profile = client.get(reverse("accounts:profile"))
    assert profile.status_code == 200
    assert '<option value="Asia/Shanghai"' in profile.content.decode()
    security = client.get(reverse("accounts:security"))
    assert security.status_code == 200
    assert "Turn on two-factor" in security.content.decode()
