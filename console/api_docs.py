"""``/api/docs/``: drf-spectacular's Swagger UI under the console's Content-Security-Policy.

The page has one inline ``<style>`` and one inline ``<script>`` (the UI's configuration); the
template gives both the per-response nonce (``request.csp_nonce``), which the security headers
middleware then adds to this one answer's policy. The global policy stays ``script-src 'self'``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.request import Request


class ApiDocsView(SpectacularSwaggerView):
    template_name = "console/api_docs.html"

    @extend_schema(exclude=True)
    def options(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        # DRF's default describes the view through its renderer: an HTML template it lacks (500).
        return HttpResponse(status=200)
