"""The refusals of the subscription messages' public endpoints (the SDK's subscribe calls and
the merchant backend's send), each with its own code, HTTP status and sentence. The endpoints
answer them in the API's one error shape with the request id (``console.api.error_body``)."""

from __future__ import annotations

# code -> (HTTP status, message)
ERRORS: dict[str, tuple[int, str]] = {
    "bad_request": (400, "The request is malformed."),
    "too_large": (413, "The body is too large."),
    "unsupported_media_type": (415, "Send the body as application/json."),
    "unauthenticated": (401, "A missing or wrong SDK key or secret."),
    "key_frozen": (
        403,
        "This host app's SDK key is frozen: the tenant's owner or an admin can unfreeze it on "
        "the host app page.",
    ),
    "invalid_token": (401, "A missing, unknown, expired or revoked accessToken."),
    "unknown_app": (404, "No mini program with this App ID is released to this host app."),
    "off_shelf": (403, "This mini program is off shelf."),
    "offline": (403, "This mini program was taken offline from this host app."),
    "no_templates": (400, "Name at least one template id."),
    "too_many_templates": (400, "At most 3 template ids can be subscribed in one call."),
    "mixed_kinds": (
        400,
        "One-time and long-term templates cannot be subscribed in one call: ask for each kind "
        "separately.",
    ),
    "unknown_template": (
        404,
        "“%(template_id)s” is not a message template of this mini program for this host app.",
    ),
    "invalid_decision": (
        400,
        "The answer for “%(template_id)s” must be “accept” or “reject”.",
    ),
    "invalid_data": (400, "%(detail)s"),
    "invalid_page": (400, "%(detail)s"),
    "token_user_mismatch": (
        403,
        "This accessToken was issued for another user: send with an app accessToken "
        "(grant_type=client_credentials) or with the recipient's own.",
    ),
    "not_subscribed": (
        403,
        "This user has not subscribed to this template (no accepted subscription).",
    ),
    "subscription_used": (
        403,
        "This one-time subscription was already used: each accept allows one message. Ask the "
        "user to subscribe again.",
    ),
    "subscription_withdrawn": (
        403,
        "The user withdrew this long-term subscription.",
    ),
    "daily_limit": (
        429,
        "This user already got 5 messages of this long-term template today (UTC); the quota "
        "resets at 00:00 UTC.",
    ),
    "endpoint_not_configured": (
        409,
        "The host app this user subscribed in has no message endpoint turned on: its tenant "
        "sets one up under Settings › Message delivery.",
    ),
    "idempotency_conflict": (
        409,
        "This Idempotency-Key was already used for a different message: use a new key for a "
        "new message.",
    ),
    "throttled": (429, "Too many subscribe calls for this host app: at most %(limit)s per second."),
    "not_found": (404, "No message with this id was sent by this mini program."),
}


class SubscriptionError(Exception):
    """A refusal with its code; ``params`` fill the sentence."""

    def __init__(self, code: str, message: str | None = None, **params: str) -> None:
        status, default = ERRORS[code]
        text = message or (default % params if params else default)
        super().__init__(text)
        self.code, self.status, self.message = code, status, text
