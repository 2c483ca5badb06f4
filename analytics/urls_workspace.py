"""The workspace Analytics page (every mini program's PV, UV, DoD): ``/w/<slug>/analytics/``."""

from django.urls import path  # noqa: F401

app_name = "analytics_workspace"

urlpatterns: list = []
