"""The runtime API (issue 11): ``POST /runtime/v1/resolve`` and its companions.

Plain Django views on the hot path (no DRF, no session, no CSRF): the request is parsed with
orjson, answered from the process's snapshot (``releases.runtime.revision.runtime_snapshot``)
without any database query, and every body is signed (``releases.runtime.signing``).

Per mini program the answer is, in this order: ``unknown_app`` (not linked to the calling host
app), ``off_shelf``, ``offline`` (taken offline from this host app); then a valid reviewer
preview token's version (``preview``), the trial version for a whitelisted tester in
production (``trial``), the grayscale version the targeting admits (``grayscale``), the online
version (``online``), or ``not_released``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from console.api import error_body
from releases.grayscale import targeting
from releases.grayscale.admission import grayscale_admit
from releases.review.preview import PreviewTokenInvalid, preview_token_verify
from releases.runtime import auth, signing
from releases.runtime.revision import runtime_snapshot
from releases.runtime.snapshot import ENVIRONMENTS, PRODUCTION, HostAppKey, Program, Snapshot

MAX_APPS = 50
MAX_BODY = 64 * 1024
MAX_TEXT = 128  # any context value or App ID
MAX_TOKEN = 1024
MAX_ADMITTED = 100_000  # grayscale admissions remembered per snapshot (see ``_admitter``)
CONTEXT_TEXT = (
    "host_app_version",
    "platform",
    "os_version",
    "guid",
    "device_id",
    "user_account",
    "network",
    "language",
)
JSON = "application/json"
CACHE_CONTROL = "private, no-cache"  # may be kept, always revalidated (ETag → 304)

MESSAGES = {
    "unknown_app": "No mini program with this App ID is released to this host app.",
    "off_shelf": "This mini program is off shelf.",
    "offline": "This mini program was taken offline from this host app.",
    "not_released": "No version of this mini program is released in this environment.",
}


class BadRequest(Exception):
    def __init__(self, message: str, code: str = "bad_request", status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# --- responses ----------------------------------------------------------------------------------


def _signed(
    body: bytes, *, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=JSON)
    for name, value in signing.signature_headers(body).items():
        response[name] = value
    response["Cache-Control"] = CACHE_CONTROL
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status: int, code: str, message: str) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="runtime"'} if status == 401 else None
    return _signed(
        orjson.dumps(error_body(code=code, message=message)), status=status, headers=headers
    )


def server_error() -> HttpResponse:
    """A view that raised (``releases.runtime.lean`` logged it): the signed JSON error."""
    return _error(500, "server_error", "Something went wrong on our side.")


# --- parsing ------------------------------------------------------------------------------------


def _text(value: Any, name: str, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"“{name}” must be a string.")
    if len(value) > limit:
        raise BadRequest(f"“{name}” is longer than {limit} characters.")
    return value.strip()


def _parse(body: bytes) -> tuple[str, dict[str, Any], list[tuple[str, str, str]]]:
    """(environment, context fields, [(app_id, preset_version, preview_token)]) or BadRequest."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("The body is not valid JSON.") from exc
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a JSON object.")
    environment = payload.get("environment", PRODUCTION)
    if not isinstance(environment, str) or environment not in ENVIRONMENTS:
        raise BadRequest("“environment” must be one of " + ", ".join(sorted(ENVIRONMENTS)) + ".")
    raw_context = payload.get("context")
    raw_context = {} if raw_context is None else raw_context
    if not isinstance(raw_context, dict):
        raise BadRequest("“context” must be an object.")
    context: dict[str, Any] = {name: _text(raw_context.get(name), name) for name in CONTEXT_TEXT}
    context["platform"] = context["platform"].lower()
    context["network"] = context["network"].lower()
    subpackages = raw_context.get("subpackages", True)
    if not isinstance(subpackages, bool):
        raise BadRequest("“subpackages” must be true or false.")
    context["subpackages"] = subpackages
    items = payload.get("miniprograms")
    if not isinstance(items, list) or not items:
        raise BadRequest("“miniprograms” must be a list of at least one mini program.")
    if len(items) > MAX_APPS:
        raise BadRequest(
            f"Ask for at most {MAX_APPS} mini programs per call ({len(items)} were asked).",
            code="too_many_apps",
        )
    wanted = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("Each mini program must be an object with an “app_id”.")
        app_id = _text(item.get("app_id"), "app_id")
        if not app_id:
            raise BadRequest("Each mini program needs its “app_id”.")
        wanted.append(
            (
                app_id,
                _text(item.get("preset_version"), "preset_version"),
                _text(item.get("preview_token"), "preview_token", MAX_TOKEN),
            )
        )
    return environment, context, wanted


def _etag(
    snapshot: Snapshot,
    host_app: HostAppKey,
    environment: str,
    context: dict[str, Any],
    wanted: list,
) -> str:
    """From the revision and the normalized inputs (never the body): the same inputs under the
    same revision always get the same answer (a grayscale admission, once made, stays)."""
    inputs = orjson.dumps([host_app.id, environment, context, wanted], option=orjson.OPT_SORT_KEYS)
    return f'"r{snapshot.revision}-{hashlib.blake2b(inputs, digest_size=16).hexdigest()}"'


def _not_modified(request: HttpRequest, etag: str) -> bool:
    sent = request.META.get("HTTP_IF_NONE_MATCH", "")
    return bool(sent) and any(tag.strip().removeprefix("W/") == etag for tag in sent.split(","))


# --- resolving ----------------------------------------------------------------------------------


def _refused(app_id: str, status: str) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "status": status,
        "message": MESSAGES[status],
        "version": None,
        "source": None,
        "artifact": None,
        "profile": None,
        "preset_stale": False,
        "domains": None,
        "jsapis": None,
        "env": None,
    }


