"""Onboarding: sign-up (``/welcome/signup/``), the first workspace, and where home sends you."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from workspaces.models import AuditEvent, Invitation, Membership, User, Workspace
from workspaces.services.signup import user_signup
from workspaces.tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/welcome/signup/"
CREATE = "/welcome/workspace/"
PASSWORD = "orbit-lantern-mosaic-42"


def signup_data(**overrides) -> dict[str, str]:
    data = {
        "name": "Mia Merchant",
        "email": "Mia@Example.COM ",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def signed_in_user(client) -> User | None:
    user = client.get("/").wsgi_request.user  # any page: the session's user
    return user if user.is_authenticated else None


def test_urls_match_the_url_map():
    assert reverse("onboarding:signup") == SIGNUP
    assert reverse("onboarding:workspace-create") == CREATE


# --- sign-up ----------------------------------------------------------------------------------


def test_signup_page_has_the_form_and_a_way_to_sign_in(client):
    body = client.get(SIGNUP).content.decode()
    for name in ("name", "email", "password1", "password2"):
        assert f'name="{name}"' in body
    assert f'href="{reverse("accounts:login")}"' in body


def test_signup_creates_the_account_signs_in_and_asks_for_a_workspace(client):
    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response.url == CREATE
    user = User.objects.get()
    assert user.email == "mia@example.com"  # normalised
    assert user.name == "Mia Merchant"
    assert user.check_password(PASSWORD)
    assert signed_in_user(client) == user
    audit = AuditEvent.objects.get(verb="user.signup")
    assert (audit.actor, audit.workspace, audit.after) == (user, None, {"email": user.email})


def test_signup_refuses_an_address_that_already_has_an_account(client):
    UserFactory(email="mia@example.com")

    response = client.post(SIGNUP, signup_data(email="MIA@example.com"))

    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert User.objects.count() == 1
    assert not AuditEvent.objects.filter(verb="user.signup").exists()
    assert 'value="Mia Merchant"' in response.content.decode()  # input kept


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
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_signup_validates_the_input(client, overrides, field, message):
    response = client.post(SIGNUP, signup_data(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()
    assert signed_in_user(client) is None


def test_signup_is_closed_when_the_setting_is_off(client, settings):
    settings.MPP_ALLOW_SIGNUP = False

    page = client.get(SIGNUP)
    post = client.post(SIGNUP, signup_data())

    assert page.status_code == 200
    assert "Sign-up is closed" in page.content.decode()
    assert "invit" in page.content.decode()
    assert 'name="password1"' not in page.content.decode()
    assert post.status_code == 403
    assert not User.objects.exists()


def test_signed_in_user_opening_signup_goes_home(client):
    client.force_login(UserFactory())
    assert client.get(SIGNUP).url == reverse("console:home")


def test_user_signup_service_refuses_when_closed(settings):
    settings.MPP_ALLOW_SIGNUP = False
    with pytest.raises(ValidationError, match="closed"):
        user_signup(email="a@example.com", name="A", password=PASSWORD)
    assert not User.objects.exists()


def test_user_signup_service_reports_errors_by_field():
    UserFactory(email="taken@example.com")
    with pytest.raises(ValidationError) as caught:
        user_signup(email=" Taken@Example.com", name="  ", password="123")
    assert set(caught.value.message_dict) == {"email", "name", "password"}


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


def test_full_signup_journey_ends_on_the_new_dashboard(client):
    client.post(SIGNUP, signup_data())
    response = client.post(
        CREATE, {"name": "Mia's Shop", "kind": "developer", "default_language": "en"}, follow=True
    )
    assert response.status_code == 200
    assert response.resolver_match.view_name == "console:dashboard"
    assert "Mia&#x27;s Shop is ready" in response.content.decode()
