"""OAuth under /oauth/v1/ (issue 12): the SDK's authCode for a signed-in super-app user, the
merchant backend's exchange for an accessToken, and every refusal with its own error code."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from conftest import own_redis_url, require_service
from miniprograms.models import MiniProgramHostApp
from miniprograms.secrets import throttle
from miniprograms.secrets.models import OAuthAccessToken, OAuthCode
from miniprograms.secrets.oauth import open_user_id
from miniprograms.secrets.services import (
    appsecret_freeze,
    appsecret_generate,
    appsecret_reset,
    appsecret_unfreeze,
    oauth_settings_update,
)
from miniprograms.services.lifecycle import miniprogram_set_shelf, miniprogram_take_offline
from miniprograms.tests.factories import create_miniprogram
from workspaces import keys
from workspaces.services.hostapps import host_app_create, host_app_freeze_key

pytestmark = pytest.mark.django_db

CODES = "/oauth/v1/auth-codes"
TOKEN = "/oauth/v1/token"
USERINFO = "/oauth/v1/userinfo"
REDIS_URL = own_redis_url(5)  # this suite's own Redis database (one per xdist worker)


class World:
    def __init__(self, owner):
        self.owner = owner
        self.wallet, self.wallet_secret = host_app_create(
            actor=owner, name="Acme Wallet", platforms={"android": "a.w"}
        )
        self.go, self.go_secret = host_app_create(
            actor=owner, name="Acme Go", platforms={"ios": "a.g"}
        )
        self.shop = create_miniprogram(owner, name="Shop", host_app_ids=[self.wallet.pk])
        self.cafe = create_miniprogram(
            owner, name="Cafe", host_app_ids=[self.wallet.pk, self.go.pk]
        )
        _row, self.shop_secret = appsecret_generate(actor=owner, miniprogram=self.shop)
        _row, self.cafe_secret = appsecret_generate(actor=owner, miniprogram=self.cafe)


@pytest.fixture
def w(owner) -> World:
    return World(owner)


def sdk_headers(app, secret) -> dict[str, str]:
    return {"HTTP_X_MPP_APP_KEY": app.app_key, "HTTP_AUTHORIZATION": f"Bearer {secret}"}


def ask_code(client, w, *, app_id=None, user_id="u-1001", app=None, secret=None):
    app = app or w.wallet
    secret = secret or (w.wallet_secret if app == w.wallet else w.go_secret)
    body = {"app_id": app_id or w.shop.app_id, "user_id": user_id}
    return client.post(
        CODES, json.dumps(body), content_type="application/json", **sdk_headers(app, secret)
    )


def code_for(client, w, **kwargs) -> str:
    response = ask_code(client, w, **kwargs)
    assert response.status_code == 201, response.content
    return response.json()["auth_code"]


def exchange(client, *, app_id, app_secret, auth_code, form=False):
    body = {"app_id": app_id, "app_secret": app_secret, "auth_code": auth_code}
    if form:
        return client.post(TOKEN, urlencode(body), content_type="application/x-www-form-urlencoded")
    return client.post(TOKEN, json.dumps(body), content_type="application/json")


def error(response, code: str, status: int) -> dict:
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"error"}
    assert payload["error"]["code"] == code
    assert payload["error"]["request_id"] == response["X-Request-ID"]
    assert response["Cache-Control"] == "no-store"
    return payload["error"]


# --- the authCode -------------------------------------------------------------------------------


def test_the_sdk_gets_a_single_use_code_bound_to_program_host_app_and_user(client, w):
    response = ask_code(client, w)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["expires_in"] == 600 and body["auth_code"].startswith("ac_")
    row = OAuthCode.objects.get()
    assert row.code_hash == keys.keyed_hash(body["auth_code"])  # only the hash is kept
    assert (row.miniprogram, row.host_app, row.user_id) == (w.shop, w.wallet, "u-1001")
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_a_code_needs_the_host_apps_key_and_secret(client, w):
    error(ask_code(client, w, secret="wrong"), "unauthenticated", 401)
    missing = client.post(CODES, "{}", content_type="application/json")
    error(missing, "unauthenticated", 401)
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert not OAuthCode.objects.exists()


def test_a_frozen_sdk_key_gets_key_frozen_but_only_with_the_right_secret(client, w, owner):
    host_app_freeze_key(actor=owner, host_app_id=w.wallet.pk)
    error(ask_code(client, w), "key_frozen", 403)
    error(ask_code(client, w, secret="wrong"), "unauthenticated", 401)


def test_the_program_must_be_released_to_the_host_app_on_shelf_and_online_there(client, w, owner):
    # Shop is not released to Acme Go.
    error(ask_code(client, w, app=w.go), "unknown_app", 404)
    error(ask_code(client, w, app_id="1" * 16), "unknown_app", 404)
    miniprogram_take_offline(actor=owner, miniprogram=w.cafe, host_app_id=w.go.pk, reason="x")
    error(ask_code(client, w, app=w.go, app_id=w.cafe.app_id), "offline", 403)
    assert ask_code(client, w, app_id=w.cafe.app_id).status_code == 201  # still in the wallet
    miniprogram_set_shelf(actor=owner, miniprogram=w.shop, on_shelf=False, reason="audit")
    error(ask_code(client, w), "off_shelf", 403)
    assert MiniProgramHostApp.objects.filter(miniprogram=w.shop).exists()


@pytest.mark.parametrize(
    ("body", "content_type", "code", "status"),
    [
        ("not json", "application/json", "bad_request", 400),
        ("[1]", "application/json", "bad_request", 400),
        ('{"app_id": "123", "user_id": "u"}', "application/json", "bad_request", 400),
        ('{"app_id": "1234567890123456"}', "application/json", "bad_request", 400),
        (
            '{"app_id": "1234567890123456", "user_id": "a\\nb"}',
            "application/json",
            "bad_request",
            400,
        ),
        (
            '{"app_id": "1234567890123456", "user_id": "u"}',
            "text/plain",
            "unsupported_media_type",
            415,
        ),
    ],
)
def test_malformed_code_requests_are_refused_in_the_error_shape(
    client, w, body, content_type, code, status
):
    response = client.post(
        CODES, body, content_type=content_type, **sdk_headers(w.wallet, w.wallet_secret)
    )
    error(response, code, status)


def test_a_body_over_8_kb_is_413(client, w):
    body = json.dumps({"app_id": w.shop.app_id, "user_id": "u" * 9000})
    response = client.post(
        CODES, body, content_type="application/json", **sdk_headers(w.wallet, w.wallet_secret)
    )
    error(response, "too_large", 413)


# --- the exchange -------------------------------------------------------------------------------


def test_the_backend_exchanges_a_code_for_a_token_and_the_programs_user_id(client, w):
    code = code_for(client, w)
    response = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert body["app_id"] == w.shop.app_id and body["access_token"].startswith("at_")
    expected = open_user_id(app_id=w.shop.app_id, host_app_id=w.wallet.pk, user_id="u-1001")
    assert body["user_id"] == expected and len(expected) == 32
    assert "u-1001" not in response.content.decode()
    token = OAuthAccessToken.objects.get()
    assert token.token_hash == keys.keyed_hash(body["access_token"])
    assert token.expires_at - token.created_at == timedelta(minutes=10)

    info = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert info.status_code == 200
    assert info.json()["user_id"] == expected and info.json()["app_id"] == w.shop.app_id


def test_the_user_id_is_stable_per_program_and_differs_between_programs(client, w):
    def user_id(mp, secret, user="u-1001"):
        code = code_for(client, w, app_id=mp.app_id, user_id=user)
        response = exchange(client, app_id=mp.app_id, app_secret=secret, auth_code=code)
        return response.json()["user_id"]

    first = user_id(w.shop, w.shop_secret)
    assert user_id(w.shop, w.shop_secret) == first  # stable for the user
    assert user_id(w.cafe, w.cafe_secret) != first  # another mini program
    assert user_id(w.shop, w.shop_secret, user="u-2002") != first  # another user


def test_form_encoded_exchanges_work_too(client, w):
    code = code_for(client, w)
    response = exchange(
        client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code, form=True
    )
    assert response.status_code == 200


def test_a_replayed_code_is_refused_and_revokes_its_token(client, w):
    code = code_for(client, w)
    first = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    token = first.json()["access_token"]
    replay = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    error(replay, "code_used", 400)
    assert OAuthAccessToken.objects.get().revoked_at is not None
    info = client.get(USERINFO, HTTP_AUTHORIZATION=f"Bearer {token}")
    error(info, "invalid_token", 401)


def test_an_expired_code_is_refused_with_its_own_code(client, w):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = code_for(client, w)
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        fresh = code_for(client, w)
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        late = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
        in_time = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=fresh)
    error(late, "code_expired", 400)
    assert in_time.status_code == 200


def test_the_token_expires_after_its_lifetime_which_the_program_sets(client, w, owner):
    oauth_settings_update(actor=owner, miniprogram=w.shop, access_token_ttl=3600)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = code_for(client, w)
        body = exchange(
            client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code
        ).json()
    assert body["expires_in"] == 3600
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert client.get(USERINFO, **bearer).json()["expires_in"] == 60
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        error(client.get(USERINFO, **bearer), "invalid_token", 401)


def test_a_wrong_secret_or_unknown_app_is_invalid_secret_and_leaves_the_code_usable(client, w):
    code = code_for(client, w)
    wrong = exchange(client, app_id=w.shop.app_id, app_secret="x" * 40, auth_code=code)
    error(wrong, "invalid_secret", 401)
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    error(
        exchange(client, app_id="1" * 16, app_secret=w.shop_secret, auth_code=code),
        "invalid_secret",
        401,
    )
    # Another program's secret with this code: its own App ID, so the code is not its.
    error(
        exchange(client, app_id=w.cafe.app_id, app_secret=w.cafe_secret, auth_code=code),
        "invalid_code",
        400,
    )
    error(
        exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code="ac_nope"),
        "invalid_code",
        400,
    )
    ok = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    assert ok.status_code == 200


def test_a_frozen_secret_refuses_every_exchange_until_unfrozen(client, w, owner):
    code = code_for(client, w)
    appsecret_freeze(actor=owner, miniprogram=w.shop)
    frozen = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    assert "frozen" in error(frozen, "secret_frozen", 403)["message"]
    # A wrong secret is told it is wrong, not that the right one is frozen.
    wrong = exchange(client, app_id=w.shop.app_id, app_secret="y" * 40, auth_code=code)
    error(wrong, "invalid_secret", 401)
    appsecret_unfreeze(actor=owner, miniprogram=w.shop)
    ok = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    assert ok.status_code == 200  # the code was not consumed while frozen


def test_no_secret_yet_has_its_own_code(client, w, owner):
    bare = create_miniprogram(owner, name="Bare", host_app_ids=[w.wallet.pk])
    code = code_for(client, w, app_id=bare.app_id)
    response = exchange(client, app_id=bare.app_id, app_secret="z" * 40, auth_code=code)
    assert "generates one" in error(response, "secret_not_generated", 401)["message"]


def test_a_reset_invalidates_the_old_secret_at_once(client, w, owner):
    code = code_for(client, w)
    _row, new = appsecret_reset(actor=owner, miniprogram=w.shop)
    old = exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
    error(old, "invalid_secret", 401)
    ok = exchange(client, app_id=w.shop.app_id, app_secret=new, auth_code=code)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"app_id": "abc", "app_secret": "s", "auth_code": "c"},
        {"app_id": "1234567890123456", "app_secret": "s"},
        {"app_id": "1234567890123456", "app_secret": 5, "auth_code": "c"},
    ],
)
def test_malformed_exchanges_are_bad_requests(client, body):
    response = client.post(TOKEN, json.dumps(body), content_type="application/json")
    error(response, "bad_request", 400)


def test_only_post_and_get_where_documented(client):
    assert client.get(TOKEN).status_code == 405
    assert client.get(CODES).status_code == 405
    assert client.post(USERINFO).status_code == 405


# --- the throttle -------------------------------------------------------------------------------


def _burst(client, w, count: int, app_id: str | None = None) -> list:
    body = {"app_id": app_id or w.shop.app_id, "app_secret": "x" * 40, "auth_code": "ac_x"}
    return [
        client.post(TOKEN, json.dumps(body), content_type="application/json") for _ in range(count)
    ]


def _assert_throttled_per_app_id(client, w):
    start = timezone.now().replace(microsecond=100_000)
    with time_machine.travel(start, tick=False):
        answers = _burst(client, w, 21)
        assert [r.status_code for r in answers[:20]] == [401] * 20
        limited = answers[20]
        message = error(limited, "throttled", 429)["message"]
        assert "20 per second" in message
        assert limited["Retry-After"] == "1"
        # Another App ID has its own budget.
        assert _burst(client, w, 1, app_id=w.cafe.app_id)[0].status_code == 401
    with time_machine.travel(start + timedelta(seconds=1), tick=False):
        assert _burst(client, w, 1)[0].status_code == 401  # the next second: allowed again


def test_the_exchange_is_throttled_per_app_id_in_the_django_cache(client, w, settings):
    settings.REDIS_URL = ""
    _assert_throttled_per_app_id(client, w)


def test_the_exchange_is_throttled_per_app_id_in_redis(client, w, settings):
    try:
        redis_client = throttle._client(REDIS_URL)
        redis_client.ping()
    except Exception as exc:  # noqa: BLE001 — any failure means no Redis here
        require_service("Redis", False, str(exc))
    for key in redis_client.scan_iter(f"{throttle.KEY_PREFIX}:*"):
        redis_client.delete(key)
    settings.REDIS_URL = REDIS_URL
    try:
        _assert_throttled_per_app_id(client, w)
        assert list(redis_client.scan_iter(f"{throttle.KEY_PREFIX}:token:{w.shop.app_id}:*"))
    finally:
        for key in redis_client.scan_iter(f"{throttle.KEY_PREFIX}:*"):
            redis_client.delete(key)


def test_a_redis_outage_lets_requests_through(client, w, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    answers = _burst(client, w, 25)
    assert {r.status_code for r in answers} == {401}


def test_the_rate_follows_the_setting(client, w, settings):
    settings.REDIS_URL = ""
    settings.MPP_OAUTH_TOKEN_RATE = 2
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        codes = [r.status_code for r in _burst(client, w, 3)]
    assert codes == [401, 401, 429]


# --- the sweeper --------------------------------------------------------------------------------


def test_the_hourly_sweeper_forgets_codes_and_tokens_a_day_after_they_expire(client, w):
    from miniprograms.secrets.tasks import oauth_purge

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = code_for(client, w)
        exchange(client, app_id=w.shop.app_id, app_secret=w.shop_secret, auth_code=code)
        code_for(client, w)  # never exchanged
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert oauth_purge() == 0
    with time_machine.travel(start + timedelta(days=1, minutes=11), tick=False):
        fresh = code_for(client, w)
        assert oauth_purge() == 3  # two codes and the token
        assert oauth_purge() == 0  # a second run changes nothing
    assert list(OAuthCode.objects.values_list("code_hash", flat=True)) == [keys.keyed_hash(fresh)]
    assert not OAuthAccessToken.objects.exists()
