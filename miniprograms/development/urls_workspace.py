"""``/w/<workspace_slug>/development/…`` (namespace ``development``): a tenant's pages for what
its host apps allow mini programs — the JSAPI catalogue and features, and who may edit server
domains."""

from django.urls import include, path

app_name = "development"

urlpatterns = [
    path("", include("miniprograms.jsapis.urls_workspace")),
    path("", include("miniprograms.domains.urls_workspace")),
    path("", include("miniprograms.subscriptions.urls_workspace")),
]
