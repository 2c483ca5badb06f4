"""``/api/v1/``: the mini programs API (namespace ``miniprograms-api``)."""

from django.urls import path  # noqa: F401

app_name = "miniprograms-api"

W = "workspaces/<slug:workspace_slug>"

urlpatterns: list = []
