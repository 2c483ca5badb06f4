"""The real-time sections of the Analytics tab and the Logs tab (inside namespace
``analytics``, under ``/w/<slug>/miniprograms/<app_id>/analytics/``)."""

from django.urls import path

from analytics import views_realtime as views

urlpatterns = [
    path("realtime/", views.RealtimeView.as_view(), name="realtime"),
    path("jsapis/", views.JsapiListView.as_view(), name="jsapis"),
    path("jsapis/<str:name>/", views.JsapiDetailView.as_view(), name="jsapi"),
    path("logs/", views.LogsView.as_view(), name="logs"),
]
