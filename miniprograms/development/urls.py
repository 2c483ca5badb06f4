"""``/w/<workspace_slug>/miniprograms/<app_id>/development/…``: the Development tab's sections,
inside the ``miniprograms`` namespace (names ``dev-…``)."""

from django.urls import include, path

urlpatterns = [
    path("domains/", include("miniprograms.domains.urls")),
    path("jsapis/", include("miniprograms.jsapis.urls")),
    path("keys/", include("miniprograms.secrets.urls")),
    path("variables/", include("miniprograms.envvars.urls")),
]
