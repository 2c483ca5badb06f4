"""Version pages: ``/w/<workspace_slug>/miniprograms/<app_id>/versions/…`` and ``…/trial/``
(namespace ``releases``). Versions are addressed by their number (``<semver:number>``)."""

from django.urls import path

from releases.views import actions, pages, trial, upload

app_name = "releases"

ONE = "versions/<semver:number>/"

urlpatterns = [
    path("versions/", pages.VersionListView.as_view(), name="versions"),
    path("versions/upload/", upload.VersionUploadView.as_view(), name="upload"),
    path(ONE, pages.VersionDetailView.as_view(), name="version"),
    path(f"{ONE}status/", pages.VersionStatusView.as_view(), name="version-status"),
    path(f"{ONE}diff/", pages.VersionDiffView.as_view(), name="version-diff"),
    path(f"{ONE}retry-scan/", actions.VersionRetryScanView.as_view(), name="version-retry-scan"),
    path(
        f"{ONE}restart-quality/",
        actions.VersionRestartQualityView.as_view(),
        name="version-restart-quality",
    ),
    path(f"{ONE}package/", pages.VersionPackageView.as_view(), name="version-package"),
    path(
        f"{ONE}artifacts/<str:kind>/",
        pages.VersionArtifactView.as_view(),
        name="version-artifact",
    ),
    path("trial/", trial.TrialView.as_view(), name="trial"),
    path("trial/clear/", trial.TrialClearView.as_view(), name="trial-clear"),
]
