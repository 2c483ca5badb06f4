"""API routes: jsapis (inside the ``miniprograms-api`` namespace)."""

from django.urls import path

from miniprograms.jsapis import api

W = "workspaces/<slug:workspace_slug>"
MP = f"{W}/miniprograms/<appid:app_id>"

urlpatterns = [
    path(f"{W}/jsapis", api.JsapiListView.as_view(), name="jsapi-list"),
    path(f"{W}/jsapis/<int:jsapi_id>", api.JsapiDetailView.as_view(), name="jsapi-detail"),
    path(f"{W}/jsapi-features", api.FeatureListView.as_view(), name="jsapi-feature-list"),
    path(
        f"{W}/jsapi-features/<int:feature_id>",
        api.FeatureDetailView.as_view(),
        name="jsapi-feature-detail",
    ),
    path(
        f"{W}/jsapi-features/<int:feature_id>/history",
        api.FeatureHistoryView.as_view(),
        name="jsapi-feature-history",
    ),
    path(f"{W}/jsapi-access", api.AccessListView.as_view(), name="jsapi-access-list"),
    path(
        f"{W}/jsapi-access/<int:application_id>/revoke",
        api.AccessRevokeView.as_view(),
        name="jsapi-access-revoke",
    ),
    path(
        f"{MP}/jsapi-permissions",
        api.PermissionsView.as_view(),
        name="miniprogram-jsapi-permissions",
    ),
    path(
        f"{MP}/jsapi-applications",
        api.ApplicationListView.as_view(),
        name="miniprogram-jsapi-application-list",
    ),
    path(
        f"{MP}/jsapi-applications/<int:application_id>/withdraw",
        api.ApplicationWithdrawView.as_view(),
        name="miniprogram-jsapi-application-withdraw",
    ),
]
