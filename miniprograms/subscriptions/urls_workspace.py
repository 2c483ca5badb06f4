"""Tenant pages: the public message template library (namespace ``development``,
``/w/<slug>/development/message-templates/…``)."""

from django.urls import path

from miniprograms.subscriptions import views

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
]
