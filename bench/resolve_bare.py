"""The baseline of bench/resolve.py: a bare WSGI app that answers ``POST /runtime/v1/resolve``
with a JSON body of the same shape and size as the real endpoint's, and no framework at all.

Per request it reads the body and parses it with orjson, takes one result of a real answer per
requested ``app_id``, in turn from the results of many real answers (the template, a file that
bench/resolve.py writes from the real endpoint's first answers: ``RESOLVE_BARE_TEMPLATE``), so
its answers have the real ones' mix of sizes (languages, artifact forms); serialises the answer
with orjson and sends it with the same headers (an ``ETag`` of its own, the real answer's
signature and security headers, ``X-Bench-Worker``); a matching ``If-None-Match`` gets a 304.
So the gap between it and the real endpoint is Django, the authentication, the snapshot
look-ups, the targeting and the signature: what the benchmark is about.

    .venv/bin/granian --interface wsgi bench.resolve_bare:application --workers 2
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson

TEMPLATE = os.environ.get("RESOLVE_BARE_TEMPLATE", "")


def _synthetic() -> dict:
    """An answer of the contract's shape (issue 11) for when no real answer was captured."""
    return {
        "revision": 1,
        "results": [
            {
                "app_id": f"9000{n:012d}",
                "status": "ok",
                "version": "1.0.0",
                "source": "online",
                "artifact": {
                    "kind": "main",
                    "url": f"/media/artifacts/{n}/0123456789abcdef/main.zip",
                    "size": 204_800,
                    "sha256": hashlib.sha256(str(n).encode()).hexdigest(),
                    "subpackages": [
                        {
                            "root": root,
                            "url": f"/media/artifacts/{n}/0123456789abcdef/{root[:-1]}.zip",
                            "size": 102_400,
                            "sha256": hashlib.sha256(f"{n}{root}".encode()).hexdigest(),
                        }
                        for root in ("packageA/", "packageB/")
                    ],
                },
                "profile": {
                    "name": f"Bench program {n}",
                    "tagline": "A mini program for the benchmark",
                    "description": "Seeded by bench/resolve.py to measure the runtime API.",
                    "logo": f"/media/miniprogram-logos/{n:032x}.png",
                },
                "preset_stale": False,
                "domains": None,
                "jsapis": None,
                "env": None,
            }
            for n in range(20)
        ],
    }


# Written per response here, or by the server itself (Date, Server, Connection).
SENT_PER_RESPONSE = {
    "content-length",
    "content-type",
    "etag",
    "x-bench-worker",
    "date",
    "server",
    "connection",
    "transfer-encoding",
}


def _load() -> tuple[list[dict], dict, list[tuple[str, str]]]:
    answer = orjson.loads(Path(TEMPLATE).read_bytes()) if TEMPLATE else _synthetic()
    results = answer["results"] or _synthetic()["results"]
    headers = [
        (name, value)
        for name, value in answer.get("headers", {}).items()
        if name.lower() not in SENT_PER_RESPONSE
    ]
    return results, {k: v for k, v in answer.items() if k not in {"results", "headers"}}, headers


RESULTS, TOP, HEADERS = _load()
_next = 0  # where the next answer starts taking results (a process: one request at a time)


def application(environ, start_response):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        wanted = orjson.loads(body)["miniprograms"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": {"code": "bad_request"}}']
    global _next
    results = []
    for item in wanted:
        result = dict(RESULTS[_next % len(RESULTS)])
        _next += 1
        result["app_id"] = item.get("app_id", "")
        results.append(result)
    payload = orjson.dumps({**TOP, "results": results})
    etag = '"' + hashlib.blake2b(payload, digest_size=16).hexdigest() + '"'
    headers = [*HEADERS, ("ETag", etag), ("X-Bench-Worker", str(os.getpid()))]
    if environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", headers)
        return [b""]
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *headers],
    )
    return [payload]
