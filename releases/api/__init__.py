"""``/api/v1/…/miniprograms/<app_id>/versions``: the versions API (STYLE.md §10b).

Built like the mini programs API: the workspace is resolved through authz (404 for
non-members), the mini program is fetched and authorized in one step by ``access_miniprogram``
(404 when it is not visible — missing, in another workspace, or a Developer not assigned to it —
and 403 naming the roles when the capability is missing), and a version is looked up *inside*
that mini program by its number (404 otherwise). Reading needs
``miniprograms.view_miniprogram``; uploading, retrying a scan, restarting the quality review and
the trial version need ``miniprograms.develop_miniprogram``. Writes call the console's services.

By feature: ``base`` (the versions endpoint base), ``versions`` (list, upload, read, retry the
scan, restart the quality review, the quality report), ``diff``, ``downloads`` (package and
built files), ``trial`` and ``releases`` (the targets matrix, submit, withdraw, publish,
roll back, a target's history). The views are re-exported here for existing imports; the URL
module imports the feature modules.
"""

from releases.api.base import VersionAPIView
from releases.api.diff import VersionDiffView
from releases.api.downloads import VersionArtifactView, VersionPackageView
from releases.api.trial import TrialView
from releases.api.versions import (
    VersionDetailView,
    VersionListView,
    VersionQualityView,
    VersionRestartQualityView,
    VersionRetryScanView,
)

__all__ = [
    "TrialView",
    "VersionAPIView",
    "VersionArtifactView",
    "VersionDetailView",
    "VersionDiffView",
    "VersionListView",
    "VersionPackageView",
    "VersionQualityView",
    "VersionRestartQualityView",
    "VersionRetryScanView",
]
