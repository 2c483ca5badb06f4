"""API routes: server domains and WAP URLs (inside the ``miniprograms-api`` namespace)."""

from django.urls import path

from miniprograms.domains import api

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"

urlpatterns = [
    path(f"{MP}/domains", api.MiniProgramDomainsView.as_view(), name="miniprogram-domains"),
    path(
        f"{MP}/domains/restriction",
        api.MiniProgramDomainRestrictionView.as_view(),
        name="miniprogram-domain-restriction",
    ),
    path(
        f"{MP}/domains/skip-verification",
        api.MiniProgramDomainSkipView.as_view(),
        name="miniprogram-domain-skip",
    ),
    path(
        f"{W}/domain-edit-grants",
        api.DomainEditGrantListView.as_view(),
        name="domain-edit-grant-list",
    ),
    path(
        f"{W}/domain-edit-grants/<int:grant_id>",
        api.DomainEditGrantDetailView.as_view(),
        name="domain-edit-grant-detail",
    ),
    path(
        f"{W}/domain-verification-skips",
        api.DomainSkipListView.as_view(),
        name="domain-skip-list",
    ),
    path(
        f"{W}/domain-verification-skips/<int:skip_id>",
        api.DomainSkipDetailView.as_view(),
        name="domain-skip-detail",
    ),
]
