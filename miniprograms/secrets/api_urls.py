"""API routes: the AppSecret (inside the ``miniprograms-api`` namespace)."""

from django.urls import path

from miniprograms.secrets import api

MP = "workspaces/<slug:workspace_slug>/miniprograms/<appid:app_id>"

urlpatterns = [
    path(f"{MP}/app-secret", api.AppSecretView.as_view(), name="appsecret"),
    path(f"{MP}/app-secret/reset", api.AppSecretResetView.as_view(), name="appsecret-reset"),
    path(f"{MP}/app-secret/freeze", api.AppSecretFreezeView.as_view(), name="appsecret-freeze"),
    path(
        f"{MP}/app-secret/unfreeze",
        api.AppSecretUnfreezeView.as_view(),
        name="appsecret-unfreeze",
    ),
]
