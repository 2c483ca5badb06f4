"""Fixtures of the analytics tests: a host app with its SDK secret, events, and the endpoint."""

from __future__ import annotations

import gzip as gzip_module
import time
import uuid
from typing import Any

import orjson
import pytest

from conftest import _require_redis

URL = "/runtime/v1/events"
APP_ID = "2021000000000001"


def now_ms() -> int:
    return int(time.time() * 1000)


def event(**fields: Any) -> dict[str, Any]:
    """A valid page view now (``fields`` override or add)."""
    base = {
        "id": str(uuid.uuid4()),
        "ts": now_ms(),
        "type": "page_view",
        "app_id": APP_ID,
        "env": "production",
        "version": "1.2.0",
        "device_id": "dev-1",
        "user_id": "u-1",
        "platform": "ios",
        "page": "pages/index/index",
    }
    base.update(fields)
    return base


@pytest.fixture
def host_app(owner):
    """(host app, SDK secret) of the owner's tenant."""
    from workspaces.services.hostapps import host_app_create

    return host_app_create(actor=owner, name="Acme Wallet", platforms={"ios": "a.w"})


@pytest.fixture
def post(client, host_app):
    """``post(events | body, gzip=False, **headers)``: the SDK's call with the host app's key."""
    app, secret = host_app

    def _post(payload: Any, *, gzip: bool = False, key=None, secret_=None, **extra: str):
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        headers = {
            "HTTP_X_MPP_APP_KEY": key if key is not None else app.app_key,
            "HTTP_AUTHORIZATION": f"Bearer {secret_ if secret_ is not None else secret}",
            **extra,
        }
        if gzip:
            body = gzip_module.compress(body)
            headers["HTTP_CONTENT_ENCODING"] = "gzip"
        return client.post(URL, body, content_type="application/json", **headers)

    return _post


@pytest.fixture
def embedded(settings):
    """No Redis: the web process writes each batch itself."""
    settings.REDIS_URL = ""


@pytest.fixture
def redis_stream(settings):
    """Real Redis with a stream of this test's own; yields the client."""
    from analytics import stream

    settings.REDIS_URL = _require_redis()
    settings.ANALYTICS_STREAM = f"mpp:test:analytics:{uuid.uuid4().hex}"
    client = stream.client()
    try:
        yield client
    finally:
        client.delete(settings.ANALYTICS_STREAM, f"{settings.ANALYTICS_STREAM}:dead")


def error_of(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["error"]["code"] == code
    assert payload["error"]["request_id"] == response["X-Request-ID"]
    return payload["error"]
