"""The Analytics tab's T+1 pages, under ``/w/<slug>/miniprograms/<app_id>/analytics/``."""

from django.urls import path

from analytics import views_reports

urlpatterns = [
    path("", views_reports.OverviewView.as_view(), name="overview"),
    path("export.xlsx", views_reports.ExportView.as_view(), name="export"),
]
