"""API routes: message templates (inside the ``miniprograms-api`` namespace)."""

from django.urls import path

from miniprograms.subscriptions import api

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"

urlpatterns = [
    path(f"{W}/public-templates", api.LibraryListView.as_view(), name="public-template-list"),
    path(
        f"{W}/public-templates/<int:public_template_id>",
        api.LibraryDetailView.as_view(),
        name="public-template-detail",
    ),
    path(
        f"{MP}/public-templates",
        api.MiniProgramLibraryView.as_view(),
        name="miniprogram-public-template-list",
    ),
    path(
        f"{MP}/message-templates",
        api.MyTemplateListView.as_view(),
        name="miniprogram-message-template-list",
    ),
    path(
        f"{MP}/message-templates/<str:template_id>",
        api.MyTemplateDetailView.as_view(),
        name="miniprogram-message-template-detail",
    ),
]
