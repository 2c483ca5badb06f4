"""Tenant pages: the public message template library (namespace ``development``,
``/w/<slug>/development/message-templates/…``) and Settings → Message delivery, the host apps'
message endpoints (``/w/<slug>/development/message-delivery/…``)."""

from django.urls import path

from miniprograms.subscriptions import views, views_endpoints

urlpatterns = [
    path("message-templates/", views.LibraryListView.as_view(), name="message-templates"),
    path(
        "message-templates/new/",
        views.LibraryCreateView.as_view(),
        name="message-template-create",
    ),
    path(
        "message-templates/<int:template_id>/retire/",
        views.LibraryRetireView.as_view(),
        name="message-template-retire",
    ),
    path(
        "message-delivery/",
        views_endpoints.MessageDeliveryView.as_view(),
        name="message-delivery",
    ),
    path(
        "message-delivery/<int:host_app_id>/",
        views_endpoints.MessageEndpointEditView.as_view(),
        name="message-endpoint-edit",
    ),
    path(
        "message-delivery/<int:host_app_id>/rotate-secret/",
        views_endpoints.MessageEndpointRotateSecretView.as_view(),
        name="message-endpoint-rotate-secret",
    ),
    path(
        "message-delivery/<int:host_app_id>/active/",
        views_endpoints.MessageEndpointActiveView.as_view(),
        name="message-endpoint-active",
    ),
    path(
        "message-delivery/<int:host_app_id>/delete/",
        views_endpoints.MessageEndpointDeleteView.as_view(),
        name="message-endpoint-delete",
    ),
    path(
        "message-delivery/<int:host_app_id>/test/",
        views_endpoints.MessageEndpointTestView.as_view(),
        name="message-endpoint-test",
    ),
]
