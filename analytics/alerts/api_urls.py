"""``/api/v1/`` routes of alerts (no namespace: ``analytics.api_urls`` has none)."""

from django.urls import path

from analytics.alerts import api

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"

urlpatterns = [
    path(f"{MP}/analytics/alerts", api.AlertListView.as_view(), name="analytics-alert-list"),
    path(
        f"{MP}/analytics/alerts/<int:alert_id>",
        api.AlertDetailView.as_view(),
        name="analytics-alert-detail",
    ),
    path(
        f"{MP}/analytics/alerts/<int:alert_id>/mute",
        api.AlertMuteView.as_view(),
        name="analytics-alert-mute",
    ),
    path(
        f"{MP}/analytics/alerts/<int:alert_id>/acknowledge",
        api.AlertAcknowledgeView.as_view(),
        name="analytics-alert-acknowledge",
    ),
    path(
        f"{MP}/analytics/alert-rules",
        api.AlertRuleListView.as_view(),
        name="analytics-alert-rule-list",
    ),
    path(
        f"{MP}/analytics/alert-rules/<str:metric>",
        api.AlertRuleDetailView.as_view(),
        name="analytics-alert-rule-detail",
    ),
    path(
        f"{MP}/analytics/alert-history",
        api.AlertHistoryView.as_view(),
        name="analytics-alert-history",
    ),
    path(
        f"{W}/analytics/alerts",
        api.WorkspaceAlertListView.as_view(),
        name="analytics-workspace-alerts",
    ),
]
