"""DRF classes that ``APIView`` itself loads from ``REST_FRAMEWORK`` (parser, metadata).

``APIView``'s class body reads ``DEFAULT_PARSER_CLASSES`` and ``DEFAULT_METADATA_CLASS``, so this
module is imported while ``rest_framework.views`` is still half-built: it must not import that
module or anything that does (``console.api``, drf-spectacular).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers
from rest_framework.metadata import SimpleMetadata


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested too deeply to decode is a 400, not a 500.

    Python's decoder recurses once per nesting level and gives up with ``RecursionError`` (not a
    ``ValueError``, which DRF turns into a 400) near the interpreter's recursion limit.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context=None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from exc


class Metadata(SimpleMetadata):
    """``OPTIONS``: the view's name, what it renders and parses, and ``Allow``; no ``actions``.

    DRF's default also describes the PUT/POST body, and to do so calls the view's
    ``get_object()`` and ``get_serializer()`` outside the view's own ``access_*`` check; views
    whose object comes from ``authz`` (not a ``queryset``) answered 500. The bodies are
    described, per method and truthfully, by the OpenAPI schema (``/api/schema/``).
    """

    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        return {}
