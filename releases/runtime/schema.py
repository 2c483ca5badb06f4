"""The runtime API in the OpenAPI document (a drf-spectacular postprocessing hook).

The runtime views are plain Django views (no DRF on the hot path), so drf-spectacular does not
see them; this hook adds ``POST /runtime/v1/resolve`` with its own security schemes (the host
app's key and secret), request and answer shapes, error codes, signature headers, and the
public key answers are signed with (also at ``GET /runtime/v1/keys``).
"""

from __future__ import annotations

from typing import Any

from releases.runtime import signing
from releases.runtime.snapshot import ENVIRONMENTS
from releases.runtime.views import CONTEXT_TEXT, MAX_APPS, MAX_BODY, MAX_TEXT, MAX_TOKEN

_NULLABLE_TEXT = {"type": "string", "nullable": True}
_REF = "#/components/schemas/"


def _schemas() -> dict[str, Any]:
    file_properties: dict[str, Any] = {
        "url": {"type": "string", "format": "uri"},
        "size": {"type": "integer"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    }
    file_ref = {
        "type": "object",
        "properties": file_properties,
        "required": ["url", "size", "sha256"],
    }
    return {
        "RuntimeResolveRequest": {
            "type": "object",
            "properties": {
                "environment": {
                    "type": "string",
                    "enum": sorted(ENVIRONMENTS),
                    "default": "production",
                },
                "context": {
                    "type": "object",
                    "description": "The launch, as the SDK describes it; every field optional.",
                    "properties": {
                        **{
                            name: {"type": "string", "maxLength": MAX_TEXT} for name in CONTEXT_TEXT
                        },
                        "subpackages": {"type": "boolean", "default": True},
                    },
                },
                "miniprograms": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_APPS,
                    "items": {
                        "type": "object",
                        "properties": {
                            "app_id": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                            "preset_version": {"type": "string", "maxLength": MAX_TEXT},
                            "preview_token": {"type": "string", "maxLength": MAX_TOKEN},
                        },
                        "required": ["app_id"],
                    },
                },
            },
            "required": ["miniprograms"],
        },
        "RuntimeFile": file_ref,
        "RuntimeArtifact": {
            "type": "object",
            "description": "``complete``: one package; ``main``: the main package, its "
            "subpackages and their index (when the SDK loads subpackages).",
            "properties": {
                "kind": {"type": "string", "enum": ["complete", "main"]},
                **file_properties,
                "subpackages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"root": {"type": "string"}, **file_properties},
                    },
                },
                "index": {"allOf": [{"$ref": f"{_REF}RuntimeFile"}], "nullable": True},
            },
            "required": ["kind", "url", "size", "sha256", "subpackages"],
        },
        "RuntimeProfile": {
            "type": "object",
            "properties": {
                "language": {"type": "string"},
                "name": {"type": "string"},
                "tagline": {"type": "string"},
                "description": {"type": "string"},
                "logo": {"type": "string", "format": "uri", "nullable": True},
                "industry": {"type": "string"},
                "service_phone": {"type": "string"},
                "service_email": {"type": "string"},
            },
        },
        "RuntimeResult": {
            "type": "object",
            "properties": {
                "app_id": {"type": "string"},
                "status": {
                    "type": "string",
                    "enum": ["ok", "unknown_app", "off_shelf", "offline", "not_released"],
                },
                "message": {"type": "string", "description": "When the status is not ok."},
                "version": _NULLABLE_TEXT,
                "source": {
                    "type": "string",
                    "nullable": True,
                    "enum": ["online", "grayscale", "trial", "preview", None],
                },
                "page": {"type": "string", "description": "The trial version's start page."},
                "artifact": {"allOf": [{"$ref": f"{_REF}RuntimeArtifact"}], "nullable": True},
                "profile": {"allOf": [{"$ref": f"{_REF}RuntimeProfile"}], "nullable": True},
                "preset_stale": {"type": "boolean"},
                "domains": {"type": "object", "nullable": True},
                "jsapis": {"type": "object", "nullable": True},
                "env": {"type": "object", "nullable": True},
            },
            "required": ["app_id", "status", "version", "source", "artifact", "profile"],
        },
        "RuntimeResolveAnswer": {
            "type": "object",
            "properties": {
                "revision": {"type": "integer"},
                "results": {"type": "array", "items": {"$ref": f"{_REF}RuntimeResult"}},
            },
            "required": ["revision", "results"],
        },
    }