def _answer(
    app_id: str, program: Program, build: Any, source: str, preset: str, context: dict[str, Any]
) -> dict[str, Any]:
    answer = {
        "app_id": app_id,
        "status": "ok",
        "version": build.number,
        "source": source,
        "artifact": build.artifact(context["subpackages"]),
        "profile": program.profile(context["language"]),
        "preset_stale": bool(preset) and preset != build.number,
        "domains": None,  # the development-settings issue fills these three slots
        "jsapis": None,
        "env": None,
    }
    if source == "trial":
        answer["page"] = program.trial_page
    return answer


def _preview(snapshot: Snapshot, host_app: HostAppKey, app_id: str, token: str) -> Any:
    """The version a valid preview token opens on this host app, else ``None``."""
    try:
        grant = preview_token_verify(token, app_id=app_id)
    except PreviewTokenInvalid:
        return None
    preview = snapshot.previews.get(grant.release_id)
    if preview is None or preview.host_app_id != host_app.id or preview.app_id != app_id:
        return None
    return preview.build if preview.build.number == grant.version else None


def resolve_one(
    snapshot: Snapshot,
    host_app: HostAppKey,
    environment: str,
    context: dict[str, Any],
    launch: Callable[[], targeting.Context],
    item: tuple[str, str, str],
) -> dict[str, Any]:
    app_id, preset, token = item
    link = snapshot.links.get((host_app.id, app_id))
    if link is None:
        return _refused(app_id, "unknown_app")
    program = link.program
    if not program.on_shelf:
        return _refused(app_id, "off_shelf")
    if not link.active:
        return _refused(app_id, "offline")
    if token:
        build = _preview(snapshot, host_app, app_id, token)
        if build is not None:
            return _answer(app_id, program, build, "preview", preset, context)
    if (
        environment == PRODUCTION
        and program.trial is not None
        and context["user_account"]
        and context["user_account"] in program.testers
    ):
        return _answer(app_id, program, program.trial, "trial", preset, context)
    target = snapshot.targets.get((host_app.id, environment, app_id))
    if target is None:
        return _refused(app_id, "not_released")
    if target.candidate is not None:
        decision = targeting.choose(target.candidate, launch(), admit=_admitter(snapshot))
        build = target.builds.get(decision.version or "")
        if decision.source == "grayscale" and build is not None:
            return _answer(app_id, program, build, "grayscale", preset, context)
    if target.online is None:
        return _refused(app_id, "not_released")
    return _answer(app_id, program, target.online, "online", preset, context)


def _admitter(snapshot: Snapshot) -> Callable[[int, str, int], bool]:
    """``grayscale_admit``, remembering in the snapshot whom it admitted: a member stays a
    member (``releases.grayscale.admission``), so a launch of an admitted user skips the round
    trip to Redis (or the database). Refusals are never remembered (a place may free up only
    through a change that moves the revision, but nothing is assumed)."""
    admitted = snapshot.admitted

    def admit(task_id: int, user_key: str, max_users: int) -> bool:
        key = (task_id, user_key, max_users)
        if key in admitted:
            return True
        if not grayscale_admit(task_id, user_key, max_users):
            return False
        if len(admitted) >= MAX_ADMITTED:
            admitted.clear()
        admitted.add(key)
        return True

    return admit


def _launch(host_app: HostAppKey, context: dict[str, Any]) -> Callable[[], targeting.Context]:
    """A memoized maker of the targeting ``Context`` (built only when a task is looked at)."""
    made: list[targeting.Context] = []

    def make() -> targeting.Context:
        if not made:
            made.append(targeting.Context(host_app_id=host_app.id, **context))
        return made[0]

    return make


# --- views --------------------------------------------------------------------------------------


@csrf_exempt
def resolve(request: HttpRequest) -> HttpResponseBase:
    """``POST /runtime/v1/resolve``: which version of each mini program to load (see module)."""
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Use POST.")
        response["Allow"] = "POST"
        return response
    snapshot = runtime_snapshot()
    key, secret = auth.credentials(request)
    host_app = auth.authenticate(snapshot, key=key, secret=secret)
    if host_app is None:
        return _error(
            401,
            "unauthenticated",
            "Send the host app's key in X-MPP-App-Key and its secret as "
            "“Authorization: Bearer <secret>”.",
        )
    try:
        if request.content_type != JSON:
            raise BadRequest("Send the body as application/json.", "unsupported_media_type", 415)
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            raise BadRequest(f"The body is larger than {MAX_BODY // 1024} KB.", "too_large", 413)
        environment, context, wanted = _parse(request.body)
    except BadRequest as exc:
        return _error(exc.status, exc.code, exc.message)
    except (RequestDataTooBig, ValueError):
        return _error(400, "bad_request", "The body could not be read.")
    etag = _etag(snapshot, host_app, environment, context, wanted)
    previewing = any(token for _a, _p, token in wanted)  # a token expires: never answer 304
    if not previewing and _not_modified(request, etag):
        response = HttpResponse(status=304)
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL
        return response
    launch = _launch(host_app, context)
    results = [
        resolve_one(snapshot, host_app, environment, context, launch, item) for item in wanted
    ]
    body = orjson.dumps({"revision": snapshot.revision, "results": results})
    return _signed(body, headers={"ETag": etag})


def keys(request: HttpRequest) -> HttpResponseBase:
    """``GET /runtime/v1/keys``: the public keys answers are signed with (no authentication)."""
    if request.method not in ("GET", "HEAD"):
        response = _error(405, "method_not_allowed", "Use GET.")
        response["Allow"] = "GET"
        return response
    response = _signed(orjson.dumps({"keys": signing.public_keys()}))
    response["Cache-Control"] = "public, max-age=300"
    return response
