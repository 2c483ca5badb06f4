"""The SDK's subscribe calls, under the runtime API's prefix ``/runtime/v1/`` (namespace
``subscriptions-runtime``)."""

from django.urls import path

from miniprograms.subscriptions import views_open

app_name = "subscriptions-runtime"

urlpatterns = [
    path(
        "subscription-templates",
        views_open.subscription_templates,
        name="subscription-templates",
    ),
    path("subscriptions", views_open.subscriptions, name="subscriptions"),
]
