"""The runtime API (issue 11): ``POST /runtime/v1/resolve`` and its companions.

Plain Django views on the hot path (no DRF, no session, no CSRF): the request is parsed with
orjson, answered from the process's snapshot (``releases.runtime.revision.runtime_snapshot``)
without any database query, and every body is signed (``releases.runtime.signing``).

Per mini program the answer is, in this order: ``unknown_app`` (not linked to the calling host
app), ``off_shelf``, ``offline`` (taken offline from this host app); then a valid reviewer
preview token's version (``preview``), the trial version for a whitelisted tester in
production (``trial``), the grayscale version the targeting admits (``grayscale``), the online
version (``online``), or ``not_released``.

Those decisions are taken per request; the answer's body is a function of the decisions and a few
launch fields alone (``_memo_key``), so a launch deciding like an earlier one in the same
snapshot gets that earlier signed body again (``_memo``) without writing or signing JSON.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt

from console.api import error_body
from releases.grayscale import targeting
from releases.grayscale.admission import grayscale_admit
from releases.review.preview import PreviewTokenInvalid, preview_token_verify
from releases.runtime import auth, signing
from releases.runtime.revision import runtime_snapshot
from releases.runtime.snapshot import (
    ENVIRONMENTS,
    NO_LINKS,
    NO_TARGETS,
    PRODUCTION,
    Build,
    HostAppKey,
    Link,
    Program,
    Snapshot,
    Target,
)

MAX_APPS = 50
MAX_BODY = 64 * 1024
MAX_TEXT = 128  # any context value or App ID
MAX_TOKEN = 1024
MAX_ADMITTED = 100_000  # grayscale admissions remembered per snapshot (see ``_admitter``)
MAX_MEMO_BYTES = 32 * 2**20  # signed answers remembered per snapshot, in body bytes (``_memo``)
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
KEY_FROZEN = (
    "This host app's SDK key is frozen: the tenant's owner or an admin can unfreeze it on the "
    "host app page."
)

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
# A view's answer is first a plain (status, headers, body): the Django views below wrap it in an
# ``HttpResponse``; ``releases.runtime.lean``'s WSGI fast path sends it as it is.

Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]


def _signed(body: bytes, *, status: int = 200, headers: Headers | None = None) -> Answer:
    key = signing.signing_key()
    signature = f"{signing.ALGORITHM}={base64.b64encode(key.private.sign(body)).decode()}"
    out = [
        ("Content-Type", JSON),
        (signing.SIGNATURE_HEADER, signature),
        (signing.KEY_ID_HEADER, key.key_id),
        ("Cache-Control", CACHE_CONTROL),
    ]
    if headers:
        out.extend(headers)
    return status, out, body


def _error(status: int, code: str, message: str) -> Answer:
    headers = [("WWW-Authenticate", 'Bearer realm="runtime"')] if status == 401 else None
    return _signed(
        orjson.dumps(error_body(code=code, message=message)), status=status, headers=headers
    )


def _allow(answer: Answer, method: str) -> Answer:
    status, headers, body = answer
    headers.append(("Allow", method))
    return status, headers, body


def http_response(answer: Answer) -> HttpResponse:
    """The Django response of an answer (a header named twice keeps its last value)."""
    status, headers, body = answer
    response = HttpResponseNotModified() if status == 304 else HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


def server_error() -> HttpResponse:
    """A view that raised (``releases.runtime.lean`` logged it): the signed JSON error."""
    return http_response(server_error_answer())


def server_error_answer() -> Answer:
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
    for item in items:  # up to 50 a launch: the common case inline, ``_text`` for the others
        if type(item) is not dict:
            raise BadRequest("Each mini program must be an object with an “app_id”.")
        app_id = item.get("app_id")
        if type(app_id) is str and len(app_id) <= MAX_TEXT:
            app_id = app_id.strip()
        else:
            app_id = _text(app_id, "app_id")
        if not app_id:
            raise BadRequest("Each mini program needs its “app_id”.")
        preset = item.get("preset_version")
        if preset is None:
            preset = ""
        elif type(preset) is str and len(preset) <= MAX_TEXT:
            preset = preset.strip()
        else:
            preset = _text(preset, "preset_version")
        token = item.get("preview_token")
        token = "" if token is None else _text(token, "preview_token", MAX_TOKEN)
        wanted.append((app_id, preset, token))
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


def _not_modified(meta: Mapping[str, Any], etag: str) -> bool:
    sent = meta.get("HTTP_IF_NONE_MATCH", "")
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


# What one mini program of a launch gets, decided (targeting, admission, whitelist, preview
# token: per request) but not yet written: (App ID, refusal status or source, the program and
# build delivered or None, whether the preset offline package is stale). The answer's JSON is a
# function of the decisions and the launch's environment, language and SDK capability alone
# (``_render``), which is what lets ``_memo`` reuse a signed body.
Decision = tuple[str, str, Program | None, Build | None, bool]


def _delivered(app_id: str, source: str, program: Program, build: Build, preset: str) -> Decision:
    return (app_id, source, program, build, bool(preset) and preset != build.number)


def _answer(
    snapshot: Snapshot,
    host_app: HostAppKey,
    environment: str,
    context: dict[str, Any],
    decision: Decision,
) -> dict[str, Any]:
    app_id, source, program, build, stale = decision
    if program is None or build is None:
        return _refused(app_id, source)
    number = build.number
    answer = {
        "app_id": app_id,
        "status": "ok",
        "version": number,
        "source": source,
        "artifact": build.artifact(context["subpackages"]),
        "profile": program.profile(context["language"]),
        "preset_stale": stale,
        # The development settings (issue 12): for the version delivered, this host app and
        # this environment; null where nothing is configured.
        "domains": snapshot.domains.get((host_app.id, program.id, number)),
        "jsapis": snapshot.jsapis.get((host_app.id, program.id)),
        "env": snapshot.env.get((program.id, environment)),
    }
    if source == "trial":
        answer["page"] = program.trial_page
    return answer


def _preview(snapshot: Snapshot, host_app: HostAppKey, app_id: str, token: str) -> Build | None:
    """The version a valid preview token opens on this host app, else ``None``."""
    try:
        grant = preview_token_verify(token, app_id=app_id)
    except PreviewTokenInvalid:
        return None
    preview = snapshot.previews.get(grant.release_id)
    if preview is None or preview.host_app_id != host_app.id or preview.app_id != app_id:
        return None
    return preview.build if preview.build.number == grant.version else None


def decide_one(
    snapshot: Snapshot,
    host_app: HostAppKey,
    environment: str,
    context: dict[str, Any],
    launch: Callable[[], targeting.Context],
    item: tuple[str, str, str],
    links: Mapping[str, Link],
    targets: Mapping[str, Build | Target],
) -> Decision:
    """What one mini program of the launch gets (see ``Decision``), in the module's order;
    ``links`` and ``targets`` are the snapshot's for this host app (and environment)."""
    app_id, preset, token = item
    link = links.get(app_id)
    if link is None:
        return (app_id, "unknown_app", None, None, False)
    program = link.program
    if not program.on_shelf:
        return (app_id, "off_shelf", None, None, False)
    if not link.active:
        return (app_id, "offline", None, None, False)
    app_id = program.app_id  # the same text, its hash already computed (``_memo``'s key)
    if token:
        build = _preview(snapshot, host_app, app_id, token)
        if build is not None:
            return _delivered(app_id, "preview", program, build, preset)
    if (
        environment == PRODUCTION
        and program.trial is not None
        and context["user_account"]
        and context["user_account"] in program.testers
    ):
        return _delivered(app_id, "trial", program, program.trial, preset)
    target = targets.get(app_id)
    if target is None:
        return (app_id, "not_released", None, None, False)
    if isinstance(target, Build):  # no grayscale task: the online version
        return _delivered(app_id, "online", program, target, preset)
    decision = targeting.choose(target.candidate, launch(), admit=_admitter(snapshot))
    build = target.builds.get(decision.version or "")
    if decision.source == "grayscale" and build is not None:
        return _delivered(app_id, "grayscale", program, build, preset)
    if target.online is None:
        return (app_id, "not_released", None, None, False)
    return _delivered(app_id, "online", program, target.online, preset)


