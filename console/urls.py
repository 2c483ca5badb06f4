from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from console import health
from console.api_docs import ApiDocsView

handler400 = "console.views.bad_request"
handler403 = "console.views.permission_denied"
handler404 = "console.views.page_not_found"
handler500 = "console.views.server_error"

urlpatterns = [
    path("", include("console.urls_shell")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("workspaces.urls_accounts")),
    path("invitations/", include("workspaces.urls_invitations")),
    path("welcome/", include("workspaces.urls_onboarding")),
    path("w/<slug:workspace_slug>/", include("workspaces.urls_workspace")),
    path("miniprograms/", include("miniprograms.urls_all")),
    path("w/<slug:workspace_slug>/miniprograms/", include("miniprograms.urls")),
    path(
        "w/<slug:workspace_slug>/development/",
        include("miniprograms.development.urls_workspace"),
    ),
    path("w/<slug:workspace_slug>/miniprograms/<appid:app_id>/", include("releases.urls")),
    path(
        "w/<slug:workspace_slug>/miniprograms/<appid:app_id>/analytics/",
        include("analytics.urls"),
    ),
    path("w/<slug:workspace_slug>/analytics/", include("analytics.urls_workspace")),
    path("api/v1/", include("console.urls_api")),
    path("runtime/v1/", include("releases.runtime.urls")),
    path("runtime/v1/", include("miniprograms.subscriptions.urls_runtime")),
    path("open/v1/", include("miniprograms.subscriptions.urls_open")),
    path("runtime/v1/", include("analytics.urls_sdk")),  # POST /runtime/v1/events
    path("oauth/v1/", include("miniprograms.secrets.urls_oauth")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
