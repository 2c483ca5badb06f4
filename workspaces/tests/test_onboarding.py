"""Onboarding: sign-up (``/welcome/signup/``), the first workspace, and where home sends you."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from workspaces.forms.accounts import password_rule
from workspaces.models import AuditEvent, Invitation, Membership, User, Workspace
from workspaces.services import signup
from workspaces.services.signup import signup_request
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/welcome/signup/"
SENT = "/welcome/signup/sent/"
CREATE = "/welcome/workspace/"
PASSWORD = "orbit-lantern-mosaic-42"


def signup_data(**overrides) -> dict[str, str]:
    data = {"name": "Mia Merchant", "email": "Mia@Example.COM "}
    data.update(overrides)
    return data


def confirm_data(**overrides) -> dict[str, str]:
    """What the page of the emailed link posts: the name (editable) and the password pair."""
    data = {"name": "Mia Merchant", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


@pytest.fixture
def post_signup(client, django_capture_on_commit_callbacks):
    """POST the sign-up form and run what it queued on commit (the email)."""

    def post(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGNUP, signup_data(**overrides))

    return post


def signed_in_user(client) -> User | None:
    user = client.get("/").wsgi_request.user  # any page: the session's user
    return user if user.is_authenticated else None


def confirmation_link(mail) -> str:
    """The path of the sign-up link in a confirmation email."""
    match = re.search(r"https?://[^/\s]+(/welcome/signup/confirm/\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_urls_match_the_url_map():
    assert reverse("onboarding:signup") == SIGNUP
    assert reverse("onboarding:workspace-create") == CREATE


# --- sign-up ----------------------------------------------------------------------------------


def test_signup_page_asks_only_for_name_and_email_and_offers_sign_in(client):
    body = client.get(SIGNUP).content.decode()
    for name in ("name", "email"):
        assert f'name="{name}"' in body
    assert 'type="password"' not in body  # the password is chosen on the link's page
    assert f'href="{reverse("accounts:login")}"' in body


def test_signup_emails_a_link_that_creates_the_account_signs_in_and_asks_for_a_workspace(
    client, post_signup, mailoutbox
):
    response = post_signup()

    assert response.status_code == 302
    assert response.url == SENT
    assert not User.objects.exists()  # nothing is created before the address is confirmed
    assert signed_in_user(client) is None
    sent = client.get(SENT).content.decode()
    assert "Check your inbox" in sent and "mia@example.com" in sent

    (mail,) = mailoutbox
    assert mail.to == ["mia@example.com"]
    link = confirmation_link(mail)
    confirm_page = client.get(link)  # a mail scanner's GET creates nothing
    assert confirm_page.status_code == 200 and not User.objects.exists()
    page = confirm_page.content.decode()
    assert 'value="mia@example.com"' in page and "readonly" in page  # shown, not editable
    assert confirm_page.context["form"]["name"].value() == "Mia Merchant"
    assert 'name="password1"' in page and 'name="password2"' in page
    assert password_rule() in page
    response = client.post(link, confirm_data())

    assert response.status_code == 302
    assert response.url == CREATE
    user = User.objects.get()
    assert user.email == "mia@example.com"  # normalised
    assert user.name == "Mia Merchant"
    assert user.check_password(PASSWORD)
    assert signed_in_user(client) == user
    audit = AuditEvent.objects.get(verb="user.signup")
    assert (audit.actor, audit.workspace, audit.after) == (user, None, {"email": user.email})


def test_the_name_can_be_corrected_on_the_confirmation_page(client, post_signup, mailoutbox):
    post_signup(name="Mia Mrechant")

    client.post(confirmation_link(mailoutbox[0]), confirm_data(name="  Mia Merchant "))

    assert User.objects.get().name == "Mia Merchant"


def test_a_weak_password_on_the_confirmation_page_is_refused_with_the_rule_and_keeps_the_name(
    client, post_signup, mailoutbox
):
    post_signup()
    link = confirmation_link(mailoutbox[0])

    response = client.post(
        link, confirm_data(name="Mia M.", password1="password", password2="password")
    )

    assert response.status_code == 200
    assert not User.objects.exists()
    assert signed_in_user(client) is None
    form = response.context["form"]
    assert "too common" in " ".join(form.errors["password1"])
    page = response.content.decode()
    assert password_rule() in page  # the one-sentence rule, next to the field
    assert 'value="Mia M."' in page  # the corrected name is kept
    assert 'value="mia@example.com"' in page
    assert 'value="password"' not in page  # a password is never sent back
    # The link still works with a good password.
    assert client.post(link, confirm_data()).status_code == 302
    assert User.objects.get().name == "Mia Merchant"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-else-42"}, "password2", "do not match"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "numeric"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        (
            {"password1": "mia@example.com1", "password2": "mia@example.com1"},
            "password1",
            "similar",
        ),
        ({"name": ""}, "name", "required"),
        ({"name": "Mia\u202eevil"}, "name", "Your name"),
    ],
)
def test_the_confirmation_page_validates_the_input(
    client, post_signup, mailoutbox, overrides, field, message
):
    post_signup()

    response = client.post(confirmation_link(mailoutbox[0]), confirm_data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()
    assert signed_in_user(client) is None


def test_a_signup_link_works_once(client, post_signup, mailoutbox):
    post_signup()
    link = confirmation_link(mailoutbox[0])
    client.post(link, confirm_data())
    client.post(reverse("accounts:logout"))

    page = client.get(link)
    again = client.post(
        link, confirm_data(password1="another-pass-77", password2="another-pass-77")
    )

    for response in (page, again):
        assert response.status_code == 400
        body = response.content.decode()
        assert "This address already has an account — sign in or reset your password." in body
        assert 'name="password1"' not in body
        assert reverse("accounts:password-reset") in body
    assert User.objects.count() == 1
    assert User.objects.get().check_password(PASSWORD)  # unchanged by the second post
    assert signed_in_user(client) is None


def test_a_link_for_an_address_registered_meanwhile_creates_nothing(
    client, post_signup, mailoutbox
):
    post_signup()
    link = confirmation_link(mailoutbox[0])
    UserFactory(email="mia@example.com", name="Earlier Mia")  # e.g. joined by invitation

    page = client.get(link)
    post = client.post(link, confirm_data())

    assert page.status_code == post.status_code == 400
    assert "This address already has an account" in post.content.decode()
    assert User.objects.get().name == "Earlier Mia"
    assert not AuditEvent.objects.filter(verb="user.signup").exists()
    assert signed_in_user(client) is None


def test_a_tampered_or_expired_signup_link_is_refused(client, post_signup, mailoutbox, settings):
    post_signup()
    link = confirmation_link(mailoutbox[0])

    tampered = client.post(link[:-3] + "abc/", confirm_data())
    settings.MPP_SIGNUP_LINK_MAX_AGE = -1
    expired = client.post(link, confirm_data())
    expired_page = client.get(link)

    assert tampered.status_code == expired.status_code == expired_page.status_code == 400
    assert "not valid" in tampered.content.decode()
    assert "expired" in expired.content.decode()
    assert 'name="password1"' not in expired_page.content.decode()
    assert not User.objects.exists()


def test_signup_with_a_registered_address_answers_the_same_and_mails_a_sign_in_note(
    client, post_signup, mailoutbox
):
    UserFactory(email="mia@example.com")

    response = post_signup(email="MIA@example.com")

    assert (response.status_code, response.url) == (302, SENT)
    assert "mia@example.com" in client.get(SENT).content.decode()
    assert User.objects.count() == 1
    assert not AuditEvent.objects.filter(verb="user.signup").exists()
    (mail,) = mailoutbox
    assert mail.to == ["mia@example.com"]
    assert "already have an account" in mail.body
    assert reverse("accounts:login") in mail.body
    assert reverse("accounts:password-reset") in mail.body
    assert "/welcome/signup/confirm/" not in mail.body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": ""}, "email", "required"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_signup_validates_the_input_and_keeps_it(client, mailoutbox, overrides, field, message):
    response = client.post(SIGNUP, signup_data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    kept = {**signup_data(), **overrides}
    assert response.context["form"]["name"].value() == kept["name"]
    assert response.context["form"]["email"].value() == kept["email"]
    assert not User.objects.exists() and not mailoutbox
    assert signed_in_user(client) is None


def test_signup_is_closed_when_the_setting_is_off(client, settings):
    settings.MPP_ALLOW_SIGNUP = False

    page = client.get(SIGNUP)
    post = client.post(SIGNUP, signup_data())

    assert page.status_code == 200
    assert "Sign-up is closed" in page.content.decode()
    assert "invit" in page.content.decode()
    assert 'name="email"' not in page.content.decode()
    assert post.status_code == 403
    assert not User.objects.exists()


def test_signed_in_user_opening_signup_goes_home(client):
    client.force_login(UserFactory())
    assert client.get(SIGNUP).url == reverse("console:home")


def test_signup_request_service_refuses_when_closed(settings):
    settings.MPP_ALLOW_SIGNUP = False
    with pytest.raises(ValidationError, match="closed"):
        signup_request(email="a@example.com", name="A")
    assert not User.objects.exists()


def test_signup_request_service_reports_errors_by_field_the_same_for_a_registered_address():
    UserFactory(email="taken@example.com")
    for email in (" Taken@Example.com", "new@example.com"):
        with pytest.raises(ValidationError) as caught:
            signup_request(email=email, name="  ")
        assert set(caught.value.message_dict) == {"name"}


def test_signup_request_does_the_same_work_for_a_new_and_a_registered_address(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """Timing must not tell: both paths sign a link, render a mail and queue it (and hash
    nothing: there is no password at this step)."""
    calls: dict[str, list[str]] = {"render": [], "sign": []}
    real_render, real_sign = signup.render_to_string, signing.TimestampSigner.sign_object

    def render(name, context):
        calls["render"].append(name)
        return real_render(name, context)

    def sign(self, obj, *args, **kwargs):
        calls["sign"].append(obj["e"])
        return real_sign(self, obj, *args, **kwargs)

    monkeypatch.setattr(signup, "render_to_string", render)
    monkeypatch.setattr(signing.TimestampSigner, "sign_object", sign)
    UserFactory(email="taken@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        signup_request(email="taken@example.com", name="Tom")
        taken_renders = len(calls["render"])
        signup_request(email="new@example.com", name="Nia")

    assert taken_renders == len(calls["render"]) - taken_renders == 2  # subject and body each
    assert calls["sign"] == ["taken@example.com", "new@example.com"]
    assert not hasattr(signup, "make_password")
    assert [m.to for m in mailoutbox] == [["taken@example.com"], ["new@example.com"]]


# --- creating a workspace ---------------------------------------------------------------------


def test_workspace_create_needs_a_signed_in_user(client):
    response = client.get(CREATE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    client.post(CREATE, {"name": "X", "kind": "tenant", "default_language": "en"})
    assert not Workspace.objects.exists()


def test_workspace_create_page_explains_both_kinds(client):
    client.force_login(UserFactory())
    response = client.get(CREATE)
    body = response.content.decode()
    assert "Create your first workspace" in body
    assert "You run a super app" in body
    assert "You build mini programs" in body
    assert '<option value="zh-hans">' in body


@pytest.mark.parametrize("kind", [Workspace.Kind.TENANT, Workspace.Kind.DEVELOPER])
def test_workspace_create_makes_the_user_owner_and_opens_its_dashboard(client, kind):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        CREATE, {"name": "  Bolt Shop ", "kind": kind, "default_language": "zh-hans"}
    )

    workspace = Workspace.objects.get()
    assert (workspace.name, workspace.kind, workspace.default_language, workspace.tenant) == (
        "Bolt Shop",
        kind,
        "zh-hans",
        None,
    )
    assert response.status_code == 302
    assert response.url == reverse("console:dashboard", args=[workspace.slug])
    membership = Membership.objects.get(workspace=workspace)
    assert (membership.user, membership.role) == (user, Membership.Role.OWNER)
    assert AuditEvent.objects.filter(
        verb="workspace.create", workspace=workspace, actor=user
    ).exists()
    assert client.get(response.url).status_code == 200


def test_signed_in_user_with_workspaces_can_create_another(client):
    member = MembershipFactory(role=Membership.Role.DEVELOPER)
    client.force_login(member.user)

    assert "Create a workspace" in client.get(CREATE).content.decode()
    client.post(CREATE, {"name": "Second", "kind": "developer", "default_language": "en"})

    assert Membership.objects.filter(user=member.user, role=Membership.Role.OWNER).count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "tenant", "default_language": "en"}, "name"),
        ({"name": "X", "kind": "galaxy", "default_language": "en"}, "kind"),
        ({"name": "X", "kind": "tenant", "default_language": "fr"}, "default_language"),
        ({"name": "x" * 81, "kind": "tenant", "default_language": "en"}, "name"),
    ],
)
def test_workspace_create_validates_the_input(client, data, field):
    client.force_login(UserFactory())
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Workspace.objects.exists()


def test_workspace_create_keeps_the_chosen_kind_on_error(client):
    client.force_login(UserFactory())
    body = client.post(CREATE, {"name": "", "kind": "tenant"}).content.decode()
    assert 'value="tenant" checked' in body


# --- where home sends a signed-in user --------------------------------------------------------


def test_home_sends_a_user_without_workspace_to_create_one(client):
    client.force_login(UserFactory())
    assert client.get("/").url == CREATE


def test_home_sends_a_member_to_their_workspace(client):
    member = MembershipFactory(workspace=WorkspaceFactory(slug="acme"))
    client.force_login(member.user)
    assert client.get("/").url == reverse("console:dashboard", args=["acme"])


def test_home_keeps_an_invited_user_on_the_no_workspace_page(client):
    user = UserFactory(email="invited@example.com")
    Invitation.objects.create(
        workspace=WorkspaceFactory(),
        email=user.email,
        name="Invited",
        role=Membership.Role.DEVELOPER,
        token_hash="x" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 200
    assert "not a member of any workspace yet" in response.content.decode()


def test_home_ignores_an_expired_invitation(client):
    user = UserFactory(email="late@example.com")
    Invitation.objects.create(
        workspace=WorkspaceFactory(),
        email=user.email,
        name="Late",
        role=Membership.Role.DEVELOPER,
        token_hash="y" * 64,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(user)
    assert client.get("/").url == CREATE


def test_full_signup_journey_ends_on_the_new_dashboard(client, post_signup, mailoutbox):
    post_signup()
    client.post(confirmation_link(mailoutbox[0]), confirm_data())
    response = client.post(
        CREATE, {"name": "Mia's Shop", "kind": "developer", "default_language": "en"}, follow=True
    )
    assert response.status_code == 200
    assert response.resolver_match.view_name == "console:dashboard"
    assert "Mia&#x27;s Shop is ready" in response.content.decode()
