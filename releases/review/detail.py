"""The release review's section of an approval request's page (the detail provider registered
with the kind in ``releases/apps.py``).

It shows what a reviewer decides on: the version (number, App ID, mini program, notes), the
scan's package sizes and the quality report, the package diff against the version online on
the same target, and — for the deciding side while the request is open — the preview QR code.
The deciders are members of the tenant, not of the merchant's workspace: everything is read
through the request (``review_release_get``: the release must point back to it), never through
a membership of the mini program's workspace.
"""

from __future__ import annotations

import logging
import zipfile
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from releases import selectors as version_selectors
from releases.models import Release
from releases.review.preview import PREVIEW_MAX_AGE, preview_link, preview_qr_svg
from releases.review.selectors import review_online_get, review_release_get
from releases.views.display.diff import file_rows, part_rows, signed_size
from releases.views.display.report import finding_groups, size_chart
from workspaces.authz import Cap, Side, has_cap, request_sides
from workspaces.extensions import ApprovalDetail
from workspaces.models import ApprovalRequest, Membership

logger = logging.getLogger(__name__)

TEMPLATE = "releases/review/detail.html"
DIFF_FILES_SHOWN = 50  # per group (added, removed, changed); the counts are always complete


def _diff(release: Release, online: Release | None) -> dict[str, Any]:
    """The package diff against the online version, as the template shows it."""
    if online is None:
        return {"diff_state": "first"}
    if online.version_id == release.version_id:
        return {"diff_state": "same"}
    try:
        diff = version_selectors.version_diff(old=online.version, new=release.version)
    except (zipfile.BadZipFile, OSError):
        logger.warning("review diff: packages of release %s unreadable", release.pk, exc_info=True)
        return {"diff_state": "unreadable"}
    return {
        "diff_state": "ok",
        "diff": diff,
        "parts": part_rows(diff.parts),
        "total_delta": signed_size(diff.total_delta),
        "file_groups": [
            (key, label, file_rows(changes[:DIFF_FILES_SHOWN]), len(changes))
            for key, label, changes in (
                ("added", gettext("Added"), diff.added),
                ("removed", gettext("Removed"), diff.removed),
                ("changed", gettext("Changed"), diff.changed),
            )
        ],
        "files_shown": DIFF_FILES_SHOWN,
    }


def _preview(
    *, request: ApprovalRequest, release: Release, member: Membership, deciding: bool
) -> dict[str, Any]:
    """The reviewer's preview: a QR code of a signed deep link, for the deciders while the
    request is open; or why there is none and how to get one."""
    host_app = release.target.host_app
    if not (deciding and request.state == ApprovalRequest.State.PROCESSING):
        return {"preview_state": "hidden"}
    if not host_app.preview_scheme:
        can_set = member.workspace_id == host_app.workspace_id and has_cap(
            member, Cap.MANAGE_HOST_APPS
        )
        edit_url = (
            reverse("workspaces:host-app-edit", args=[member.workspace.slug, host_app.pk])
            + "#releases"
            if can_set
            else ""
        )
        return {"preview_state": "no_scheme", "host_app_edit_url": edit_url}
    link = preview_link(scheme=host_app.preview_scheme, release=release)
    expires: datetime = timezone.now() + PREVIEW_MAX_AGE
    return {
        "preview_state": "ready",
        "preview_link": link,
        # the QR SVG of our own link: markup we produced, safe to inline.
        "preview_qr": preview_qr_svg(link),
        "preview_expires": expires,
    }


def review_detail(*, request: ApprovalRequest, member: Membership) -> ApprovalDetail | None:
    """The release review's section of the request page, as ``member`` (either side) sees it."""
    release = review_release_get(request=request)
    if release is None:
        return ApprovalDetail(template=TEMPLATE, context={"missing": True})
    version = release.version
    miniprogram = release.target.miniprogram
    sides = request_sides(member, request)
    deciding = Side.DECIDING in sides and has_cap(member, Cap.DECIDE_APPROVALS)
    report = version_selectors.version_quality_report(version)
    on_own_side = member.workspace_id == miniprogram.workspace_id
    online = review_online_get(release=release)
    context: dict[str, Any] = {
        "release": release,
        "version": version,
        "miniprogram": miniprogram,
        "host_app": release.target.host_app,
        "environment": release.target.get_environment_display(),
        "version_url": reverse(
            "releases:version", args=[member.workspace.slug, miniprogram.app_id, version.number]
        )
        if on_own_side
        else "",
        "sizes": size_chart(version),
        "report": report,
        "groups": finding_groups(report) if report else [],
        "online": online,
        **_diff(release, online),
        **_preview(request=request, release=release, member=member, deciding=deciding),
    }
    return ApprovalDetail(template=TEMPLATE, context=context)
