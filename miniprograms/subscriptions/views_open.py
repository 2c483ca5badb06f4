"""The public endpoints of subscription messages (no session, no CSRF, no API token).

The super app's SDK, authenticated like the runtime API (``X-MPP-App-Key`` and ``Authorization:
Bearer <SDK secret>``):

* ``POST /runtime/v1/subscription-templates`` — ``{"app_id", "template_ids": [...]}``: what the
  subscribe pop-up shows (titles, keywords in order, the kind), after the rules of a subscribe
  call (``runtime.py``);
* ``POST /runtime/v1/subscriptions`` — ``{"app_id", "user_id", "results": {template id:
  "accept" | "reject"}}``: the user's answers; the reply names the mini program's id of the user.

The merchant's backend, with an accessToken of the mini program (``Authorization: Bearer``):

* ``POST /open/v1/messages`` — ``{"template_id", "to_user_id", "data": {keyword: value},
  "page"}``, optional ``Idempotency-Key`` header: queue one message (202), rules in
  ``sending.py``;
* ``GET /open/v1/messages/<id>`` — the message's delivery state.

Every answer is JSON with ``Cache-Control: no-store``; errors in the API's one shape with the
request id and their own codes (``errors.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from console.api import error_body
from console.apifields import json_object, required_app_id, required_text
from miniprograms.secrets.models import USER_ID_MAX
from miniprograms.secrets.oauth import access_token_get
from miniprograms.secrets.throttle import throttle_hit
from miniprograms.subscriptions.errors import SubscriptionError
from miniprograms.subscriptions.models import Message
from miniprograms.subscriptions.runtime import (
    Checked,
    subscription_record,
    subscription_templates_check,
)
from miniprograms.subscriptions.sending import (
    DAILY_LIMIT,
    message_get,
    message_send,
    next_utc_midnight,
)
from workspaces.models import HostApp
from workspaces.services.hostapps import SdkRefusal, host_app_check_request

MAX_BODY = 16 * 1024
MAX_CREDENTIAL = 256
TEMPLATE_ID_MAX = 64
SUBSCRIBE_RATE_DEFAULT = 500  # SDK subscribe calls per host app per second


def subscribe_rate() -> int:
    return int(getattr(settings, "MPP_SUBSCRIBE_RATE", SUBSCRIBE_RATE_DEFAULT))


def _json(payload: dict[str, Any], status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(exc: SubscriptionError, **headers: str) -> JsonResponse:
    if exc.status == 401:
        headers.setdefault("WWW_Authenticate", 'Bearer realm="mpp"')
    if isinstance(exc, _Throttled):
        headers.setdefault("Retry_After", str(exc.wait))
    if exc.code == "daily_limit":
        wait = int((next_utc_midnight(timezone.now()) - timezone.now()).total_seconds()) + 1
        headers.setdefault("Retry_After", str(wait))
    return _json(error_body(code=exc.code, message=exc.message), exc.status, **headers)


def _bad(message: str) -> SubscriptionError:
    return SubscriptionError("bad_request", message)


def _body(request: HttpRequest) -> dict[str, Any]:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        raise SubscriptionError("too_large", f"The body is larger than {MAX_BODY // 1024} KB.")
    if (request.content_type or "") != "application/json":
        raise SubscriptionError("unsupported_media_type")
    return json_object(request.body, bad=_bad)


def _text(payload: dict[str, Any], name: str, limit: int) -> str:
    return required_text(payload, name, limit, bad=_bad)


def _app_id(payload: dict[str, Any]) -> str:
    return required_app_id(payload, bad=_bad)


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    return value.strip()[:MAX_CREDENTIAL] if scheme.lower() == "bearer" else ""


def _host_app(request: HttpRequest) -> HostApp:
    check = host_app_check_request(request.META)
    if not check.ok:
        frozen = check.refusal == SdkRefusal.FROZEN
        raise SubscriptionError("key_frozen" if frozen else "unauthenticated")
    assert check.host_app is not None
    limit = subscribe_rate()
    wait = throttle_hit(scope="subscribe", key=check.host_app.app_key, limit=limit)
    if wait is not None:
        raise _Throttled(wait, limit)
    return check.host_app


class _Throttled(SubscriptionError):
    def __init__(self, wait: int, limit: int) -> None:
        super().__init__("throttled", limit=str(limit))
        self.wait = wait


def _template_ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad("“template_ids” is a list of template id strings.")
    if any(len(v) > TEMPLATE_ID_MAX for v in value):
        raise _bad(f"A template id is at most {TEMPLATE_ID_MAX} characters.")
    return value


def _ignored(checked: Checked) -> list[dict[str, str]]:
    return [{"template_id": t, "reason": reason} for t, reason in checked.ignored]


@csrf_exempt
@require_POST
def subscription_templates(request: HttpRequest) -> HttpResponse:
    """What a subscribe pop-up shows (the SDK's call before it draws it)."""
    try:
        host_app = _host_app(request)
        payload = _body(request)
        checked = subscription_templates_check(
            host_app=host_app,
            app_id=_app_id(payload),
            template_ids=_template_ids(payload.get("template_ids")),
        )
    except SubscriptionError as exc:
        return _error(exc)
    return _json(
        {
            "kind": checked.kind,
            "templates": [
                {
                    "template_id": t.template_id,
                    "title": t.public_template.title,
                    "keywords": list(t.keywords),
                }
                for t in checked.templates
            ],
            "ignored": _ignored(checked),
        }
    )


@csrf_exempt
@require_POST
def subscriptions(request: HttpRequest) -> HttpResponse:
    """Record a user's answers to a subscribe pop-up."""
    try:
        host_app = _host_app(request)
        payload = _body(request)
        app_id = _app_id(payload)
        user_id = _text(payload, "user_id", USER_ID_MAX)
        results = payload.get("results")
        if not isinstance(results, dict) or not all(isinstance(k, str) for k in results):
            raise _bad("“results” is an object: template id → “accept” or “reject”.")
        _template_ids(list(results))
        recorded = subscription_record(
            host_app=host_app, app_id=app_id, user_id=user_id, decisions=results
        )
    except SubscriptionError as exc:
        return _error(exc)
    return _json(
        {
            "user_id": recorded.user_id,
            "kind": recorded.checked.kind,
            "results": [
                {
                    "template_id": a.template.template_id,
                    "title": a.template.public_template.title,
                    "status": a.status,
                    **(
                        {"credits": a.credits}
                        if a.template.public_template.kind == "one_time"
                        else {}
                    ),
                }
                for a in recorded.answers
            ],
            "ignored": _ignored(recorded.checked),
        }
    )


def _message_json(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.uid),
        "template_id": message.template_id,
        "to_user_id": message.open_user_id,
        "state": message.state,
        "attempts": message.attempts,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
        "delivered_at": (
            message.delivered_at.isoformat().replace("+00:00", "Z")
            if message.delivered_at
            else None
        ),
        "last_status_code": message.last_status_code,
        "last_error": message.last_error or None,
    }


