"""``/oauth/v1/…``: the public OAuth endpoints (no session, no CSRF, no API token).

* ``POST /oauth/v1/auth-codes`` — the super app's SDK, authenticated like the runtime API with
  the host app's SDK key (``X-MPP-App-Key``) and secret (``Authorization: Bearer``), asks an
  authCode for its signed-in user in one mini program.
* ``POST /oauth/v1/token`` — the merchant's backend exchanges ``app_id`` + ``app_secret`` +
  ``auth_code`` for an accessToken (or, with ``grant_type=client_credentials`` and no code,
  gets an app accessToken for itself); at most ``MPP_OAUTH_TOKEN_RATE`` requests per second per
  App ID (429 + ``Retry-After``).
* ``GET /oauth/v1/userinfo`` — with ``Authorization: Bearer <accessToken>``: whose token it is.

Bodies are JSON or form-encoded; every answer is JSON, errors in the API's one shape with the
request id, and nothing is cached (``Cache-Control: no-store``, RFC 6749 §5.1).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from console.api import error_body
from console.apifields import json_object, required_app_id, required_text
from miniprograms.secrets.models import USER_ID_MAX
from miniprograms.secrets.oauth import (
    ERRORS,
    OAuthError,
    access_token_exchange,
    access_token_for_app,
    access_token_get,
    auth_code_issue,
)
from miniprograms.secrets.throttle import throttle_hit
from workspaces.services.hostapps import SdkRefusal, host_app_check_request

MAX_BODY = 8 * 1024
MAX_CREDENTIAL = 256
TOKEN_RATE_DEFAULT = 20  # per App ID per second, as TCSAS
CODE_RATE_DEFAULT = 100  # per host app per second
FORM = "application/x-www-form-urlencoded"


def token_rate() -> int:
    return int(getattr(settings, "MPP_OAUTH_TOKEN_RATE", TOKEN_RATE_DEFAULT))


def code_rate() -> int:
    return int(getattr(settings, "MPP_OAUTH_CODE_RATE", CODE_RATE_DEFAULT))


def _json(payload: dict[str, Any], status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(exc: OAuthError, **headers: str) -> JsonResponse:
    if exc.status == 401:
        headers.setdefault("WWW_Authenticate", 'Bearer realm="oauth"')
    return _json(error_body(code=exc.code, message=exc.message), exc.status, **headers)


def _bad(message: str) -> OAuthError:
    return OAuthError("bad_request", message)


def _body(request: HttpRequest) -> dict[str, Any]:
    """The body as a dict of strings (JSON object or form), or ``bad_request``."""
    content_type = request.content_type or ""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        raise OAuthError("too_large", f"The body is larger than {MAX_BODY // 1024} KB.")
    if content_type == FORM:
        return {key: request.POST.get(key) for key in request.POST}
    if content_type != "application/json":
        raise OAuthError("unsupported_media_type")
    return json_object(request.body, bad=_bad)


def _text(payload: dict[str, Any], name: str, limit: int = MAX_CREDENTIAL) -> str:
    return required_text(payload, name, limit, bad=_bad)


def _app_id(payload: dict[str, Any]) -> str:
    return required_app_id(payload, bad=_bad)


def _throttled(*, scope: str, key: str, limit: int) -> JsonResponse | None:
    wait = throttle_hit(scope=scope, key=key, limit=limit)
    if wait is None:
        return None
    _status, message = ERRORS["throttled"]
    error = OAuthError("throttled", message % {"limit": limit} + f" Retry in {wait} s.")
    return _error(error, Retry_After=str(wait))


@csrf_exempt
@require_POST
def auth_codes(request: HttpRequest) -> HttpResponse:
    """An authCode for the signed-in user (the SDK's call)."""
    try:
        check = host_app_check_request(request.META)
        if not check.ok:
            raise OAuthError(
                "key_frozen" if check.refusal == SdkRefusal.FROZEN else "unauthenticated"
            )
        host_app = check.host_app
        assert host_app is not None
        throttled = _throttled(scope="code", key=host_app.app_key, limit=code_rate())
        if throttled is not None:
            return throttled
        payload = _body(request)
        app_id = _app_id(payload)
        user_id = _text(payload, "user_id", USER_ID_MAX)
        issued = auth_code_issue(host_app=host_app, app_id=app_id, user_id=user_id)
    except OAuthError as exc:
        return _error(exc)
    return _json({"auth_code": issued.auth_code, "expires_in": issued.expires_in}, 201)


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """Exchange an authCode for an accessToken (the merchant backend's call)."""
    try:
        payload = _body(request)
        app_id = _app_id(payload)
        throttled = _throttled(scope="token", key=app_id, limit=token_rate())
        if throttled is not None:
            return throttled
        grant = payload.get("grant_type") or "authorization_code"
        if grant == "client_credentials":
            issued = access_token_for_app(app_id=app_id, app_secret=_text(payload, "app_secret"))
        elif grant == "authorization_code":
            issued = access_token_exchange(
                app_id=app_id,
                app_secret=_text(payload, "app_secret"),
                auth_code=_text(payload, "auth_code"),
            )
        else:
            raise _bad(
                "“grant_type” is “authorization_code” (the default: with an auth_code) or "
                "“client_credentials” (an app token, for sending messages)."
            )
    except OAuthError as exc:
        return _error(exc)
    return _json(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "user_id": issued.user_id,
            "app_id": issued.app_id,
        }
    )


@csrf_exempt
@require_GET
def userinfo(request: HttpRequest) -> HttpResponse:
    """Whose accessToken this is: the mini program and its id of the user."""
    scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    found = None
    if scheme.lower() == "bearer" and raw.strip():
        found = access_token_get(token=raw.strip()[:MAX_CREDENTIAL])
    if found is None:
        return _error(OAuthError("invalid_token"))
    remaining = int((found.expires_at - timezone.now()).total_seconds())
    return _json(
        {
            "app_id": found.miniprogram.app_id,
            "user_id": found.open_user_id or None,
            "expires_in": max(0, remaining),
        }
    )
