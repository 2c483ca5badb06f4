"""Sign-up does not tell whether an address is registered, and no password material travels in
its link; password rules in one sentence."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from workspaces.models import Membership, User
from workspaces.services.invitations import InviteSpec, invitation_create_batch
from workspaces.services.signup import SALT
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("onboarding:signup")
PASSWORD = "orbit-lantern-mosaic-42"
RULE = (
    "At least 8 characters, not only digits, not a common password, and not like your name or "
    "email address."
)


def _sign_up(client, capture, email: str):
    with capture(execute=True):
        response = client.post(
            SIGNUP,
            {"name": "Mia", "email": email},
            follow=True,
        )
    return response


def _page_text(response, email: str) -> str:
    html = response.content.decode().replace(email, "<email>")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"X-Request-ID|[0-9a-f]{32}", "", html)


def test_the_answer_is_identical_for_a_new_and_a_registered_address(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.com")

    taken = _sign_up(client, django_capture_on_commit_callbacks, "taken@example.com")
    new = _sign_up(client, django_capture_on_commit_callbacks, "new@example.com")

    assert [r.status_code for r in (taken, new)] == [200, 200]
    assert taken.redirect_chain == new.redirect_chain == [(reverse("onboarding:signup-sent"), 302)]
    assert _page_text(taken, "taken@example.com") == _page_text(new, "new@example.com")
    assert "We sent a link to <strong>new@example.com</strong>" in new.content.decode()
    # Each address got one mail; only the new one can create an account.
    assert [m.to for m in mail.outbox] == [["taken@example.com"], ["new@example.com"]]
    assert "already have an account" in mail.outbox[0].body
    assert "/welcome/signup/confirm/" in mail.outbox[1].body
    assert User.objects.count() == 1


def test_nobody_can_squat_an_address_they_cannot_read(client, django_capture_on_commit_callbacks):
    _sign_up(client, django_capture_on_commit_callbacks, "victim@example.com")
    assert not User.objects.filter(email="victim@example.com").exists()
    # The real owner signs up later and gets a working link of their own.
    _sign_up(client, django_capture_on_commit_callbacks, "victim@example.com")
    assert len(mail.outbox) == 2 and "/welcome/signup/confirm/" in mail.outbox[1].body


def test_the_signup_link_carries_no_password_material(client, django_capture_on_commit_callbacks):
    # Even a client that posts a password at the first step gets a link without it.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            SIGNUP,
            {
                "name": "Mia",
                "email": "mia@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    (message,) = mail.outbox
    link = re.search(r"/welcome/signup/confirm/(\S+)/", message.body)
    assert link

    data = signing.TimestampSigner(salt=SALT).unsign_object(link.group(1))

    assert data == {"e": "mia@example.com", "n": "Mia"}  # only the name and the address
    assert PASSWORD not in message.body
    assert "pbkdf2" not in message.body and "argon2" not in message.body
    page = client.get(link.group(0)).content.decode()  # the link's page asks for the password
    assert 'name="password1"' in page and PASSWORD not in page


def test_invitations_still_create_the_account_at_once(client, django_capture_on_commit_callbacks):
    owner = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create_batch(
            actor=owner, specs=[InviteSpec(name="Ivy", email="ivy@example.com", role="admin")]
        )
    path = re.search(r"https?://[^/\s]+(/invitations/[A-Za-z0-9]+/)", mail.outbox[0].body)
    assert path

    response = client.post(
        path.group(1), {"name": "Ivy", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    member = Membership.objects.get(user__email="ivy@example.com")
    assert member.workspace == owner.workspace


# --- the password rule: one sentence, not Django's bullet list --------------------------------


def _password_pages(client, capture) -> dict[str, str]:
    _sign_up(client, capture, "mia@example.com")
    link = re.search(r"https?://[^/\s]+(/welcome/signup/confirm/\S+/)", mail.outbox[-1].body)
    assert link
    pages = {"sign-up": client.get(link.group(1)).content.decode()}
    owner = MembershipFactory(workspace=WorkspaceFactory(kind="tenant"), role="owner")
    with capture(execute=True):
        invitation_create_batch(
            actor=owner, specs=[InviteSpec(name="Ivy", email="ivy@example.com", role="admin")]
        )
    invite = re.search(r"https?://[^/\s]+(/invitations/[A-Za-z0-9]+/)", mail.outbox[-1].body)
    assert invite
    pages["invitation sign-up"] = client.get(invite.group(1)).content.decode()
    user = UserFactory(email="reset@example.com")
    with capture(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": user.email})
    reset = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", mail.outbox[-1].body)
    assert reset
    pages["reset"] = client.get(reset.group(1), follow=True).content.decode()
    client.force_login(user)
    pages["change"] = client.get(reverse("accounts:password-change")).content.decode()
    return pages


def test_every_new_password_field_states_the_rule_in_one_sentence(
    client, django_capture_on_commit_callbacks
):
    pages = _password_pages(client, django_capture_on_commit_callbacks)

    assert set(pages) == {"sign-up", "invitation sign-up", "reset", "change"}
    for where, html in pages.items():
        assert RULE in html, where
        assert "<ul>" not in html.split('class="help"', 1)[-1][:400], where
        assert "Your password can’t be too similar" not in html, where


def test_a_link_stops_working_when_sign_up_is_closed(
    client, django_capture_on_commit_callbacks, settings
):
    _sign_up(client, django_capture_on_commit_callbacks, "late@example.com")
    link = re.search(r"https?://[^/\s]+(/welcome/signup/confirm/\S+/)", mail.outbox[0].body)
    assert link
    settings.MPP_ALLOW_SIGNUP = False

    response = client.post(
        link.group(1), {"name": "Mia", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 403
    assert "Sign-up is closed" in response.content.decode()
    assert not User.objects.filter(email="late@example.com").exists()
