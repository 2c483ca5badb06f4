"""The Alerts section of the Analytics tab (inside the ``analytics`` namespace):
``/w/<slug>/miniprograms/<app_id>/analytics/alerts/…``."""

from django.urls import path

from analytics.alerts import views

urlpatterns = [
    path("alerts/", views.AlertsView.as_view(), name="alerts"),
    path("alerts/rules/<str:metric>/", views.AlertRuleEditView.as_view(), name="alert-rule-edit"),
    path(
        "alerts/rules/<str:metric>/reset/",
        views.AlertRuleResetView.as_view(),
        name="alert-rule-reset",
    ),
    path("alerts/<int:alert_id>/mute/", views.AlertMuteView.as_view(), name="alert-mute"),
    path("alerts/<int:alert_id>/unmute/", views.AlertUnmuteView.as_view(), name="alert-unmute"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
]
