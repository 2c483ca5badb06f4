"""``/api/v1/`` endpoints of the workspaces app."""

from django.urls import path

from workspaces import api

app_name = "workspaces-api"

urlpatterns = [
    path("me", api.MeView.as_view(), name="me"),
    path("tokens", api.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:id>", api.TokenDetailView.as_view(), name="token-detail"),
]
