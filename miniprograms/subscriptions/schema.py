"""Subscription messages' public endpoints in the OpenAPI document (a drf-spectacular
postprocessing hook, like ``miniprograms.secrets.schema``): the SDK's
``/runtime/v1/subscription-templates`` and ``/runtime/v1/subscriptions`` and the open API's
``/open/v1/messages``, with every refusal's code."""

from __future__ import annotations

from typing import Any

from miniprograms.secrets.models import USER_ID_MAX
from miniprograms.subscriptions.errors import ERRORS
from miniprograms.subscriptions.runtime import MAX_PER_CALL
from miniprograms.subscriptions.sending import DAILY_LIMIT, KEY_MAX, PAGE_MAX, VALUE_MAX

_REF = "#/components/schemas/"
_APP_ID = {"type": "string", "pattern": "^[1-9][0-9]{15}$", "description": "16-digit App ID."}
_NO_STORE = {
    "Cache-Control": {"required": True, "schema": {"type": "string", "enum": ["no-store"]}}
}
_KIND = {"type": "string", "enum": ["one_time", "long_term"]}
_SDK = [{"runtimeAppKey": [], "runtimeSecret": []}]


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


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": _NO_STORE,
        "content": {"application/json": {"schema": {"$ref": f"{_REF}{schema}"}}},
    }


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": _REF + schema}}}}


def _codes(*codes: str) -> str:
    return "\n".join(f"- `{code}` ({ERRORS[code][0]}): {ERRORS[code][1]}" for code in codes)


_IGNORED = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "template_id": {"type": "string"},
            "reason": {"type": "string", "enum": ["duplicate_title"]},
        },
    },
    "description": "Ids left out because their title repeats an earlier one's.",
}
_IDS = {
    "type": "array",
    "items": {"type": "string", "maxLength": 64},
    "minItems": 1,
    "maxItems": MAX_PER_CALL,
}


