"""``/api/v1/`` routes of the T+1 reports."""

from django.urls import path

from analytics import api_reports

W = "workspaces/<slug:workspace_slug>"

urlpatterns = [
    path(
        f"{W}/miniprograms/<appid:app_id>/analytics/daily",
        api_reports.SeriesView.as_view(),
        name="analytics-daily",
    ),
    path(f"{W}/analytics/visits", api_reports.VisitListView.as_view(), name="analytics-visits"),
]
