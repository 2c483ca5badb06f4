"""``/api/v1/``: the mini programs API (namespace ``miniprograms-api``; miniprograms/api/).

No trailing slashes, like the tenancy API. Path parameters use the console's names
(``workspace_slug``, ``app_id``, ``host_app_id``, ``user_id``, ``tester_id``) so the isolation
sweep can fill them; mini programs are addressed by their public App ID.
"""

from django.urls import path

from miniprograms.api import hosted, industries, lifecycle, members, programs
from miniprograms.domains import api_urls as domains_api_urls
from miniprograms.envvars import api_urls as envvars_api_urls
from miniprograms.jsapis import api_urls as jsapis_api_urls
from miniprograms.secrets import api_urls as secrets_api_urls
from miniprograms.subscriptions import api_urls as subscriptions_api_urls

app_name = "miniprograms-api"

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"

urlpatterns = [
    path("industries", industries.IndustryListView.as_view(), name="industry-list"),
    path(f"{W}/miniprograms", programs.MiniProgramListView.as_view(), name="miniprogram-list"),
    path(MP, programs.MiniProgramDetailView.as_view(), name="miniprogram-detail"),
    path(f"{MP}/shelf", lifecycle.MiniProgramShelfView.as_view(), name="miniprogram-shelf"),
    path(
        f"{MP}/host-apps/<int:host_app_id>/offline",
        lifecycle.MiniProgramHostAppOfflineView.as_view(),
        name="miniprogram-host-app-offline",
    ),
    # --- members ---
    path(
        f"{MP}/developers",
        members.MiniProgramDeveloperListView.as_view(),
        name="miniprogram-developer-list",
    ),
    path(
        f"{MP}/developers/<int:user_id>",
        members.MiniProgramDeveloperDetailView.as_view(),
        name="miniprogram-developer-detail",
    ),
    path(
        f"{MP}/testers",
        members.MiniProgramTesterListView.as_view(),
        name="miniprogram-tester-list",
    ),
    path(
        f"{MP}/testers/<int:tester_id>",
        members.MiniProgramTesterDetailView.as_view(),
        name="miniprogram-tester-detail",
    ),
    # --- a tenant's mini programs from developers (read-only) ---
    path(
        f"{W}/hosted-miniprograms",
        hosted.HostedMiniProgramListView.as_view(),
        name="hosted-miniprogram-list",
    ),
    path(
        f"{W}/hosted-miniprograms/<appid:app_id>",
        hosted.HostedMiniProgramDetailView.as_view(),
        name="hosted-miniprogram-detail",
    ),
]

# Development settings (issue 12): each feature lists its own routes.
urlpatterns += [
    *domains_api_urls.urlpatterns,
    *jsapis_api_urls.urlpatterns,
    *secrets_api_urls.urlpatterns,
    *envvars_api_urls.urlpatterns,
    *subscriptions_api_urls.urlpatterns,
]