def _signature_headers() -> dict[str, Any]:
    return {
        signing.SIGNATURE_HEADER: {
            "required": True,
            "description": "ed25519=<base64 Ed25519 signature of the exact body bytes>",
            "schema": {"type": "string"},
        },
        signing.KEY_ID_HEADER: {
            "required": True,
            "description": "Which public key of GET /runtime/v1/keys verifies the signature.",
            "schema": {"type": "string"},
        },
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _signature_headers(),
        "content": {"application/json": {"schema": {"$ref": f"{_REF}Error"}}},
    }


def _operation() -> dict[str, Any]:
    key = signing.signing_key()
    return {
        "operationId": "runtime_resolve",
        "tags": ["runtime"],
        "summary": "Which version of each mini program a launch loads (the SDK's call)",
        "description": (
            "Authenticated with the host app's SDK key (`X-MPP-App-Key`) and secret "
            "(`Authorization: Bearer <secret>`), not an API token. Resolves up to "
            f"{MAX_APPS} mini programs per call. Each result has a status: `ok`, "
            "`unknown_app` (not released to this host app), `off_shelf`, `offline` (taken "
            "offline from this host app) or `not_released` (nothing online in this "
            "environment). Request errors: `unauthenticated` (401), `key_frozen` (403: the "
            "right key and secret, but the tenant froze this host app's SDK key), "
            "`bad_request` and "
            "`too_many_apps` (400), `too_large` (413, over "
            f"{MAX_BODY // 1024} KB), `unsupported_media_type` (415).\n\n"
            "Send the last `ETag` in `If-None-Match`: the same inputs under the same "
            "revision answer 304. Every answer is signed: verify `X-MPP-Signature` "
            "(`ed25519=<base64>`) over the exact body bytes with the public key "
            f"`{key.public_b64}` (key id `{key.key_id}`; also at `GET /runtime/v1/keys`). "
            "Artifact URLs (`/runtime/v1/artifacts/<sha256>.zip`) are immutable."
        ),
        "security": [{"runtimeAppKey": [], "runtimeSecret": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"{_REF}RuntimeResolveRequest"}}},
        },
        "responses": {
            "200": {
                "description": "One result per mini program asked, in order.",
                "headers": {
                    **_signature_headers(),
                    "ETag": {"required": True, "schema": {"type": "string"}},
                },
                "content": {
                    "application/json": {"schema": {"$ref": f"{_REF}RuntimeResolveAnswer"}}
                },
            },
            "304": {"description": "Not modified: the If-None-Match ETag is current."},
            "400": _error("bad_request or too_many_apps"),
            "401": _error("unauthenticated: a missing or wrong key or secret"),
            "403": _error("key_frozen: the host app's SDK key is frozen (until unfrozen)"),
            "413": _error("too_large"),
            "415": _error("unsupported_media_type"),
        },
    }


def add_runtime_paths(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``)."""
    result.setdefault("paths", {})["/runtime/v1/resolve"] = {"post": _operation()}
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(_schemas())
    components.setdefault("securitySchemes", {}).update(
        {
            "runtimeAppKey": {"type": "apiKey", "in": "header", "name": "X-MPP-App-Key"},
            "runtimeSecret": {
                "type": "http",
                "scheme": "bearer",
                "description": "The host app's SDK secret (shown once on the host app page).",
            },
        }
    )
    return result
