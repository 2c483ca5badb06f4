"""The admin demands the same second factor as the console (issue 9, defect 1)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from workspaces.models import ApiToken, Workspace
from workspaces.services import twofactor
from workspaces.services.workspaces import workspace_create
from workspaces.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"


def _totp(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def staff_2fa():
    user = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    device = twofactor.totp_device_start(user=user)
    twofactor.twofactor_enable(user=user, device=device, code=_totp(device))
    return user, TOTPDevice.objects.get(pk=device.pk)


def test_password_posted_to_the_admin_login_signs_nobody_in(client, staff_2fa):
    user, _device = staff_2fa

    response = client.post(
        ADMIN_LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD, "next": ADMIN}
    )

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=%2Fadmin%2F"
    assert SESSION_KEY not in client.session
    # The session reaches neither the console, nor the admin, nor the token page or API.
    assert client.get(reverse("console:home")).status_code == 302
    assert client.get(ADMIN).status_code == 302
    tokens = client.post(reverse("accounts:tokens"), {"name": "stolen", "expiry": "90"})
    assert tokens.status_code == 302 and tokens.url.startswith(reverse("accounts:login"))
    assert client.get("/api/v1/me").status_code in {401, 403}
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_admin_login_page_has_no_password_form_and_sends_to_the_console_sign_in(client):
    response = client.get(ADMIN_LOGIN)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert client.get(ADMIN).url.startswith(ADMIN_LOGIN)


def test_a_session_without_the_code_step_is_refused_by_the_admin(client, staff_2fa):
    user, _device = staff_2fa
    client.force_login(user)  # password only: how the old admin login form signed people in

    assert client.get(ADMIN).status_code == 302
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 302


def test_staff_with_two_factor_reach_the_admin_through_the_console_sign_in(client, staff_2fa):
    user, device = staff_2fa
    login = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": DEFAULT_PASSWORD, "next": ADMIN},
    )
    assert login.url.startswith(reverse("accounts:login-2fa"))

    done = client.post(
        reverse("accounts:login-2fa"), {"code": _totp(device, steps_ahead=1), "next": ADMIN}
    )

    assert done.url == ADMIN
    assert client.get(ADMIN).status_code == 200
    assert client.get(ADMIN_LOGIN).url == ADMIN


def test_staff_without_two_factor_reach_the_admin_after_the_console_sign_in(client):
    user = UserFactory(is_staff=True)
    client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": DEFAULT_PASSWORD, "next": ADMIN},
    )

    assert client.get(ADMIN).status_code == 200


def test_a_signed_in_member_who_is_not_staff_gets_403_from_the_admin_login(client):
    member = UserFactory()
    workspace_create(owner=member, name="Acme", kind=Workspace.Kind.TENANT)
    client.force_login(member)

    assert client.get(ADMIN_LOGIN).status_code == 403
    assert client.get(ADMIN).status_code == 302
