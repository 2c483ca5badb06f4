"""The baseline of bench/send.py: a bare WSGI app that answers ``POST /open/v1/messages`` with
a 202 and a JSON body of the same shape and size as the real endpoint's, and no framework at all.

Per request it reads the body and parses it with orjson, reads the bearer token and the
``Idempotency-Key`` header, fills the real answer's fields (a new id, the template and user of
the request, the time) into the answer bench/send.py captured from the real endpoint
(``SEND_BARE_TEMPLATE``: its body and headers) and sends it with orjson and the same headers. So
the gap between it and the real endpoint is Django, the token check, the quota and the queued
message: what the benchmark is about.

    .venv/bin/granian --interface wsgi bench.send_bare:application --workers 2
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson

TEMPLATE = os.environ.get("SEND_BARE_TEMPLATE", "")

# Written per response here, or by the server itself.
SENT_PER_RESPONSE = {
    "content-length",
    "content-type",
    "x-request-id",
    "x-bench-worker",
    "date",
    "server",
    "connection",
    "transfer-encoding",
}


def _load() -> tuple[dict, list[tuple[str, str]]]:
    if not TEMPLATE:
        body = {
            "id": str(uuid.uuid4()),
            "template_id": "x" * 43,
            "to_user_id": "0" * 32,
            "state": "queued",
            "attempts": 0,
            "created_at": "2026-12-02T10:00:00.123456Z",
            "delivered_at": None,
            "last_status_code": None,
            "last_error": None,
            "duplicate": False,
            "quota": {"limit": 5, "remaining": 4, "resets_at": "2026-12-03T00:00:00Z"},
        }
        return body, [("Cache-Control", "no-store")]
    answer = orjson.loads(Path(TEMPLATE).read_bytes())
    headers = [
        (name, value)
        for name, value in answer["headers"].items()
        if name.lower() not in SENT_PER_RESPONSE
    ]
    return answer["body"], headers


BODY, HEADERS = _load()


def application(environ, start_response):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[2]
    key = environ.get("HTTP_IDEMPOTENCY_KEY", "")
    try:
        payload = orjson.loads(body)
        answer = {
            **BODY,
            "id": str(uuid.uuid4()),
            "template_id": payload["template_id"],
            "to_user_id": payload["to_user_id"],
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
    except (orjson.JSONDecodeError, KeyError, TypeError):
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": {"code": "bad_request"}}']
    if not token or len(key) > 64:
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"error": {"code": "invalid_token"}}']
    content = orjson.dumps(answer)
    start_response(
        "202 Accepted",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(content))),
            ("X-Request-ID", uuid.uuid4().hex),
            ("X-Bench-Worker", str(os.getpid())),
            *HEADERS,
        ],
    )
    return [content]
