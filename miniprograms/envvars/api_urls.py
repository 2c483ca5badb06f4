"""API routes: environment variables (inside the ``miniprograms-api`` namespace)."""

from django.urls import path

from miniprograms.envvars import api

MP = "workspaces/<slug:workspace_slug>/miniprograms/<appid:app_id>"

urlpatterns = [
    path(
        f"{MP}/environment-variables",
        api.EnvironmentVariableListView.as_view(),
        name="envvar-list",
    ),
    path(
        f"{MP}/environment-variables/<str:environment>",
        api.EnvironmentVariableDetailView.as_view(),
        name="envvar-detail",
    ),
]
