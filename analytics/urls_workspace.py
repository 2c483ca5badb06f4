"""The workspace Analytics page (every mini program's PV, UV, DoD): ``/w/<slug>/analytics/``."""

from django.urls import path

from analytics import views_reports
from analytics.alerts import views as alerts_views

app_name = "analytics_workspace"

urlpatterns = [
    path("", views_reports.WorkspaceVisitsView.as_view(), name="list"),
    path("alerts/", alerts_views.WorkspaceAlertsView.as_view(), name="alerts"),  # issue 15
]