@csrf_exempt
@require_POST
def send_message(request: HttpRequest) -> HttpResponse:
    """Queue one subscription message (the merchant backend's call)."""
    try:
        token = access_token_get(token=_bearer(request))
        if token is None:
            raise SubscriptionError("invalid_token")
        payload = _body(request)
        sent = message_send(
            token=token,
            template_id=_text(payload, "template_id", TEMPLATE_ID_MAX),
            to_user_id=_text(payload, "to_user_id", 64),
            data=payload.get("data"),
            page=payload.get("page", ""),
            idempotency_key=request.META.get("HTTP_IDEMPOTENCY_KEY", "").strip(),
        )
    except SubscriptionError as exc:
        return _error(exc)
    body = _message_json(sent.message)
    body["duplicate"] = sent.duplicate
    if sent.remaining_today is not None:
        body["quota"] = {
            "limit": DAILY_LIMIT,
            "remaining": sent.remaining_today,
            "resets_at": next_utc_midnight(sent.message.created_at)
            .isoformat()
            .replace("+00:00", "Z"),
        }
    return _json(body, 200 if sent.duplicate else 202)


@csrf_exempt
@require_GET
def message_detail(request: HttpRequest, message_id: str) -> HttpResponse:
    """A sent message's delivery state."""
    try:
        token = access_token_get(token=_bearer(request))
        if token is None:
            raise SubscriptionError("invalid_token")
        try:
            uuid.UUID(message_id)
        except ValueError:
            raise SubscriptionError("not_found") from None
        message = message_get(miniprogram_id=token.miniprogram_id, uid=message_id)
    except SubscriptionError as exc:
        return _error(exc)
    return _json(_message_json(message))
