"""Personal API tokens: the service, bearer authentication, the console page, the command."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from workspaces import keys
from workspaces.models import ApiToken, AuditEvent
from workspaces.services.tokens import (
    MAX_ACTIVE_TOKENS,
    TokenRejected,
    token_authenticate,
    token_create,
    token_revoke,
)
from workspaces.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOKEN_RE = re.compile(r"mpp_[a-z2-7]{8}_[A-Za-z0-9]{32,}")


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def assert_401(response, code: str) -> dict:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    error = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response["X-Request-ID"]
    return error


# --- keys ----------------------------------------------------------------------------------


def test_keyed_hash_depends_on_the_pepper(settings):
    first = keys.keyed_hash("mpp_abcdefgh_secret")
    settings.HASH_PEPPER = "another-pepper"
    assert keys.keyed_hash("mpp_abcdefgh_secret") != first
    assert re.fullmatch(r"[0-9a-f]{64}", first)


def test_keyed_hash_matches_only_the_same_value():
    stored = keys.keyed_hash("value-one")
    assert keys.keyed_hash_matches("value-one", stored)
    assert not keys.keyed_hash_matches("value-two", stored)
    assert not keys.keyed_hash_matches("value-one", "")
    assert not keys.keyed_hash_matches("value-one", "é" * 64)


def test_random_secrets_are_long_and_distinct():
    secrets_ = {keys.random_secret() for _ in range(50)}
    assert len(secrets_) == 50
    assert all(len(s) >= 32 and s.isalnum() for s in secrets_)
    with pytest.raises(ValueError):
        keys.random_secret(length=16)
    assert re.fullmatch(r"[a-z2-7]{8}", keys.random_prefix())


# --- token_create / token_revoke -----------------------------------------------------------


def test_create_returns_the_token_once_and_stores_only_its_keyed_hash():
    user = UserFactory()
    token, raw = token_create(user=user, name="  Laptop IDE  ")
    assert TOKEN_RE.fullmatch(raw)
    assert raw.startswith(f"mpp_{token.prefix}_")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["name"] == "Laptop IDE"
    assert row["key_hash"] == keys.keyed_hash(raw)
    secret = raw.rsplit("_", 1)[1]
    assert not any(secret in str(value) for value in row.values())
    assert not any(raw in str(value) for value in row.values())


def test_create_is_audited_without_the_secret():
    user = UserFactory()
    expires = timezone.now() + timedelta(days=30)
    token, raw = token_create(user=user, name="CI", expires_at=expires)
    event = AuditEvent.objects.get(verb="api_token.create")
    assert event.actor == user
    assert event.workspace is None
    assert event.target_id == str(token.pk)
    assert event.after == {"name": "CI", "prefix": token.prefix, "expires_at": expires.isoformat()}
    assert raw not in str(event.after) and raw not in event.target_repr


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_create_refuses_a_missing_or_long_name(name):
    with pytest.raises(ValidationError) as exc:
        token_create(user=UserFactory(), name=name)
    assert "name" in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_create_refuses_an_expiry_in_the_past():
    with pytest.raises(ValidationError) as exc:
        token_create(user=UserFactory(), name="old", expires_at=timezone.now())
    assert "expires_at" in exc.value.message_dict


def test_create_refuses_more_than_the_active_limit_but_ignores_revoked_and_expired():
    user = UserFactory()
    tokens = [token_create(user=user, name=f"t{i}")[0] for i in range(MAX_ACTIVE_TOKENS)]
    with pytest.raises(ValidationError, match="50 active API tokens"):
        token_create(user=user, name="one too many")
    token_revoke(actor=user, token_id=tokens[0].pk)
    ApiToken.objects.filter(pk=tokens[1].pk).update(expires_at=timezone.now() - timedelta(1))
    token_create(user=user, name="fits again")
    token_create(user=user, name="and another")
    with pytest.raises(ValidationError):
        token_create(user=user, name="full again")
    # The limit is per user.
    token_create(user=UserFactory(), name="someone else")


def test_revoke_sets_revoked_at_once_and_audits_once():
    user = UserFactory()
    token, _ = token_create(user=user, name="CLI")
    revoked = token_revoke(actor=user, token_id=token.pk)
    first_revoked_at = revoked.revoked_at
    assert first_revoked_at is not None
    again = token_revoke(actor=user, token_id=token.pk)
    assert again.revoked_at == first_revoked_at
    events = AuditEvent.objects.filter(verb="api_token.revoke")
    assert events.count() == 1
    assert events.get().after == {"name": "CLI", "prefix": token.prefix, "expires_at": None}


def test_revoke_of_someone_elses_token_is_not_found():
    token, _ = token_create(user=UserFactory(), name="theirs")
    with pytest.raises(Http404):
        token_revoke(actor=UserFactory(), token_id=token.pk)
    with pytest.raises(Http404):
        token_revoke(actor=token.user, token_id=token.pk + 1000)
    token.refresh_from_db()
    assert token.revoked_at is None


# --- token_authenticate --------------------------------------------------------------------


def test_authenticate_finds_the_token_and_its_user():
    token, raw = token_create(user=UserFactory(), name="CI")
    found = token_authenticate(raw=raw, ip="203.0.113.9")
    assert found.pk == token.pk
    assert found.user == token.user
    token.refresh_from_db()
    assert token.last_used_ip == "203.0.113.9"


def test_authenticate_checks_the_secret_before_revealing_state():
    token, raw = token_create(user=UserFactory(), name="CI")
    token_revoke(actor=token.user, token_id=token.pk)
    wrong = raw[:-1] + ("a" if raw[-1] != "a" else "b")
    with pytest.raises(TokenRejected) as exc:
        token_authenticate(raw=wrong, ip=None)
    assert exc.value.code == "token_invalid"
    with pytest.raises(TokenRejected) as exc:
        token_authenticate(raw=raw, ip=None)
    assert exc.value.code == "token_revoked"


def test_authenticate_refuses_an_inactive_user():
    user = UserFactory()
    _, raw = token_create(user=user, name="CI")
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(TokenRejected) as exc:
        token_authenticate(raw=raw, ip=None)
    assert exc.value.code == "user_inactive"


def test_last_used_is_written_once_per_resolution_window(settings, django_assert_num_queries):
    settings.API_TOKEN_LAST_USED_RESOLUTION = timedelta(seconds=60)
    token, raw = token_create(user=UserFactory(), name="CI")
    with django_assert_num_queries(2):  # the lookup and the first "used" write
        token_authenticate(raw=raw, ip="198.51.100.1")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):  # used moments ago: only the lookup, no write
        token_authenticate(raw=raw, ip="198.51.100.2")
    token.refresh_from_db()
    assert (token.last_used_at, token.last_used_ip) == (first_use, "198.51.100.1")

    # Once the window has passed, the next use is recorded again.
    an_hour_ago = first_use - timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=an_hour_ago)
    with django_assert_num_queries(2):
        token_authenticate(raw=raw, ip="198.51.100.3")
    token.refresh_from_db()
    assert token.last_used_at > an_hour_ago
    assert token.last_used_ip == "198.51.100.3"


# --- bearer authentication over HTTP -------------------------------------------------------


def test_a_valid_token_reaches_me(client):
    user = UserFactory(email="dev@example.com")
    _, raw = token_create(user=user, name="CLI")
    response = client.get(ME, headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["email"] == "dev@example.com"


def test_the_bearer_keyword_is_case_insensitive(client):
    _, raw = token_create(user=UserFactory(), name="CLI")
    assert client.get(ME, headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_a_revoked_token_gets_401(client):
    token, raw = token_create(user=UserFactory(), name="CLI")
    token_revoke(actor=token.user, token_id=token.pk)
    error = assert_401(client.get(ME, headers=bearer(raw)), "token_revoked")
    assert error["message"] == "This API token was revoked."


def test_an_expired_token_gets_401_naming_the_date(client):
    token, raw = token_create(
        user=UserFactory(), name="CLI", expires_at=timezone.now() + timedelta(1)
    )
    expired_at = timezone.now() - timedelta(days=3)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expired_at)
    error = assert_401(client.get(ME, headers=bearer(raw)), "token_expired")
    assert error["message"] == f"This API token expired on {expired_at:%Y-%m-%d}."


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer two parts",
        "Bearer not-a-token",
        "Bearer mpp_abcdefgh_short",
        "Bearer mpp_ABCDEFGH_" + "a" * 40,
    ],
)
def test_a_malformed_bearer_header_gets_401(client, header):
    token_create(user=UserFactory(), name="CLI")
    error = assert_401(client.get(ME, headers={"Authorization": header}), "token_invalid")
    assert error["message"] == "Invalid API token."


def test_an_unknown_prefix_gets_401(client):
    _, raw = token_create(user=UserFactory(), name="CLI")
    unknown = "mpp_" + ("zzzzzzzz" if raw[4:12] != "zzzzzzzz" else "yyyyyyyy") + raw[12:]
    assert_401(client.get(ME, headers=bearer(unknown)), "token_invalid")


def test_the_right_prefix_with_a_wrong_secret_gets_401(client):
    token, raw = token_create(user=UserFactory(), name="CLI")
    forged = f"mpp_{token.prefix}_{keys.random_secret()}"
    assert forged != raw
    assert_401(client.get(ME, headers=bearer(forged)), "token_invalid")
    token.refresh_from_db()
    assert token.last_used_at is None


def test_no_credentials_get_401_with_the_bearer_challenge(client):
    assert_401(client.get(ME), "not_authenticated")


def test_last_used_is_recorded_from_the_request(client):
    token, raw = token_create(user=UserFactory(), name="CLI")
    client.get(ME, headers=bearer(raw), REMOTE_ADDR="192.0.2.44")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "192.0.2.44"
    client.get(ME, headers=bearer(raw), REMOTE_ADDR="192.0.2.45")
    token.refresh_from_db()
    assert (token.last_used_at, token.last_used_ip) == (first, "192.0.2.44")


# --- the console page ----------------------------------------------------------------------

TOKENS_URL = "/accounts/tokens/"


def test_tokens_page_requires_sign_in(client):
    response = client.get(TOKENS_URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_tokens_page_shows_an_empty_state(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:tokens"))
    assert response.status_code == 200
    assert "No API tokens yet" in response.content.decode()
    assert response.context["form"]["expiry"].value() == "90"


def test_creating_a_token_shows_the_secret_once(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(TOKENS_URL, {"name": "Laptop", "expiry": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    raw = TOKEN_RE.search(html).group(0)
    assert 'class="secret-box"' in html
    assert "Copy it now — you won" in html
    assert f'data-copy="{raw}"' in html

    token = ApiToken.objects.get(user=user)
    assert token.name == "Laptop"
    assert token.key_hash == keys.keyed_hash(raw)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert raw not in str(dict(client.session))

    reloaded = client.get(TOKENS_URL).content.decode()
    assert raw not in reloaded
    assert TOKEN_RE.search(reloaded) is None
    assert 'class="secret-box"' not in reloaded
    assert f"mpp_{token.prefix}_…" in reloaded


@pytest.mark.parametrize(("expiry", "days"), [("90", 90), ("365", 365), ("never", None)])
def test_the_expiry_choice_sets_expires_at(client, expiry, days):
    user = UserFactory()
    client.force_login(user)
    client.post(TOKENS_URL, {"name": "CI", "expiry": expiry})
    token = ApiToken.objects.get(user=user)
    if days is None:
        assert token.expires_at is None
    else:
        left = token.expires_at - timezone.now()
        assert timedelta(days=days - 1) < left <= timedelta(days=days)


def test_an_invalid_form_keeps_input_and_creates_nothing(client):
    client.force_login(UserFactory())
    response = client.post(TOKENS_URL, {"name": "", "expiry": "365"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert response.context["form"]["expiry"].value() == "365"
    assert 'class="secret-box"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_limit_is_shown_on_the_form(client):
    user = UserFactory()
    for i in range(MAX_ACTIVE_TOKENS):
        token_create(user=user, name=f"t{i}")
    client.force_login(user)
    response = client.post(TOKENS_URL, {"name": "more", "expiry": "90"})
    assert "50 active API tokens" in response.content.decode()
    assert ApiToken.objects.filter(user=user).count() == MAX_ACTIVE_TOKENS


def test_tokens_page_lists_only_own_tokens_with_their_status(client, django_assert_max_num_queries):
    user = UserFactory()
    token_create(user=user, name="Active one")
    expired, _ = token_create(user=user, name="Expired one")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    revoked, _ = token_create(user=user, name="Revoked one")
    token_revoke(actor=user, token_id=revoked.pk)
    token_create(user=UserFactory(), name="Not mine")
    for i in range(10):
        token_create(user=user, name=f"Extra {i}")
    client.force_login(user)
    with django_assert_max_num_queries(8):
        html = client.get(TOKENS_URL).content.decode()
    assert "Not mine" not in html
    assert 'badge-green">Active' in html
    assert 'badge-amber">Expired' in html
    assert 'badge-red">Revoked' in html
    assert html.count('/revoke/"') == 12  # a revoke form per token not yet revoked


def test_revoking_from_the_page(client):
    user = UserFactory()
    token, raw = token_create(user=user, name="Old laptop")
    client.force_login(user)
    page = client.get(TOKENS_URL).content.decode()
    url = reverse("accounts:token-revoke", args=[token.pk])
    assert f'action="{url}"' in page and "data-confirm=" in page
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:tokens")
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(ME, headers=bearer(raw)).status_code == 401


def test_revoking_someone_elses_token_from_the_page_is_404(client):
    token, _ = token_create(user=UserFactory(), name="theirs")
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_needs_post(client):
    user = UserFactory()
    token, _ = token_create(user=user, name="CLI")
    client.force_login(user)
    assert client.get(reverse("accounts:token-revoke", args=[token.pk])).status_code == 405


# --- manage.py create_api_token ------------------------------------------------------------


def test_command_prints_a_working_token_once(client):
    user = UserFactory(email="ci@example.com")
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token",
        "CI@Example.com",
        "--name",
        "CI",
        "--expires-days",
        "7",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    assert TOKEN_RE.fullmatch(raw)
    assert "cannot be shown again" in err.getvalue()
    token = ApiToken.objects.get(user=user)
    assert token.name == "CI"
    assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)
    response = client.get(ME, headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["email"] == "ci@example.com"


def test_command_without_expiry_creates_a_token_that_never_expires():
    user = UserFactory()
    call_command(
        "create_api_token", user.email, "--name", "forever", stdout=StringIO(), stderr=StringIO()
    )
    assert ApiToken.objects.get(user=user).expires_at is None


def test_command_refuses_an_unknown_email():
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody@example.com", "--name", "x", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_command_reports_a_validation_error():
    user = UserFactory()
    with pytest.raises(CommandError, match="characters"):
        call_command("create_api_token", user.email, "--name", "x" * 81, stdout=StringIO())
