"""API plumbing shared by every app: the one error shape and pagination.

Every error body is ``{"error": {"code", "message", "request_id", "fields"?}}``.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, JsonResponse, QueryDict
from rest_framework import exceptions, serializers
from rest_framework.fields import empty
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from console import context
from console.limits import LimitReached
from console.paging import IdsFirstPaginator

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
    if isinstance(exc, LimitReached):  # a service's per-user limit (console/limits.py): 429
        body = error_body(code="throttled", message=" ".join(exc.messages))
        return Response(body, status=429, headers={"Retry-After": str(exc.retry_after)})
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
        fields: dict[str, list[str]] | None
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
    """Page-number pagination with a stable order (each list view orders by a unique key).

    As strict as the schema says: ``page`` is a whole number from 1 and ``page_size`` one from 1
    to ``max_page_size``; anything else (``page=0``, ``page_size=abc``) is a 400 naming the
    parameter. A page past the last is a 404; the first page always exists, even empty.
    """

    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        self.request = request
        errors: dict[str, list[str]] = {}
        size = _whole_number(
            request, self.page_size_query_param, self.max_page_size, self.page_size, errors
        )
        number = _whole_number(request, self.page_query_param, None, 1, errors)
        if errors:
            raise exceptions.ValidationError(errors)
        paginator = self.make_paginator(queryset, size, view)
        try:
            self.page = paginator.page(number)
        except EmptyPage:
            raise exceptions.NotFound(
                f"There is no page {number}; the last page is {paginator.num_pages}."
            ) from None
        return list(self.page)

    def make_paginator(self, queryset: Any, size: int, view: Any) -> Paginator:
        return self.django_paginator_class(queryset, size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1. A page past the last answers 404.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1–{self.max_page_size} "
                f"(default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


class IdsFirstPagination(Pagination):
    """:class:`Pagination` for the long lists (``pagination_class`` of their views): the
    page's ids first (``console.paging.IdsFirstPaginator``, with the view's ``load_page``, if
    it has one, adding what the rows show to the page's query alone), and ``count`` read from
    the page when the page tells it — a page that is not full is the last one — so only a
    full page (or one past the last) runs ``COUNT``."""

    def make_paginator(self, queryset: Any, size: int, view: Any) -> Paginator:
        return IdsFirstPaginator(
            queryset, size, load=getattr(view, "load_page", None), count_from_page=True
        )


_WHOLE_NUMBER = re.compile(r"[0-9]+")  # ASCII digits only (str.isdigit() accepts "²")


def _whole_number(
    request: Any, name: str, maximum: int | None, default: int, errors: dict[str, list[str]]
) -> int:
    """The query parameter ``name`` as an int from 1 (to ``maximum``); ``default`` when absent.
    An invalid value adds a message to ``errors`` (and returns ``default``)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = 0
    if _WHOLE_NUMBER.fullmatch(raw):  # a number too long to be a page is past every maximum
        value = int(raw) if len(raw) <= 18 else 10**18
    if value < 1 or (maximum is not None and value > maximum):
        upper = f" to {maximum}" if maximum is not None else ""
        errors[name] = [f"Give a whole number from 1{upper}."]
        return default
    return value


# --- The OpenAPI document -----------------------------------------------------------------------


class _ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: token_expired, not_found…")
    message = serializers.CharField(help_text="For people.")
    request_id = serializers.CharField(help_text="Also in the X-Request-ID response header.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages of a validation error.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (documentation only: ``error_body`` builds it)."""

    error = _ErrorDetailSerializer()


class QuerySerializer(serializers.Serializer):
    """Query-string parameters, read as the schema declares them: an empty value is a value, as
    in a JSON body (``?shelf=`` is not a valid choice, not "no filter"). DRF reads a
    ``QueryDict`` like an HTML form, where an empty optional field counts as not sent — a
    leniency the OpenAPI document cannot state."""

    def __init__(self, instance: Any = None, data: Any = empty, **kwargs: Any) -> None:
        if isinstance(data, QueryDict):
            data = data.dict()  # the last value of a repeated parameter, as QueryDict.get
        super().__init__(instance, data=data, **kwargs)


# The largest primary key a row can have (a bigint). An id past it names nothing, and some
# lookups (IN, joins) would overflow the database's integer instead of finding nothing.
ID_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of a row in input: a whole number from 1 to ``ID_MAX`` (else a 400, never a 500)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)
