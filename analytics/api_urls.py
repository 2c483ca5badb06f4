"""``/api/v1/`` routes of analytics: each part contributes its own."""

from django.urls import include, path

urlpatterns = [
    path("", include("analytics.api_urls_reports")),
    path("", include("analytics.api_urls_realtime")),
    path("", include("analytics.alerts.api_urls")),
    path("", include("analytics.guardrails.api_urls")),
]
