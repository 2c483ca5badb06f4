"""``Authorization: Bearer mpp_<prefix>_<secret>``: personal API tokens for the REST API.

The console's own JavaScript uses the session instead (SessionAuthentication comes second in
``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``). Because this class comes first, its
``authenticate_header`` makes every unauthenticated API call a 401 with
``WWW-Authenticate: Bearer realm="api"`` rather than a 403.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from console.clientip import client_ip
from workspaces.models import ApiToken, User
from workspaces.services.tokens import TokenRejected, token_authenticate

logger = logging.getLogger(__name__)

KEYWORD = b"bearer"
REALM = "api"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None  # no bearer credentials: let the session try
        if len(parts) != 2:
            self._fail(TokenRejected("token_invalid", "Invalid API token."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            self._fail(TokenRejected("token_invalid", "Invalid API token."))
        try:
            token = token_authenticate(raw=raw, ip=client_ip(request._request))
        except TokenRejected as exc:
            self._fail(exc)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{REALM}"'

    @staticmethod
    def _fail(exc: TokenRejected) -> NoReturn:
        logger.info("API token rejected: %s", exc.code)
        raise AuthenticationFailed(detail=exc.message, code=exc.code)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Declares the bearer scheme in the OpenAPI document (and Swagger UI's Authorize box)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "mpp_<prefix>_<secret>",
            "description": (
                "A personal API token from Account → API tokens (or "
                "`manage.py create_api_token`), sent as `Authorization: Bearer <token>`."
            ),
        }