def _schemas() -> dict[str, Any]:
    message = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "template_id": {"type": "string"},
            "to_user_id": {"type": "string"},
            "state": {"type": "string", "enum": ["queued", "sending", "delivered", "failed"]},
            "attempts": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "delivered_at": {"type": "string", "format": "date-time", "nullable": True},
            "last_status_code": {"type": "integer", "nullable": True},
            "last_error": {"type": "string", "nullable": True},
        },
        "required": ["id", "template_id", "to_user_id", "state", "attempts", "created_at"],
    }
    return {
        "SubscriptionTemplatesRequest": {
            "type": "object",
            "properties": {"app_id": _APP_ID, "template_ids": _IDS},
            "required": ["app_id", "template_ids"],
        },
        "SubscriptionTemplates": {
            "type": "object",
            "properties": {
                "kind": _KIND,
                "templates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "template_id": {"type": "string"},
                            "title": {"type": "string"},
                            "keywords": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
                "ignored": _IGNORED,
            },
        },
        "SubscriptionAnswers": {
            "type": "object",
            "properties": {
                "app_id": _APP_ID,
                "user_id": {
                    "type": "string",
                    "maxLength": USER_ID_MAX,
                    "description": "The super app's id of its user.",
                },
                "results": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "enum": ["accept", "reject"]},
                    "description": f"Template id → the user's answer (at most {MAX_PER_CALL}).",
                },
            },
            "required": ["app_id", "user_id", "results"],
        },
        "SubscriptionRecorded": {
            "type": "object",
            "properties": {
                "user_id": {
                    "type": "string",
                    "description": "The mini program's id of the user (what its backend "
                    "sends to; the same as /oauth/v1/token gives).",
                },
                "kind": _KIND,
                "results": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "template_id": {"type": "string"},
                            "title": {"type": "string"},
                            "status": {"type": "string", "enum": ["accepted", "rejected"]},
                            "credits": {
                                "type": "integer",
                                "description": "One-time: messages the answers allow now.",
                            },
                        },
                    },
                },
                "ignored": _IGNORED,
            },
        },
        "MessageSendRequest": {
            "type": "object",
            "properties": {
                "template_id": {"type": "string", "description": "A My Template's id."},
                "to_user_id": {
                    "type": "string",
                    "description": "The mini program's id of the user.",
                },
                "data": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "maxLength": VALUE_MAX},
                    "description": "Keyword name → value, one for every keyword of the "
                    f"template; each 1–{VALUE_MAX} characters, no control characters.",
                },
                "page": {
                    "type": "string",
                    "maxLength": PAGE_MAX,
                    "description": "The page the notification opens, e.g. "
                    "pages/order/detail?id=42.",
                },
            },
            "required": ["template_id", "to_user_id", "data"],
        },
        "Message": message,
        "MessageSent": {
            "allOf": [{"$ref": f"{_REF}Message"}],
            "type": "object",
            "properties": {
                "duplicate": {
                    "type": "boolean",
                    "description": "True when the Idempotency-Key named an earlier message "
                    "(nothing was sent again).",
                },
                "quota": {
                    "type": "object",
                    "description": "Long-term templates: today's quota for this user.",
                    "properties": {
                        "limit": {"type": "integer", "enum": [DAILY_LIMIT]},
                        "remaining": {"type": "integer"},
                        "resets_at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    }


SEND_CODES = (
    "bad_request",
    "invalid_token",
    "unknown_template",
    "invalid_data",
    "invalid_page",
    "token_user_mismatch",
    "not_subscribed",
    "subscription_used",
    "subscription_withdrawn",
    "daily_limit",
    "endpoint_not_configured",
    "idempotency_conflict",
)


def add_subscription_paths(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: adds the subscription messages' public paths."""
    paths = result.setdefault("paths", {})
    sdk_codes = ("unknown_app", "off_shelf", "offline", "no_templates", "too_many_templates")
    paths["/runtime/v1/subscription-templates"] = {
        "post": {
            "operationId": "runtime_subscription_templates",
            "tags": ["subscription-messages"],
            "summary": "What a subscribe pop-up shows (the SDK's call)",
            "description": (
                "Both SDK calls share a rate of 500 per second per host app (429 `throttled`, "
                f"`MPP_SUBSCRIBE_RATE`). At most {MAX_PER_CALL} ids; one-time and long-term "
                "never mixed; ids whose titles repeat keep the first.\n\nError codes:\n"
                + _codes(*sdk_codes, "mixed_kinds", "unknown_template")
            ),
            "security": _SDK,
            "requestBody": _body("SubscriptionTemplatesRequest"),
            "responses": {
                "200": _ok("The templates, keywords in order.", "SubscriptionTemplates"),
                "400": _error("bad_request", "no_templates", "too_many_templates", "mixed_kinds"),
                "401": _error("unauthenticated"),
                "403": _error("key_frozen", "off_shelf", "offline"),
                "404": _error("unknown_app", "unknown_template"),
                "413": _error("too_large"),
                "415": _error("unsupported_media_type"),
                "429": _error("throttled", retry_after=True),
            },
        }
    }
    paths["/runtime/v1/subscriptions"] = {
        "post": {
            "operationId": "runtime_subscriptions_record",
            "tags": ["subscription-messages"],
            "summary": "Record a user's answers to a subscribe pop-up (the SDK's call)",
            "description": (
                "A one-time accept adds one sending credit; a long-term accept lasts until the "
                "user rejects it again (withdraws). Same rules as the pop-up's call."
            ),
            "security": _SDK,
            "requestBody": _body("SubscriptionAnswers"),
            "responses": {
                "200": _ok("What was recorded.", "SubscriptionRecorded"),
                "400": _error(
                    "bad_request", "too_many_templates", "mixed_kinds", "invalid_decision"
                ),
                "401": _error("unauthenticated"),
                "403": _error("key_frozen", "off_shelf", "offline"),
                "404": _error("unknown_app", "unknown_template"),
                "413": _error("too_large"),
                "415": _error("unsupported_media_type"),
                "429": _error("throttled", retry_after=True),
            },
        }
    }
    paths["/open/v1/messages"] = {
        "post": {
            "operationId": "open_message_send",
            "tags": ["subscription-messages"],
            "summary": "Send a subscription message (the merchant backend's call)",
            "description": (
                "With an accessToken of the mini program (`grant_type=client_credentials` for "
                "any subscribed user, or the user's own). One-time: one message per accept. "
                f"Long-term: at most {DAILY_LIMIT} per user per template per UTC day. Queued "
                "(202) and delivered by a worker to the host app's message endpoint. Send an "
                f"`Idempotency-Key` header (≤ {KEY_MAX} printable ASCII characters) and a retry "
                "never sends twice.\n\nError codes:\n" + _codes(*SEND_CODES)
            ),
            "security": [{"oauthAccessToken": []}],
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "maxLength": KEY_MAX},
                }
            ],
            "requestBody": _body("MessageSendRequest"),
            "responses": {
                "202": _ok("Queued.", "MessageSent"),
                "200": _ok("The earlier message of this Idempotency-Key.", "MessageSent"),
                "400": _error("bad_request", "invalid_data", "invalid_page"),
                "401": _error("invalid_token"),
                "403": _error(
                    "token_user_mismatch",
                    "not_subscribed",
                    "subscription_used",
                    "subscription_withdrawn",
                ),
                "404": _error("unknown_template"),
                "409": _error("endpoint_not_configured", "idempotency_conflict"),
                "413": _error("too_large"),
                "415": _error("unsupported_media_type"),
                "429": _error("daily_limit", retry_after=True),
            },
        }
    }
    paths["/open/v1/messages/{message_id}"] = {
        "get": {
            "operationId": "open_message_get",
            "tags": ["subscription-messages"],
            "summary": "A sent message's delivery state",
            "security": [{"oauthAccessToken": []}],
            "parameters": [
                {
                    "name": "message_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "format": "uuid"},
                }
            ],
            "responses": {
                "200": _ok("The message.", "Message"),
                "401": _error("invalid_token"),
                "404": _error("not_found"),
            },
        }
    }
    result.setdefault("components", {}).setdefault("schemas", {}).update(_schemas())
    return result
