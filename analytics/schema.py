"""``POST /runtime/v1/events`` in the OpenAPI document (a drf-spectacular postprocessing hook,
``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``): a plain Django view, which drf-spectacular
does not see."""

from __future__ import annotations

from typing import Any

from analytics.batch import (
    ENVIRONMENTS,
    EVENT_TYPES,
    LEVELS,
    LOG,
    MAX_BODY,
    MAX_EVENTS,
    MAX_MESSAGE,
)

_REF = "#/components/schemas/"
_NO_STORE = {
    "Cache-Control": {"required": True, "schema": {"type": "string", "enum": ["no-store"]}}
}


def _text(limit: int, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": limit}
    if description:
        schema["description"] = description
    return schema


def _context_properties() -> dict[str, Any]:
    return {
        "app_id": {"type": "string", "pattern": "^[1-9][0-9]{15}$", "description": "App ID."},
        "env": {"type": "string", "enum": sorted(ENVIRONMENTS)},
        "version": _text(64, "The mini program's version."),
        "user_id": _text(128),
        "device_id": _text(128, "Required (in the event or the batch's context)."),
        "platform": _text(32),
        "os_version": _text(32),
        "client_version": _text(32, "The host app's version."),
        "base_version": _text(32, "The base library's version."),
    }


def _schemas() -> dict[str, Any]:
    event = {
        "type": "object",
        "description": (
            "One event or log line; fields by type: `page_view` `page`; `launch`, "
            "`blank_screen` optional `page`; `jsapi_call` `name`, `success`, `duration_ms`; "
            "`http_request` `domain`, `status`, `duration_ms`; `startup` `success`, "
            "`duration_ms`; `search` optional `keyword`; `log` `level`, `message`, optional "
            "`page`, `guid`. `app_id`, `env` and `device_id` are required here or in the "
            "batch's `context`."
        ),
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "Made once per event."},
            "ts": {
                "type": "integer",
                "description": "Epoch milliseconds; at most 5 minutes ahead, 3 days old.",
            },
            "type": {"type": "string", "enum": [*sorted(EVENT_TYPES), LOG]},
            **_context_properties(),
            "page": _text(256),
            "name": _text(64),
            "domain": _text(253),
            "keyword": _text(128),
            "status": {"type": "integer", "minimum": 0, "maximum": 999},
            "success": {"type": "boolean"},
            "duration_ms": {"type": "integer", "minimum": 0},
            "level": {"type": "string", "enum": list(LEVELS)},
            "message": _text(MAX_MESSAGE),
            "guid": _text(64),
        },
        "required": ["id", "ts", "type"],
    }
    return {
        "AnalyticsEvent": event,
        "AnalyticsEventBatch": {
            "type": "object",
            "properties": {
                "context": {
                    "type": "object",
                    "description": "Fields shared by every event (an event's own win).",
                    "properties": _context_properties(),
                },
                "events": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_EVENTS,
                    "items": {"$ref": f"{_REF}AnalyticsEvent"},
                },
            },
            "required": ["events"],
        },
        "AnalyticsEventBatchAccepted": {
            "type": "object",
            "properties": {
                "accepted": {"type": "integer"},
                "rejected": {"type": "integer"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "index": {"type": "integer"},
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                        "required": ["index", "field", "message"],
                    },
                },
            },
            "required": ["accepted", "rejected", "errors"],
        },
    }


def _error(*codes: str, retry_after: bool = False) -> dict[str, Any]:
    headers = dict(_NO_STORE)
    if retry_after:
        headers["Retry-After"] = {
            "required": True,
            "description": "Seconds to wait.",
            "schema": {"type": "integer"},
        }
    return {
        "description": ", ".join(f"`{code}`" for code in codes),
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": f"{_REF}Error"}}},
    }


def _events() -> dict[str, Any]:
    return {
        "operationId": "runtime_events_create",
        "tags": ["runtime"],
        "summary": "A batch of SDK events and log lines",
        "description": (
            "Authenticated like the runtime API, with the host app's SDK key (`X-MPP-App-Key`) "
            "and secret (`Authorization: Bearer <secret>`). At most "
            f"{MAX_EVENTS} events and {MAX_BODY // 1024} KB (`Content-Encoding: gzip` "
            "accepted, bounded once inflated too). Invalid events are reported by index, the "
            "others kept; a resent event (same `id` and `ts`) is stored once."
        ),
        "security": [{"runtimeAppKey": [], "runtimeSecret": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"{_REF}AnalyticsEventBatch"}}},
        },
        "responses": {
            "202": {
                "description": "Kept for storage: the counts and the refused events by index.",
                "headers": _NO_STORE,
                "content": {
                    "application/json": {"schema": {"$ref": f"{_REF}AnalyticsEventBatchAccepted"}}
                },
            },
            "400": _error("invalid", "bad_request"),
            "401": _error("unauthenticated"),
            "403": _error("key_frozen"),
            "413": _error("too_large"),
            "415": _error("unsupported_media_type"),
            "429": _error("throttled", retry_after=True),
            "503": _error("unavailable", retry_after=True),
        },
    }


def add_events_path(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: adds ``POST /runtime/v1/events``."""
    result.setdefault("paths", {})["/runtime/v1/events"] = {"post": _events()}
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
