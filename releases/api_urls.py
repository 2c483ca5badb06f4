"""``/api/v1/``: the versions API (namespace ``releases-api``; releases/api/).

No trailing slashes, like the other APIs. Mini programs are addressed by their public App ID and
versions by their number (``<semver:number>``), never by database ids.
"""

from django.urls import path

from releases.api import diff, downloads, offline, releases, trial, versions

app_name = "releases-api"

MP = "workspaces/<slug:workspace_slug>/miniprograms/<appid:app_id>"
V = f"{MP}/versions"
ONE = f"{V}/<semver:number>"

urlpatterns = [
    path(V, versions.VersionListView.as_view(), name="version-list"),
    path(ONE, versions.VersionDetailView.as_view(), name="version-detail"),
    path(f"{ONE}/retry-scan", versions.VersionRetryScanView.as_view(), name="version-retry-scan"),
    path(
        f"{ONE}/restart-quality",
        versions.VersionRestartQualityView.as_view(),
        name="version-restart-quality",
    ),
    path(f"{ONE}/quality", versions.VersionQualityView.as_view(), name="version-quality"),
    path(f"{ONE}/diff", diff.VersionDiffView.as_view(), name="version-diff"),
    path(f"{ONE}/package", downloads.VersionPackageView.as_view(), name="version-package"),
    path(
        f"{ONE}/artifacts/<str:kind>",
        downloads.VersionArtifactView.as_view(),
        name="version-artifact",
    ),
    path(f"{ONE}/offline-package", offline.OfflinePackageView.as_view(), name="offline-package"),
    path(f"{MP}/trial", trial.TrialView.as_view(), name="trial"),
    # --- releases ---
    path(f"{MP}/releases", releases.ReleaseTargetListView.as_view(), name="release-list"),
    path(f"{ONE}/releases", releases.ReleaseSubmitView.as_view(), name="release-submit"),
    path(
        f"{MP}/releases/<int:release_id>/withdraw",
        releases.ReleaseWithdrawView.as_view(),
        name="release-withdraw",
    ),
    path(
        f"{MP}/releases/<int:release_id>/publish",
        releases.ReleasePublishView.as_view(),
        name="release-publish",
    ),
    path(
        f"{MP}/targets/<int:target_id>/rollback",
        releases.TargetRollbackView.as_view(),
        name="target-rollback",
    ),
    path(
        f"{MP}/targets/<int:target_id>/history",
        releases.TargetHistoryView.as_view(),
        name="target-history",
    ),
]
