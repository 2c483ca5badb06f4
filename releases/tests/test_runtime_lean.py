"""The runtime API's lean path (``releases.runtime.lean``, served by ``console.wsgi`` and
``console.asgi``): the same answers as the full stack, with the request id and the security
headers; errors logged and answered in JSON with the request id; every other path still
through the full middleware stack."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import RequestFactory
from django.test.client import FakePayload

from console.asgi import application as asgi_application
from console.wsgi import application
from releases.runtime import lean, signing
from releases.tests import runtime_world
from releases.tests.runtime_world import RESOLVE, body, headers

world = runtime_world.world
fresh_snapshot = runtime_world.fresh_snapshot


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the request signals must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class Answer:
    def __init__(self, status: str, header_list: list[tuple[str, str]], content: bytes):
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in header_list}
        self.header_names = [name.lower() for name, _v in header_list]
        self.content = content

    def json(self) -> Any:
        return orjson.loads(self.content)


def call(
    path: str, *, method: str = "GET", payload: bytes = b"", app: Any = None, **meta: str
) -> Answer:
    """Send one request through ``console.wsgi.application`` (or ``app``) as a WSGI server would."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        CONTENT_LENGTH=str(len(payload)),
        CONTENT_TYPE=meta.pop("CONTENT_TYPE", "application/json" if payload else ""),
        **{"wsgi.input": FakePayload(payload)},
        **meta,
    )
    started: dict[str, Any] = {}

    def start_response(status: str, header_list: list, exc_info: Any = None) -> None:
        started.update(status=status, headers=header_list)

    result = (app or application)(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    return Answer(started["status"], started["headers"], content)


def resolve_lean(world, payload: bytes, app: Any = None, **meta: str) -> Answer:
    return call(
        RESOLVE,
        method="POST",
        payload=payload,
        app=app,
        **headers(world.wallet, world.wallet_secret),
        **meta,
    )


def test_resolve_through_the_lean_path_answers_as_the_full_stack_does(client, world):
    payload = body(world.shop.app_id, "1999999999999999", language="zh-CN", user_account="u1")
    full = client.post(
        RESOLVE,
        data=payload,
        content_type="application/json",
        **headers(world.wallet, world.wallet_secret),
    )
    answer = resolve_lean(world, payload)
    assert answer.status_code == full.status_code == 200
    assert answer.content == full.content
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["ok", "unknown_app"]
    assert results[0]["profile"]["language"] == "zh-Hans"
    assert answer.headers["etag"] == full["ETag"]
    assert answer.headers["cache-control"] == full["Cache-Control"] == "private, no-cache"
    (key,) = signing.public_keys()
    assert signing.verify(answer.content, answer.headers["x-mpp-signature"], key["public_key"])
    # The same answer twice: the language choice remembered per mini program changes nothing.
    assert resolve_lean(world, payload).content == answer.content


def test_the_lean_path_sets_the_request_id_and_the_security_headers(world):
    sent = resolve_lean(world, body(world.shop.app_id), HTTP_X_REQUEST_ID="sdk-launch-42")
    assert sent.status_code == 200
    assert sent.headers["x-request-id"] == "sdk-launch-42"
    made = resolve_lean(world, body(world.shop.app_id))
    assert len(made.headers["x-request-id"]) >= 16
    assert made.headers["x-request-id"] != "sdk-launch-42"
    for answer in (sent, made):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "set-cookie" not in answer.header_names  # no session, no CSRF cookie
        assert answer.headers["content-type"] == "application/json"


def test_the_lean_path_answers_304_to_a_matching_etag(world):
    payload = body(world.shop.app_id)
    first = resolve_lean(world, payload)
    again = resolve_lean(world, payload, HTTP_IF_NONE_MATCH=first.headers["etag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert "x-request-id" in again.headers


def test_a_refusal_on_the_lean_path_is_json_with_the_request_id(world):
    answer = call(
        RESOLVE,
        method="POST",
        payload=body(world.shop.app_id),
        HTTP_X_MPP_APP_KEY=world.wallet.app_key,
        HTTP_AUTHORIZATION="Bearer wrong",
        HTTP_X_REQUEST_ID="request-401-abc",
    )
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert (error["code"], error["request_id"]) == ("unauthenticated", "request-401-abc")
    assert answer.headers["x-request-id"] == "request-401-abc"
    assert answer.headers["www-authenticate"] == 'Bearer realm="runtime"'


def test_a_view_that_raises_is_logged_and_answered_in_signed_json(world, monkeypatch, caplog):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setitem(lean.VIEWS, RESOLVE, broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = resolve_lean(world, body(world.shop.app_id), HTTP_X_REQUEST_ID="request-500-abc")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side.",
            "request_id": "request-500-abc",
        }
    }
    assert answer.headers["x-request-id"] == "request-500-abc"
    (key,) = signing.public_keys()
    assert signing.verify(answer.content, answer.headers["x-mpp-signature"], key["public_key"])
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and str(record.exc_info[1]) == "boom"


def test_keys_take_the_lean_path():
    answer = call("/runtime/v1/keys", HTTP_X_REQUEST_ID="request-keys-abc")
    assert answer.status_code == 200
    assert answer.json() == {"keys": signing.public_keys()}
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["x-request-id"] == "request-keys-abc"
    assert "content-language" not in answer.headers  # no locale middleware on this path


@pytest.mark.django_db
def test_other_paths_keep_the_full_stack():
    # The locale middleware (skipped on the lean path) answers with Content-Language and varies
    # on Accept-Language; the session and CSRF middleware set the login form's cookie.
    page = call("/accounts/login/", HTTP_X_REQUEST_ID="request-page-abc")
    assert page.status_code == 200
    assert page.headers["x-request-id"] == "request-page-abc"
    assert "content-language" in page.headers
    assert "Accept-Language" in page.headers["vary"]
    assert "set-cookie" in page.header_names
    # The runtime's downloads too (not a lean path): an unknown artifact is the full stack's 404.
    missing = call(f"/runtime/v1/artifacts/{'0' * 64}.zip")
    assert missing.status_code == 404
    assert "content-language" in missing.headers
    assert lean.VIEWS.keys() == {RESOLVE, "/runtime/v1/keys"}


def test_the_asgi_application_dispatches_the_same_way():
    async def run(path: str) -> tuple[dict[str, Any], bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), (b"x-request-id", b"request-asgi-abc")],
            "client": ("127.0.0.1", 1234),
            "server": ("testserver", 80),
        }
        messages: list[dict[str, Any]] = []
        received = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> dict[str, Any]:
            if received:
                return received.pop(0)
            await asyncio.Event().wait()  # the client stays connected
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await asgi_application(scope, receive, send)
        start = messages[0]
        answer = b"".join(m.get("body", b"") for m in messages[1:])
        return {k.decode().lower(): v.decode() for k, v in start["headers"]}, answer

    got, content = asyncio.run(run("/runtime/v1/keys"))
    assert orjson.loads(content) == {"keys": signing.public_keys()}
    assert got["x-request-id"] == "request-asgi-abc"
    assert got["x-content-type-options"] == "nosniff"
    assert "content-language" not in got


