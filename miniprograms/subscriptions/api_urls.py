"""API routes: message templates and host apps' message endpoints (inside the
``miniprograms-api`` namespace)."""

from django.urls import path

from miniprograms.subscriptions import api, api_endpoints, api_messages

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"
HOST_APP = f"{W}/host-apps/<int:host_app_id>"

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
    path(
        f"{HOST_APP}/message-endpoint",
        api_endpoints.MessageEndpointView.as_view(),
        name="host-app-message-endpoint",
    ),
    path(
        f"{HOST_APP}/message-endpoint/rotate-secret",
        api_endpoints.MessageEndpointRotateSecretView.as_view(),
        name="host-app-message-endpoint-rotate-secret",
    ),
    path(
        f"{HOST_APP}/message-endpoint/test",
        api_endpoints.MessageEndpointTestView.as_view(),
        name="host-app-message-endpoint-test",
    ),
    path(f"{MP}/messages", api_messages.MessageListView.as_view(), name="miniprogram-message-list"),
    path(
        f"{MP}/messages/<uuid:message_id>",
        api_messages.MessageDetailView.as_view(),
        name="miniprogram-message-detail",
    ),
    path(
        f"{MP}/message-stats",
        api_messages.MessageStatsView.as_view(),
        name="miniprogram-message-stats",
    ),
]
