"""The runtime API for the super apps' SDK, under its own versioned prefix ``/runtime/v1/``
(SDK-key authenticated; no session, no CSRF, no DRF)."""

from django.urls import path, re_path

from releases.runtime import files, views

app_name = "runtime"

urlpatterns = [
    path("resolve", views.resolve, name="resolve"),
    path("keys", views.keys, name="keys"),
    re_path(
        r"^artifacts/(?P<sha256>[0-9a-f]{64})\.(?P<suffix>zip|json)$",
        files.artifact,
        name="artifact",
    ),
    re_path(
        r"^logos/(?P<app_id>[1-9][0-9]{15})/(?P<digest>[0-9a-f]{16})$", files.logo, name="logo"
    ),
]