# --- the WSGI fast path (``lean.FastPath``) ----------------------------------------------------


@pytest.fixture
def fast_calls(monkeypatch) -> list[str]:
    """The requests the fast path answered itself (the others went to the Django handler)."""
    answered: list[str] = []
    real = lean.FastPath._answer

    def spy(self, environ, *args):
        answered.append(environ["PATH_INFO"])
        return real(self, environ, *args)

    monkeypatch.setattr(lean.FastPath, "_answer", spy)
    return answered


def _without_fast_path(monkeypatch) -> None:
    monkeypatch.setattr(application.fast, "enabled", False)


def _compare(fast: Answer, django: Answer) -> None:
    assert fast.status_code == django.status_code
    assert fast.content == django.content
    assert fast.headers == django.headers  # names and values, the request id included
    assert len(fast.header_names) == len(set(fast.header_names))


@pytest.mark.parametrize("secure", [False, True])
def test_the_fast_path_answers_as_the_django_handler_does(
    world, fast_calls, monkeypatch, settings, secure
):
    assert application.fast.enabled  # the test settings' middleware: the fast path is on
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    app = lean.wsgi_dispatcher(application.full)
    meta = {"HTTP_X_REQUEST_ID": "same-id-1", "app": app}
    if secure:
        meta["wsgi.url_scheme"] = "https"
    payload = body(world.shop.app_id, "1999999999999999", language="zh-CN", user_account="u1")
    fast = resolve_lean(world, payload, **meta)
    fast_304 = resolve_lean(world, payload, HTTP_IF_NONE_MATCH=fast.headers["etag"], **meta)
    fast_keys = call("/runtime/v1/keys", **meta)
    assert fast_calls == [RESOLVE, RESOLVE, "/runtime/v1/keys"]
    assert (fast.status_code, fast_304.status_code, fast_keys.status_code) == (200, 304, 200)
    hsts = fast.headers.get("strict-transport-security")
    assert hsts == ("max-age=3600; includeSubDomains" if secure else None)

    monkeypatch.setattr(app.fast, "enabled", False)
    django = resolve_lean(world, payload, **meta)
    django_304 = resolve_lean(world, payload, HTTP_IF_NONE_MATCH=fast.headers["etag"], **meta)
    django_keys = call("/runtime/v1/keys", **meta)
    assert len(fast_calls) == 3  # not through the fast path
    for one, other in ((fast, django), (fast_304, django_304), (fast_keys, django_keys)):
        _compare(one, other)


