"""``/api/v1/``: the versions API (namespace ``releases-api``; releases/api/).

No trailing slashes, like the other APIs. Mini programs are addressed by their public App ID and
versions by their number (``<semver:number>``), never by database ids.
"""

from django.urls import path

from releases.api import diff, downloads, grayscale, offline, releases, trial, versions

app_name = "releases-api"

MP = "workspaces/<slug:workspace_slug>/miniprograms/<appid:app_id>"
V = f"{MP}/versions"
ONE = f"{V}/<semver:number>"
GRAY = f"{MP}/targets/<int:target_id>/grayscale"
TASK = f"{GRAY}/<int:task_id>"

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
    # --- grayscale tasks (per target) ---
    path(GRAY, grayscale.GrayscaleListView.as_view(), name="grayscale-list"),
    path(TASK, grayscale.GrayscaleDetailView.as_view(), name="grayscale-detail"),
    path(
        f"{MP}/grayscale/<int:task_id>",
        grayscale.GrayscaleTaskByIdView.as_view(),
        name="grayscale-task",
    ),
    path(f"{TASK}/suspend", grayscale.GrayscaleSuspendView.as_view(), name="grayscale-suspend"),
    path(f"{TASK}/resume", grayscale.GrayscaleResumeView.as_view(), name="grayscale-resume"),
    path(f"{TASK}/end", grayscale.GrayscaleEndView.as_view(), name="grayscale-end"),
    path(
        f"{TASK}/percentage",
        grayscale.GrayscalePercentageView.as_view(),
        name="grayscale-percentage",
    ),
    path(
        f"{TASK}/version",
        grayscale.GrayscaleReplaceVersionView.as_view(),
        name="grayscale-replace-version",
    ),
    path(
        f"{TASK}/schedule/pause",
        grayscale.GrayscaleSchedulePauseView.as_view(),
        name="grayscale-schedule-pause",
    ),
    path(
        f"{TASK}/schedule/resume",
        grayscale.GrayscaleScheduleResumeView.as_view(),
        name="grayscale-schedule-resume",
    ),
]
