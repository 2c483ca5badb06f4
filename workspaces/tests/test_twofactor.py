"""Two-factor: enrolment, the code step at sign-in, recovery codes, turning it off."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from workspaces.models import AuditEvent
from workspaces.services import twofactor
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory
from workspaces.views.accounts import PENDING_KEY

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGIN_2FA = reverse("accounts:login-2fa")


def _totp(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's code for now (or a later step: a code already used is refused as a replay)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _enable(user) -> tuple[TOTPDevice, list[str]]:
    device = twofactor.totp_device_start(user=user)
    codes = twofactor.twofactor_enable(user=user, device=device, code=_totp(device))
    return TOTPDevice.objects.get(pk=device.pk), codes


def _password_step(client, user, **data):
    return client.post(LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD, **data})


def _signed_in_as(client):
    return client.session.get(SESSION_KEY)


@pytest.fixture
def user_2fa():
    user = UserFactory(email="carol@example.com")
    device, codes = _enable(user)
    return user, device, codes


# --- enrolment -------------------------------------------------------------------------------


def test_enrolment_shows_qr_and_secret_then_confirms_and_shows_recovery_codes_once(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post(reverse("accounts:2fa-setup")).url == reverse("accounts:2fa-enable")
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed

    page = client.get(reverse("accounts:2fa-enable"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "qr-path" in html
    assert twofactor.totp_secret_display(device=device) in html

    response = client.post(reverse("accounts:2fa-enable"), {"code": _totp(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "only time these codes are shown" in response.content.decode()
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert AuditEvent.objects.get(verb="2fa.enable").actor == user

    security = client.get(reverse("accounts:security")).content.decode()
    assert "10 unused codes left" in security
    assert not any(code in security for code in codes)
    assert client.get(reverse("accounts:2fa-enable")).status_code == 302  # nothing pending now


def test_enrolment_with_a_wrong_code_keeps_the_device_unconfirmed(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:2fa-setup"))
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(_totp(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:2fa-enable"), {"code": wrong})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(verb="2fa.enable").exists()


def test_a_new_enrolment_replaces_an_unconfirmed_leftover_device(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:2fa-setup"))
    first = TOTPDevice.objects.get(user=user)
    client.post(reverse("accounts:2fa-setup"))
    second = TOTPDevice.objects.get(user=user)
    assert second.pk != first.pk and second.key != first.key


def test_enrolment_cannot_start_while_two_factor_is_on(client, user_2fa):
    user, device, _codes = user_2fa
    client.force_login(user)
    response = client.post(reverse("accounts:2fa-setup"))
    assert response.url == reverse("accounts:security")
    assert list(TOTPDevice.objects.filter(user=user)) == [device]


# --- the code step at sign-in ----------------------------------------------------------------


def test_password_alone_does_not_sign_in_a_user_with_two_factor(client, user_2fa):
    user, _device, _codes = user_2fa
    response = _password_step(client, user)
    assert response.status_code == 302
    assert response.url == LOGIN_2FA
    assert _signed_in_as(client) is None
    assert client.session[PENDING_KEY]["user_id"] == str(user.pk)
    assert not AuditEvent.objects.filter(verb="auth.signin").exists()
    page = client.get(LOGIN_2FA).content.decode()
    assert 'name="code"' in page and ">Verify</button>" in page and "Start over" in page


def test_totp_code_completes_the_sign_in(client, user_2fa):
    user, device, _codes = user_2fa
    _password_step(client, user, next="/accounts/profile/")
    response = client.post(
        LOGIN_2FA, {"code": _totp(device, steps_ahead=1), "next": "/accounts/profile/"}
    )
    assert response.status_code == 302
    assert response.url == "/accounts/profile/"
    assert _signed_in_as(client) == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_KEY not in client.session
    event = AuditEvent.objects.get(verb="auth.signin")
    assert event.after == {"method": "password+totp"}


def test_enrolment_through_the_pages_then_sign_in_with_the_app(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:2fa-setup"))
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("accounts:2fa-enable"), {"code": _totp(device)})
    client.post(reverse("accounts:logout"))

    assert _password_step(client, user).url == LOGIN_2FA
    response = client.post(LOGIN_2FA, {"code": _totp(device, steps_ahead=1)})
    assert response.url == reverse("console:home")
    assert _signed_in_as(client) == str(user.pk)


def test_wrong_code_is_refused_and_recorded(client, user_2fa):
    user, device, _codes = user_2fa
    _password_step(client, user)
    wrong = f"{(int(_totp(device, steps_ahead=1)) + 1) % 1_000_000:06d}"
    response = client.post(LOGIN_2FA, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert _signed_in_as(client) is None
    assert AuditEvent.objects.get(verb="auth.2fa_failed").actor == user
    assert client.session[PENDING_KEY]["failures"] == 1


def test_right_code_after_a_wrong_one_signs_in_once_throttling_allows(client, settings, user_2fa):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting between attempts in this test
    user, device, _codes = user_2fa
    _password_step(client, user)
    client.post(LOGIN_2FA, {"code": "000000" if _totp(device, 1) != "000000" else "111111"})
    response = client.post(LOGIN_2FA, {"code": _totp(device, steps_ahead=1)})
    assert response.status_code == 302
    assert _signed_in_as(client) == str(user.pk)


def test_django_otp_throttling_refuses_even_the_right_code_right_after_a_failure(
    client, settings, user_2fa
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # a long enough delay that the test never races it
    user, device, _codes = user_2fa
    _password_step(client, user)
    good = _totp(device, steps_ahead=1)
    client.post(LOGIN_2FA, {"code": f"{(int(good) + 1) % 1_000_000:06d}"})
    response = client.post(LOGIN_2FA, {"code": good})
    assert response.status_code == 200
    assert "Wait a few seconds" in response.content.decode()
    assert _signed_in_as(client) is None


def test_five_wrong_codes_drop_the_pending_sign_in(client, user_2fa):
    user, _device, _codes = user_2fa
    _password_step(client, user)
    for _ in range(4):
        assert client.post(LOGIN_2FA, {"code": "12345678"}).status_code == 200
    response = client.post(LOGIN_2FA, {"code": "12345678"}, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "Too many wrong codes" in response.content.decode()
    assert PENDING_KEY not in client.session
    assert _signed_in_as(client) is None
    assert AuditEvent.objects.filter(verb="auth.2fa_failed").count() == 5
    # The code page is gone; the password is needed again.
    assert client.get(LOGIN_2FA).url == LOGIN


def test_recovery_code_signs_in_once_and_not_twice(client, user_2fa):
    user, _device, codes = user_2fa
    _password_step(client, user)
    response = client.post(LOGIN_2FA, {"code": codes[0].upper()}, follow=True)
    assert _signed_in_as(client) == str(user.pk)
    assert "9 left" in response.content.decode()
    assert AuditEvent.objects.get(verb="auth.signin").after == {"method": "password+recovery_code"}
    assert AuditEvent.objects.get(verb="auth.recovery_code_used").after == {
        "recovery_codes_left": 9
    }
    client.post(reverse("accounts:logout"))

    _password_step(client, user)
    response = client.post(LOGIN_2FA, {"code": codes[0]})
    assert response.status_code == 200
    assert _signed_in_as(client) is None
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_pending_two_factor_user_opening_a_protected_page_lands_on_the_code_step(client, user_2fa):
    user, _device, _codes = user_2fa
    _password_step(client, user)
    response = client.get(reverse("console:home"), follow=True)
    assert response.status_code == 200
    assert [url for url, _status in response.redirect_chain] == [
        f"{LOGIN}?next=/",
        f"{LOGIN_2FA}?next=%2F",
    ]
    assert ">Verify</button>" in response.content.decode()
    assert client.get(LOGIN).url == LOGIN_2FA  # the sign-in page forwards too


def test_pending_two_factor_expires_after_five_minutes(client, user_2fa):
    user, device, _codes = user_2fa
    _password_step(client, user)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "started_at": time.time() - 301}
    session.save()

    response = client.post(LOGIN_2FA, {"code": _totp(device, steps_ahead=1)}, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "timed out" in response.content.decode()
    assert _signed_in_as(client) is None
    assert PENDING_KEY not in client.session
    assert client.get(LOGIN).status_code == 200  # the form, not a redirect loop


def test_start_over_cancels_the_pending_sign_in(client, user_2fa):
    user, _device, _codes = user_2fa
    _password_step(client, user)
    response = client.post(reverse("accounts:login-2fa-cancel"))
    assert response.url == LOGIN
    assert PENDING_KEY not in client.session
    assert client.get(LOGIN).status_code == 200


def test_code_step_without_a_password_step_goes_back_to_sign_in(client):
    assert client.get(LOGIN_2FA).url == LOGIN
    assert client.post(LOGIN_2FA, {"code": "123456"}).url == LOGIN


# --- recovery codes and turning off ----------------------------------------------------------


def test_regenerating_recovery_codes_needs_the_password_and_replaces_the_old_ones(client, user_2fa):
    user, _device, old_codes = user_2fa
    client.force_login(user)
    url = reverse("accounts:2fa-recovery-codes")
    refused = client.post(url, {"password": "wrong"})
    assert refused.status_code == 200
    assert "That password is not correct" in refused.content.decode()
    assert not AuditEvent.objects.filter(verb="2fa.recovery_codes_regenerate").exists()

    response = client.post(url, {"password": DEFAULT_PASSWORD})
    new_codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in new_codes}
    assert AuditEvent.objects.filter(verb="2fa.recovery_codes_regenerate").count() == 1


def test_disable_with_a_wrong_password_is_refused_and_changes_nothing(client, user_2fa):
    user, device, _codes = user_2fa
    client.force_login(user)
    response = client.post(reverse("accounts:2fa-disable"), {"password": "wrong"})
    assert response.status_code == 200
    assert "That password is not correct" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert not AuditEvent.objects.filter(verb="2fa.disable").exists()


def test_disable_with_the_right_password_removes_every_device(client, user_2fa):
    user, _device, _codes = user_2fa
    client.force_login(user)
    response = client.post(reverse("accounts:2fa-disable"), {"password": DEFAULT_PASSWORD})
    assert response.url == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(verb="2fa.disable").actor == user
    client.post(reverse("accounts:logout"))
    assert _password_step(client, user).url == reverse("console:home")  # password alone now


def test_recovery_code_is_accepted_with_spaces_dash_and_capitals(user_2fa):
    user, _device, codes = user_2fa
    typed = " " + codes[3].upper().replace("-", " - ") + " "
    verification = twofactor.twofactor_verify(user=user, code=typed)
    assert verification.kind == "recovery_code"
    assert StaticToken.objects.filter(device__user=user).count() == 9