@pytest.mark.parametrize(
    ("payload", "meta", "status", "code"),
    [
        (b"{not json", {}, 400, "bad_request"),  # the body, read once, is handed on
        (b'{"miniprograms": []}', {}, 400, "bad_request"),
        (b"{}", {"CONTENT_TYPE": "text/plain"}, 415, "unsupported_media_type"),
        (b"{}", {"HTTP_AUTHORIZATION": "Bearer wrong"}, 401, "unauthenticated"),
        (b"{}", {"REQUEST_METHOD": "PUT"}, 405, "method_not_allowed"),
    ],
)
def test_a_refusal_is_answered_by_the_django_handler(
    world, fast_calls, monkeypatch, payload, meta, status, code
):
    def send() -> Answer:
        request = {
            **headers(world.wallet, world.wallet_secret),
            "HTTP_X_REQUEST_ID": "refused-1",
            **meta,
        }
        method = request.pop("REQUEST_METHOD", "POST")
        return call(RESOLVE, method=method, payload=payload, **request)

    fast = send()
    assert fast.status_code == status
    assert fast.json()["error"]["code"] == code
    assert fast.json()["error"]["request_id"] == "refused-1"
    _without_fast_path(monkeypatch)
    _compare(fast, send())


def test_a_frozen_key_on_the_fast_path_is_a_403(world, owner):
    from workspaces.services.hostapps import host_app_freeze_key

    host_app_freeze_key(actor=owner, host_app_id=world.wallet.pk)
    answer = resolve_lean(world, body(world.shop.app_id))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "key_frozen"


def test_a_host_not_allowed_is_refused_by_django(world, fast_calls):
    answer = resolve_lean(world, body(world.shop.app_id), HTTP_HOST="evil.example")
    assert answer.status_code == 400
    assert fast_calls == []


def test_a_crash_on_the_fast_path_is_logged_and_answered_in_signed_json(
    world, monkeypatch, caplog, fast_calls
):
    def broken(method, meta, read):
        raise RuntimeError("boom")

    monkeypatch.setitem(lean.ANSWERS, lean.views.resolve, broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = resolve_lean(world, body(world.shop.app_id), HTTP_X_REQUEST_ID="crash-500-abc")
    assert fast_calls == [RESOLVE]
    assert answer.status_code == 500
    assert answer.json()["error"] == {
        "code": "server_error",
        "message": "Something went wrong on our side.",
        "request_id": "crash-500-abc",
    }
    assert answer.headers["x-request-id"] == "crash-500-abc"
    (key,) = signing.public_keys()
    assert signing.verify(answer.content, answer.headers["x-mpp-signature"], key["public_key"])
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None and str(record.exc_info[1]) == "boom"


def test_plain_http_is_redirected_by_django_when_https_is_required(world, settings):
    settings.SECURE_SSL_REDIRECT = True
    app = lean.wsgi_dispatcher(application.full)
    assert app.fast.enabled and app.fast.redirect
    environ = RequestFactory()._base_environ(
        PATH_INFO=RESOLVE, REQUEST_METHOD="POST", **{"wsgi.input": FakePayload(b"")}
    )
    started: dict[str, Any] = {}
    result = app(environ, lambda status, header_list, exc_info=None: started.update(s=status))
    result.close()
    assert started["s"].startswith("301")


def test_another_middleware_turns_the_fast_path_off(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]
    assert not lean.wsgi_dispatcher(application.full).fast.enabled


def test_request_signals_are_sent_once_each(world, fast_calls):
    sent: list[str] = []

    def started(**kwargs):
        sent.append("started")

    def finished(**kwargs):
        sent.append("finished")

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        answer = resolve_lean(world, body(world.shop.app_id))
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert answer.status_code == 200 and fast_calls == [RESOLVE]
    assert sent == ["started", "finished"]
