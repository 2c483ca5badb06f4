"""The open API for mini programs' backends, ``/open/v1/`` (namespace ``open``): subscription
messages, authenticated with an accessToken of the mini program."""

from django.urls import path

from miniprograms.subscriptions import views_open

app_name = "open"

urlpatterns = [
    path("messages", views_open.send_message, name="messages"),
    path("messages/<str:message_id>", views_open.message_detail, name="message"),
]
