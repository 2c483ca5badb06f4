"""``/api/v1/``: each app contributes its ``api_urls``."""

from django.urls import include, path

urlpatterns = [
    path("", include("workspaces.api_urls")),
    path("", include("workspaces.api_urls_tenancy")),
    path("", include("miniprograms.api_urls")),
    path("", include("releases.api_urls")),
    path("", include("analytics.api_urls")),
]
