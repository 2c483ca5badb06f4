"""The OAuth flow against a running server, as the SDK and a merchant's backend call it (real
HTTP, no test client): the README's curl examples, step by step."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from miniprograms.secrets.services import appsecret_freeze, appsecret_generate
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create

LIVE = pytest.mark.django_db(transaction=True)


def call(url: str, *, body: dict | None = None, headers: dict[str, str] | None = None):
    """(status, headers, JSON body) of one real HTTP request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — test URL
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read())


@LIVE
def test_sdk_code_then_backend_token_then_userinfo_over_http(live_server, owner):
    wallet, sdk_secret = host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a"})
    shop = create_miniprogram(owner, name="Shop", host_app_ids=[wallet.pk])
    _row, app_secret = appsecret_generate(actor=owner, miniprogram=shop)
    base = f"{live_server.url}/oauth/v1"

    status, headers, code = call(
        f"{base}/auth-codes",
        body={"app_id": shop.app_id, "user_id": "alice"},
        headers={"X-MPP-App-Key": wallet.app_key, "Authorization": f"Bearer {sdk_secret}"},
    )
    assert status == 201 and headers["Cache-Control"] == "no-store"

    exchange = {"app_id": shop.app_id, "app_secret": app_secret, "auth_code": code["auth_code"]}
    status, _headers, token = call(f"{base}/token", body=exchange)
    assert status == 200 and token["token_type"] == "Bearer" and token["expires_in"] == 600

    status, _headers, info = call(
        f"{base}/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert status == 200 and info["user_id"] == token["user_id"]

    status, headers, replay = call(f"{base}/token", body=exchange)
    assert status == 400 and replay["error"]["code"] == "code_used"
    assert replay["error"]["request_id"] == headers["X-Request-ID"]

    appsecret_freeze(actor=owner, miniprogram=shop)
    _status, _headers, fresh = call(
        f"{base}/auth-codes",
        body={"app_id": shop.app_id, "user_id": "alice"},
        headers={"X-MPP-App-Key": wallet.app_key, "Authorization": f"Bearer {sdk_secret}"},
    )
    status, _headers, frozen = call(
        f"{base}/token", body={**exchange, "auth_code": fresh["auth_code"]}
    )
    assert status == 403 and frozen["error"]["code"] == "secret_frozen"
