"""``POST /runtime/v1/events``: the SDK's batches of events and log lines (issue 14).

Authenticated like the runtime API and the OAuth auth-codes call: the host app's SDK key in
``X-MPP-App-Key`` and its secret as ``Authorization: Bearer <secret>`` (a frozen key: 403
``key_frozen``). The body is JSON (``application/json``), at most 1 MB, optionally gzipped
(``Content-Encoding: gzip``, at most 1 MB once inflated too), with at most 500 events
(:mod:`analytics.batch` describes them). Invalid events are reported by index, the valid ones
kept: the answer is 202 ``{"accepted", "rejected", "errors": [{"index", "field", "message"}]}``.
Refusals of the whole request use the API's one error shape with the request id; a lagging
pipeline answers 429 with ``Retry-After`` (nothing of the request was kept: send it again).

Plain Django (no DRF, session or CSRF): the body is parsed with orjson and handed off in one
piece (:func:`analytics.services.batch_hand_off`).
"""

from __future__ import annotations

import time
import zlib

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt

from analytics.batch import MAX_BODY, Invalid, batch_parse
from analytics.services import batch_hand_off
from analytics.stream import Backpressure, StreamUnavailable
from console.api import error_body
from workspaces.services.hostapps import SdkRefusal, host_app_check_request

JSON = "application/json"
KEY_FROZEN = (
    "This host app's SDK key is frozen: the tenant's owner or an admin can unfreeze it on the "
    "host app page."
)


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def _json(payload: object, status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(orjson.dumps(payload), status=status, content_type=JSON)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name] = value
    return response


def _authenticate(request: HttpRequest) -> int:
    check = host_app_check_request(request.META)
    if check.host_app is not None:
        return check.host_app.pk
    if check.refusal == SdkRefusal.FROZEN:
        raise Refusal(403, "key_frozen", KEY_FROZEN)
    raise Refusal(
        401,
        "unauthenticated",
        "Send the host app's key in X-MPP-App-Key and its secret as "
        "“Authorization: Bearer <secret>”.",
        **{"WWW-Authenticate": 'Bearer realm="runtime"'},
    )


def _too_large() -> Refusal:
    return Refusal(413, "too_large", f"The body is larger than {MAX_BODY // 1024} KB.")


def _gunzip(body: bytes) -> bytes:
    """Inflate at most ``MAX_BODY`` bytes (a small bomb cannot make a big body)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_BODY + 1)
    except zlib.error:
        raise Refusal(400, "bad_request", "The body is not valid gzip.") from None
    if len(data) > MAX_BODY or inflater.unconsumed_tail:
        raise Refusal(413, "too_large", f"The inflated body is larger than {MAX_BODY // 1024} KB.")
    if not inflater.eof:
        raise Refusal(400, "bad_request", "The gzip body is truncated.")
    return data


def _body(request: HttpRequest) -> object:
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type != JSON and parse_header_parameters(content_type)[0] != JSON:
        raise Refusal(415, "unsupported_media_type", "Send the body as application/json.")
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise Refusal(415, "unsupported_media_type", "Content-Encoding may only be gzip.")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY:
        raise _too_large()
    try:
        body = request.body
    except RequestDataTooBig:
        raise _too_large() from None
    if len(body) > MAX_BODY:
        raise _too_large()
    if encoding == "gzip":
        body = _gunzip(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refusal(400, "bad_request", "The body is not valid JSON.") from None


@csrf_exempt
def events(request: HttpRequest) -> HttpResponse:
    """Accept a batch of SDK events (see the module)."""
    try:
        if request.method != "POST":
            raise Refusal(405, "method_not_allowed", "Use POST.", Allow="POST")
        host_app_id = _authenticate(request)
        payload = _body(request)
        try:
            batch = batch_parse(payload, host_app_id=host_app_id, now_ms=int(time.time() * 1000))
        except Invalid as exc:
            fields = {exc.field: [exc.message]} if exc.field else None
            return _json(error_body(code="invalid", message=exc.message, fields=fields), 400)
        try:
            batch_hand_off(batch=batch)
        except Backpressure as exc:
            raise Refusal(
                429,
                "throttled",
                f"Events are arriving faster than they are stored; send them again in "
                f"{exc.retry_after} s.",
                **{"Retry-After": str(exc.retry_after)},
            ) from None
        except StreamUnavailable:
            raise Refusal(
                503,
                "unavailable",
                "Events cannot be queued right now; send them again later.",
                **{"Retry-After": "30"},
            ) from None
    except Refusal as exc:
        return _json(error_body(code=exc.code, message=exc.message), exc.status, **exc.headers)
    return _json(
        {"accepted": batch.accepted, "rejected": len(batch.errors), "errors": batch.errors}, 202
    )
