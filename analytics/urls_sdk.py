"""The SDK's analytics endpoint, under the runtime API's prefix ``/runtime/v1/``."""

from django.urls import path

from analytics import views_sdk

app_name = "analytics_sdk"

urlpatterns = [
    path("events", views_sdk.events, name="events"),
]
