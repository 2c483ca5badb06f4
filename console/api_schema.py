"""The OpenAPI document's shared parts: the errors the plumbing answers, and optional fields.

Kept apart from ``console.api``: drf-spectacular's schema class imports DRF's views, which
read the API settings that name ``console.api.Pagination`` (an import cycle otherwise).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers

from console.api import ErrorSerializer
from console.throttles import SAFE_METHODS, WriteRateThrottle


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema plus the error answers that the plumbing gives, so that every
    operation documents every status code it can answer (each with the error shape):

    - 401 unless the view allows anonymous callers;
    - 400 when the operation reads query parameters or a body (invalid input, a page that is
      not a whole number from 1); when it reads a body, 413 (larger than
      ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and 415 (a media type it does not parse);
    - 404 when the path names an object, or the list is paginated (a page past the last);
    - 429 when a throttle of the view counts the method (the write throttle: not reads).

    Answers particular to one operation (403, 409, 413, a service's 429) are declared on it.
    """

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        where = {parameter["in"] for parameter in parameters}
        names = {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
        codes: set[int] = set()
        if not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            codes.add(401)
        if "query" in where or "requestBody" in operation:
            codes.add(400)
        if "requestBody" in operation:
            codes |= {413, 415}
        if "path" in where or "page" in names:
            codes.add(404)
        if any(self._throttles_method(throttle, method) for throttle in self.view.get_throttles()):
            codes.add(429)
        responses = operation["responses"]
        for code in codes - {int(c) for c in responses if c.isdigit()}:
            responses[str(code)] = self._get_response_for_code(ErrorSerializer, str(code))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    @staticmethod
    def _throttles_method(throttle: Any, method: str) -> bool:
        # The write throttle lets reads through (console.throttles).
        return not (isinstance(throttle, WriteRateThrottle) and method.upper() in SAFE_METHODS)


@extend_schema_field({"type": "string", "anyOf": [{"format": "email"}, {"enum": [""]}]})
class OptionalEmailField(serializers.CharField):
    """An email address, or an empty string when none is set (never null)."""


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"enum": [""]}]})
class OptionalURLField(serializers.CharField):
    """A URL, or an empty string when none is set (never null)."""