def _render(
    snapshot: Snapshot,
    host_app: HostAppKey,
    environment: str,
    context: dict[str, Any],
    decisions: list[Decision],
) -> bytes:
    """The answer's body: a function of its arguments' ``_memo_key`` alone."""
    results = [_answer(snapshot, host_app, environment, context, d) for d in decisions]
    return orjson.dumps({"revision": snapshot.revision, "results": results})


def _memo_key(
    host_app: HostAppKey, environment: str, context: dict[str, Any], decisions: list[Decision]
) -> tuple[Any, ...]:
    """Everything the body depends on, and nothing else (no user, device, platform, version or
    network: those only steer the decisions): the host app (the development settings), the
    environment (the environment variables), the language (the profiles), the SDK's capability
    (the artifact's form) and per mini program its App ID, status or source, the build
    delivered and whether the preset package is stale. The revision is the snapshot's own."""
    key: list[Any] = [host_app.id, environment, context["language"], context["subpackages"]]
    for app_id, source, _program, build, stale in decisions:
        key += (app_id, source, build.version_id if build is not None else 0, stale)
    return tuple(key)


def _memo(
    snapshot: Snapshot,
    host_app: HostAppKey,
    environment: str,
    context: dict[str, Any],
    decisions: list[Decision],
) -> tuple[bytes, str, str]:
    """(body, ``X-MPP-Signature``, ``X-MPP-Key-Id``) of the launch's answer.

    Launches that get the same decisions in the same snapshot get byte-identical answers (the
    body holds nothing of the request itself), so the signed body is remembered per snapshot
    under ``_memo_key``: a second such launch skips writing the JSON and signing it (~0.1 ms
    for 20 mini programs). The decisions themselves — grayscale targeting and admission, the
    tester whitelist, preview tokens — are still taken per request. At most
    ``MAX_MEMO_BYTES`` of bodies are kept; once full, new answers are computed and not kept
    until the next snapshot (a change of the revision) starts an empty memory."""
    key = _memo_key(host_app, environment, context, decisions)
    signer = signing.signing_key()
    answers = snapshot.answers
    found = answers.get(key)
    if found is not None and found[2] == signer.key_id:
        return found
    body = _render(snapshot, host_app, environment, context, decisions)
    signature = f"{signing.ALGORITHM}={base64.b64encode(signer.private.sign(body)).decode()}"
    made = (body, signature, signer.key_id)
    if snapshot.answers_bytes + len(body) <= MAX_MEMO_BYTES:
        if found is None:
            snapshot.answers_bytes += len(body)
        answers[key] = made
    return made


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


