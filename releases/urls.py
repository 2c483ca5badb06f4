"""Version pages: ``/w/<workspace_slug>/miniprograms/<app_id>/versions/…`` and ``…/trial/``, and
the Releases tab ``…/releases/`` with its actions (namespace ``releases``). Versions are
addressed by their number (``<semver:number>``), releases and targets by id (looked up inside
the mini program)."""

from django.urls import path

from releases.views import actions, grayscale, offline, pages, releases, trial, upload

app_name = "releases"

ONE = "versions/<semver:number>/"
TASK = "targets/<int:target_id>/grayscale/<int:task_id>/"

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
    path(f"{ONE}offline-package/", offline.OfflinePackageView.as_view(), name="offline-package"),
    path(f"{ONE}submit/", releases.VersionSubmitView.as_view(), name="version-submit"),
    path("trial/", trial.TrialView.as_view(), name="trial"),
    path("trial/clear/", trial.TrialClearView.as_view(), name="trial-clear"),
    path("releases/", releases.ReleasesView.as_view(), name="releases"),
    path(
        "releases/<int:release_id>/publish/",
        releases.ReleasePublishView.as_view(),
        name="release-publish",
    ),
    path(
        "releases/<int:release_id>/withdraw/",
        releases.ReleaseWithdrawView.as_view(),
        name="release-withdraw",
    ),
    path(
        "targets/<int:target_id>/rollback/",
        releases.TargetRollbackView.as_view(),
        name="target-rollback",
    ),
    path(
        "targets/<int:target_id>/grayscale/new/",
        grayscale.GrayscaleCreateView.as_view(),
        name="grayscale-create",
    ),
    path(TASK, grayscale.GrayscaleTaskView.as_view(), name="grayscale-task"),
    path(f"{TASK}suspend/", grayscale.GrayscaleSuspendView.as_view(), name="grayscale-suspend"),
    path(f"{TASK}resume/", grayscale.GrayscaleResumeView.as_view(), name="grayscale-resume"),
    path(f"{TASK}end/", grayscale.GrayscaleEndView.as_view(), name="grayscale-end"),
    path(
        f"{TASK}percentage/",
        grayscale.GrayscalePercentageView.as_view(),
        name="grayscale-percentage",
    ),
    path(
        f"{TASK}replace-version/",
        grayscale.GrayscaleReplaceVersionView.as_view(),
        name="grayscale-replace-version",
    ),
    path(
        f"{TASK}schedule/pause/",
        grayscale.GrayscaleSchedulePauseView.as_view(),
        name="grayscale-schedule-pause",
    ),
    path(
        f"{TASK}schedule/resume/",
        grayscale.GrayscaleScheduleResumeView.as_view(),
        name="grayscale-schedule-resume",
    ),
    path(
        "targets/<int:target_id>/audience/",
        grayscale.AudiencePreviewView.as_view(),
        name="grayscale-preview",
    ),
]
