"""A mini program's Analytics and Logs tabs: ``/w/<slug>/miniprograms/<app_id>/analytics/…``."""

from django.urls import include, path

app_name = "analytics"

urlpatterns = [
    path("", include("analytics.urls_reports")),  # T+1: the Analytics tab, charts, export
    path("", include("analytics.urls_realtime")),  # real-time figures, JSAPI counts, logs
    path("", include("analytics.alerts.urls")),  # alert rules and history
    path("", include("analytics.guardrails.urls")),  # a grayscale task's guardrail settings
]
