"""``/api/v1/``: the mini programs API (namespace ``miniprograms-api``; miniprograms/api.py).

No trailing slashes, like the tenancy API. Path parameters use the console's names
(``workspace_slug``, ``app_id``, ``host_app_id``, ``user_id``, ``tester_id``) so the isolation
sweep can fill them; mini programs are addressed by their public App ID.
"""

from django.urls import path

from miniprograms import api

app_name = "miniprograms-api"

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"

urlpatterns = [
    path("industries", api.IndustryListView.as_view(), name="industry-list"),
    path(f"{W}/miniprograms", api.MiniProgramListView.as_view(), name="miniprogram-list"),
    path(MP, api.MiniProgramDetailView.as_view(), name="miniprogram-detail"),
    path(f"{MP}/shelf", api.MiniProgramShelfView.as_view(), name="miniprogram-shelf"),
    path(
        f"{MP}/host-apps/<int:host_app_id>/offline",
        api.MiniProgramHostAppOfflineView.as_view(),
        name="miniprogram-host-app-offline",
    ),
    # --- members ---
    path(
        f"{MP}/developers",
        api.MiniProgramDeveloperListView.as_view(),
        name="miniprogram-developer-list",
    ),
    path(
        f"{MP}/developers/<int:user_id>",
        api.MiniProgramDeveloperDetailView.as_view(),
        name="miniprogram-developer-detail",
    ),
    path(f"{MP}/testers", api.MiniProgramTesterListView.as_view(), name="miniprogram-tester-list"),
    path(
        f"{MP}/testers/<int:tester_id>",
        api.MiniProgramTesterDetailView.as_view(),
        name="miniprogram-tester-detail",
    ),
]
