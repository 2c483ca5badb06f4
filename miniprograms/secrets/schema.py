"""The OAuth endpoints in the OpenAPI document (a drf-spectacular postprocessing hook,
``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``).

``/oauth/v1/…`` are plain Django views (public, no API token), which drf-spectacular does not
see; this hook adds them with their own security schemes, request and answer shapes and the
error code of every refusal.
"""

from __future__ import annotations

from typing import Any

from miniprograms.secrets.models import AUTH_CODE_TTL, USER_ID_MAX
from miniprograms.secrets.oauth import ERRORS
from miniprograms.secrets.views_oauth import (
    CODE_RATE_DEFAULT,
    MAX_CREDENTIAL,
    TOKEN_RATE_DEFAULT,
)

_REF = "#/components/schemas/"
_APP_ID = {"type": "string", "pattern": "^[1-9][0-9]{15}$", "description": "16-digit App ID."}
_NO_STORE = {
    "Cache-Control": {"required": True, "schema": {"type": "string", "enum": ["no-store"]}}
}


def _credential(description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_CREDENTIAL,
        "description": description,
    }


def _schemas() -> dict[str, Any]:
    return {
        "OAuthAuthCodeRequest": {
            "type": "object",
            "properties": {
                "app_id": _APP_ID,
                "user_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": USER_ID_MAX,
                    "description": "The super app's id of its signed-in user.",
                },
            },
            "required": ["app_id", "user_id"],
        },
        "OAuthAuthCode": {
            "type": "object",
            "properties": {
                "auth_code": {"type": "string", "description": "Single use."},
                "expires_in": {"type": "integer", "description": "Seconds (600)."},
            },
            "required": ["auth_code", "expires_in"],
        },
        "OAuthTokenRequest": {
            "type": "object",
            "properties": {
                "grant_type": {
                    "type": "string",
                    "enum": ["authorization_code", "client_credentials"],
                    "default": "authorization_code",
                    "description": "`authorization_code` (with `auth_code`): a user's token; "
                    "`client_credentials` (no code): an app token for the mini program's "
                    "backend itself, which sends subscription messages to any subscribed user.",
                },
                "app_id": _APP_ID,
                "app_secret": _credential("The mini program's AppSecret."),
                "auth_code": _credential(
                    "The authCode the SDK obtained (with grant_type authorization_code)."
                ),
            },
            "required": ["app_id", "app_secret"],
        },
        "OAuthToken": {
            "type": "object",
            "properties": {
                "access_token": {"type": "string"},
                "token_type": {"type": "string", "enum": ["Bearer"]},
                "expires_in": {"type": "integer", "description": "Seconds the token lives."},
                "user_id": {
                    "type": "string",
                    "description": "This mini program's id of the user: stable, and different "
                    "in every mini program (empty for an app token).",
                },
                "app_id": {"type": "string"},
            },
            "required": ["access_token", "token_type", "expires_in", "user_id", "app_id"],
        },
        "OAuthUserInfo": {
            "type": "object",
            "properties": {
                "app_id": {"type": "string"},
                "user_id": {"type": "string", "nullable": True},
                "expires_in": {"type": "integer"},
            },
            "required": ["app_id", "user_id", "expires_in"],
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


def _body(schema: str) -> dict[str, Any]:
    ref = {"schema": {"$ref": f"{_REF}{schema}"}}
    return {
        "required": True,
        "content": {"application/json": ref, "application/x-www-form-urlencoded": ref},
    }


def _codes() -> str:
    return "\n".join(
        f"- `{code}` ({status}): {message}" for code, (status, message) in ERRORS.items()
    )


def _auth_codes() -> dict[str, Any]:
    return {
        "operationId": "oauth_auth_code_create",
        "tags": ["oauth"],
        "summary": "An authCode for the super app's signed-in user (the SDK's call)",
        "description": (
            "Authenticated like the runtime API, with the host app's SDK key (`X-MPP-App-Key`) "
            "and secret (`Authorization: Bearer <secret>`). The mini program must be released "
            "to this host app, on shelf and not taken offline there. The authCode is bound to "
            f"the mini program, the host app and the user, lives {AUTH_CODE_TTL // 60} minutes "
            f"and works once. At most {CODE_RATE_DEFAULT} requests per second per host app."
        ),
        "security": [{"runtimeAppKey": [], "runtimeSecret": []}],
        "requestBody": _body("OAuthAuthCodeRequest"),
        "responses": {
            "201": {
                "description": "The authCode.",
                "headers": _NO_STORE,
                "content": {"application/json": {"schema": {"$ref": f"{_REF}OAuthAuthCode"}}},
            },
            "400": _error("bad_request"),
            "401": _error("unauthenticated"),
            "403": _error("key_frozen", "off_shelf", "offline"),
            "404": _error("unknown_app"),
            "413": _error("too_large"),
            "415": _error("unsupported_media_type"),
            "429": _error("throttled", retry_after=True),
        },
    }


def _token() -> dict[str, Any]:
    return {
        "operationId": "oauth_token_create",
        "tags": ["oauth"],
        "summary": "Exchange an authCode for an accessToken (the merchant backend's call)",
        "description": (
            "Authenticated with the mini program's App ID and AppSecret in the body (never "
            "from a browser or the mini program itself). The authCode is consumed: of two "
            "exchanges of one code exactly one succeeds, and presenting a used code again "
            "revokes the token it gave. The token lives the mini program's access token "
            "lifetime (10 minutes unless its Owner or an Admin changed it; below 24 hours). "
            f"At most {TOKEN_RATE_DEFAULT} requests per second per App ID: above, 429 "
            "`throttled` with `Retry-After`.\n\nError codes:\n" + _codes()
        ),
        "security": [],
        "requestBody": _body("OAuthTokenRequest"),
        "responses": {
            "200": {
                "description": "The accessToken and the mini program's id of the user.",
                "headers": _NO_STORE,
                "content": {"application/json": {"schema": {"$ref": f"{_REF}OAuthToken"}}},
            },
            "400": _error("bad_request", "invalid_code", "code_used", "code_expired"),
            "401": _error("invalid_secret", "secret_not_generated"),
            "403": _error("secret_frozen"),
            "413": _error("too_large"),
            "415": _error("unsupported_media_type"),
            "429": _error("throttled", retry_after=True),
        },
    }


def _userinfo() -> dict[str, Any]:
    return {
        "operationId": "oauth_userinfo",
        "tags": ["oauth"],
        "summary": "Whose accessToken this is",
        "description": "With `Authorization: Bearer <accessToken>`: the mini program and its id "
        "of the user, and the seconds the token has left.",
        "security": [{"oauthAccessToken": []}],
        "responses": {
            "200": {
                "description": "The token's mini program and user.",
                "headers": _NO_STORE,
                "content": {"application/json": {"schema": {"$ref": f"{_REF}OAuthUserInfo"}}},
            },
            "401": _error("invalid_token"),
        },
    }


def add_oauth_paths(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: adds ``/oauth/v1/…``."""
    paths = result.setdefault("paths", {})
    paths["/oauth/v1/auth-codes"] = {"post": _auth_codes()}
    paths["/oauth/v1/token"] = {"post": _token()}
    paths["/oauth/v1/userinfo"] = {"get": _userinfo()}
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
            "oauthAccessToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "An accessToken from POST /oauth/v1/token.",
            },
        }
    )
    return result
