"""API plumbing shared by every app: the one error shape and pagination.

Every error body is ``{"error": {"code", "message", "request_id", "fields"?}}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from console import context

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(
    *, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": context.current_request_id(),
    }
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_response(
    *, status_code: int, message: str, code: str | None = None, fields=None
) -> JsonResponse:
    """A plain Django JSON error (for 404/500 under /api/ and non-DRF endpoints)."""
    return JsonResponse(
        error_body(code=code or _CODES.get(status_code, "error"), message=message, fields=fields),
        status=status_code,
    )


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        out: list[str] = []
        for item in detail:
            out.extend(_flatten(item))
        return out
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            out.extend(f"{key}: {msg}" for msg in _flatten(value))
        return out
    return [str(detail)]


def exception_handler(exc: Exception, ctx: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # A service refused the request with a business rule: that is a 400 with its message.
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, ctx)
    if response is None:
        return None  # unexpected: Django's 500 handler answers with the same shape

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: _flatten(v) for k, v in detail.items()}
            non_field = fields.pop("non_field_errors", None)
            message = " ".join(non_field) if non_field else "Some fields are invalid."
            if not fields and non_field:
                fields = None
        else:
            fields, message = None, " ".join(_flatten(detail))
        response.data = error_body(code="invalid", message=message, fields=fields)
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or _CODES.get(response.status_code, "error")
        response.data = error_body(code=str(code), message=" ".join(_flatten(detail)))
    return response


class Pagination(PageNumberPagination):
    """Page-number pagination with a stable order (each list view orders by a unique key)."""

    page_size_query_param = "page_size"
    max_page_size = 200
