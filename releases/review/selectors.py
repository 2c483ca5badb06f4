"""Reads of the review room: the release a review request names, and what is online on its
target. Scoped by the request alone: the approvals page authorized the member on the request
(either side), and nothing here widens that — a release is read only if it points back to the
request, so a payload naming another release shows nothing."""

from __future__ import annotations

from releases.models import Release
from workspaces.models import ApprovalRequest


def review_release_get(*, request: ApprovalRequest) -> Release | None:
    """The release ``request`` reviews (its version, mini program and host app loaded), or
    ``None`` when the payload names none or a release that is not this request's."""
    release_id = request.payload.get("release_id") if isinstance(request.payload, dict) else None
    if not isinstance(release_id, int) or isinstance(release_id, bool):
        return None
    return (
        Release.objects.filter(pk=release_id, approval_id=request.pk)
        .select_related(
            "version__miniprogram",
            "version__uploaded_by",
            "target__miniprogram__workspace",
            "target__host_app__workspace",
        )
        .first()
    )


def review_online_get(*, release: Release) -> Release | None:
    """What is online on the release's target now (the diff's base), or ``None``."""
    return (
        Release.objects.filter(target_id=release.target_id, state=Release.State.RELEASED)
        .select_related("version")
        .first()
    )
