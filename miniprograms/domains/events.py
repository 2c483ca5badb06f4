"""What a skip domain verification request tells the world (SPEC §11): the ``approval.*``
webhooks and the emails, through the approvals' own notices
(``workspaces.services.approval_notices``). Called inside the transaction that opened or
decided the request; nothing leaves before the commit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from workspaces.models import ApprovalRequest
from workspaces.services.approval_notices import (
    approval_decided_notify,
    approval_requested_notify,
)

TEMPLATES = "miniprograms/email"
SUBJECT_KEY = "domain_verification_skip"


def _subject(request: ApprovalRequest) -> dict[str, Any]:
    payload = request.payload or {}
    return {"app_id": payload.get("app_id"), "host_app_id": payload.get("host_app_id")}


def _context(request: ApprovalRequest, *, slug: str) -> dict[str, Any]:
    link = reverse("workspaces:approval", args=[slug, request.pk])
    return {
        "request": request,
        "requester": request.requested_by.get_short_name() if request.requested_by else "",
        "decider": request.decided_by.get_short_name() if request.decided_by else "",
        "link": settings.SITE_URL.rstrip("/") + link,
    }


def skip_requested(*, request: ApprovalRequest) -> None:
    approval_requested_notify(
        request=request,
        subject_key=SUBJECT_KEY,
        subject=_subject(request),
        template=f"{TEMPLATES}/domain_skip_requested",
        context=_context(request, slug=request.deciding_workspace.slug),
    )


def skip_decided(*, request: ApprovalRequest) -> None:
    approval_decided_notify(
        request=request,
        subject_key=SUBJECT_KEY,
        subject=_subject(request),
        template=f"{TEMPLATES}/domain_skip_{request.state}",
        context=_context(request, slug=request.requesting_workspace.slug),
    )
