"""``/api/v1/`` routes of the real-time figures, JSAPI calls and the log query. Path
parameters use the console's names (``workspace_slug``, ``app_id``) so the isolation sweep can
fill them."""

from django.urls import path

from analytics import api_realtime

MP = "workspaces/<slug:workspace_slug>/miniprograms/<appid:app_id>"

urlpatterns = [
    path(
        f"{MP}/analytics/realtime", api_realtime.RealtimeView.as_view(), name="analytics-realtime"
    ),
    path(
        f"{MP}/analytics/realtime/jsapis",
        api_realtime.JsapiListView.as_view(),
        name="analytics-realtime-jsapis",
    ),
    path(
        f"{MP}/analytics/realtime/jsapis/<str:name>",
        api_realtime.JsapiDetailView.as_view(),
        name="analytics-realtime-jsapi",
    ),
    path(f"{MP}/logs", api_realtime.LogListView.as_view(), name="analytics-logs"),
]