def resolve_answer(method: str, meta: Mapping[str, Any], read: Callable[[], bytes]) -> Answer:
    """``POST /runtime/v1/resolve`` as a plain answer: ``meta`` is the WSGI environ (or
    ``request.META``), ``read()`` the body (called once, after the size check)."""
    if method != "POST":
        return _allow(_error(405, "method_not_allowed", "Use POST."), "POST")
    snapshot = runtime_snapshot()
    key, secret = auth.credentials(meta)
    host_app = auth.authenticate(snapshot, key=key, secret=secret)
    if host_app is None:
        return _error(
            401,
            "unauthenticated",
            "Send the host app's key in X-MPP-App-Key and its secret as "
            "“Authorization: Bearer <secret>”.",
        )
    if host_app.frozen:
        return _error(403, "key_frozen", KEY_FROZEN)
    try:
        content_type = meta.get("CONTENT_TYPE", "")
        if content_type != JSON and parse_header_parameters(content_type)[0] != JSON:
            raise BadRequest("Send the body as application/json.", "unsupported_media_type", 415)
        if int(meta.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            raise BadRequest(f"The body is larger than {MAX_BODY // 1024} KB.", "too_large", 413)
        environment, context, wanted = _parse(read())
    except BadRequest as exc:
        return _error(exc.status, exc.code, exc.message)
    except (RequestDataTooBig, ValueError):
        return _error(400, "bad_request", "The body could not be read.")
    etag = _etag(snapshot, host_app, environment, context, wanted)
    previewing = any(token for _a, _p, token in wanted)  # a token expires: never answer 304
    if not previewing and _not_modified(meta, etag):
        return 304, [("ETag", etag), ("Cache-Control", CACHE_CONTROL)], b""
    launch = _launch(host_app, context)
    links = snapshot.links.get(host_app.id, NO_LINKS)
    targets = snapshot.targets.get((host_app.id, environment), NO_TARGETS)
    decisions = [
        decide_one(snapshot, host_app, environment, context, launch, item, links, targets)
        for item in wanted
    ]
    body, signature, key_id = _memo(snapshot, host_app, environment, context, decisions)
    return (
        200,
        [
            ("Content-Type", JSON),
            (signing.SIGNATURE_HEADER, signature),
            (signing.KEY_ID_HEADER, key_id),
            ("Cache-Control", CACHE_CONTROL),
            ("ETag", etag),
        ],
        body,
    )


def keys_answer(method: str, meta: Mapping[str, Any], read: Callable[[], bytes]) -> Answer:
    """``GET /runtime/v1/keys`` as a plain answer."""
    if method not in ("GET", "HEAD"):
        return _allow(_error(405, "method_not_allowed", "Use GET."), "GET")
    status, headers, body = _signed(orjson.dumps({"keys": signing.public_keys()}))
    headers[3] = ("Cache-Control", "public, max-age=300")
    return status, headers, body


@csrf_exempt
def resolve(request: HttpRequest) -> HttpResponseBase:
    """``POST /runtime/v1/resolve``: which version of each mini program to load (see module)."""
    return http_response(resolve_answer(request.method or "", request.META, lambda: request.body))


def keys(request: HttpRequest) -> HttpResponseBase:
    """``GET /runtime/v1/keys``: the public keys answers are signed with (no authentication)."""
    return http_response(keys_answer(request.method or "", request.META, lambda: request.body))
