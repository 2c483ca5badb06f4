"""What a JSAPI application tells the world: ``approval.requested`` (webhook to the deciding
tenant, email to its deciders) when it opens, and ``approval.decided`` (webhook to the
requesting workspace, email to the applicant) when it is approved or rejected — through the
approvals' own notices (``workspaces.services.approval_notices``), inside the caller's
transaction: nothing leaves before the commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from miniprograms.jsapis.models import JsapiApplication
from workspaces.models import ApprovalRequest
from workspaces.services.approval_notices import (
    approval_decided_notify,
    approval_requested_notify,
)

TEMPLATES = "miniprograms/jsapis/email"
SUBJECT_KEY = "jsapi_application"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _subject(application: JsapiApplication) -> dict[str, Any]:
    return {
        "id": application.pk,
        "app_id": application.miniprogram.app_id,
        "miniprogram": application.miniprogram.name,
        "host_app_id": application.host_app_id,
        "host_app": application.host_app.name,
        "subject": "jsapi" if application.jsapi_id else "feature",
        "name": application.subject_name,
        "occurred_at": _iso(timezone.now()),
    }


def _context(request: ApprovalRequest, application: JsapiApplication, link: str) -> dict[str, Any]:
    return {
        "miniprogram": application.miniprogram.name,
        "app_id": application.miniprogram.app_id,
        "host_app": application.host_app.name,
        "what": (
            f"the sensitive JSAPI {application.subject_name}"
            if application.jsapi_id
            else f"the feature {application.subject_name}"
        ),
        "requesting_workspace": request.requesting_workspace.name,
        "deciding_workspace": request.deciding_workspace.name,
        "applicant": (request.requested_by.name or request.requested_by.email)
        if request.requested_by
        else "Someone",
        "decider": (request.decided_by.name or request.decided_by.email)
        if request.decided_by
        else "A reviewer",
        "notes": request.notes,
        "reason": request.reason,
        "state": request.state,
        "link": f"{settings.SITE_URL}{link}",
    }


def application_requested(*, request: ApprovalRequest, application: JsapiApplication) -> None:
    """The deciding tenant hears of a new application (webhook, and email to its deciders but
    the applicant)."""
    link = reverse("workspaces:approval", args=[request.deciding_workspace.slug, request.pk])
    approval_requested_notify(
        request=request,
        subject_key=SUBJECT_KEY,
        subject=_subject(application),
        template=f"{TEMPLATES}/requested",
        context=_context(request, application, link),
    )


def application_decided(*, request: ApprovalRequest, application: JsapiApplication) -> None:
    """The requesting workspace hears of an approval or a rejection (webhook, and email to the
    applicant while still an active member)."""
    requesting = request.requesting_workspace
    link = reverse(
        "miniprograms:dev-jsapis", args=[requesting.slug, application.miniprogram.app_id]
    )
    approval_decided_notify(
        request=request,
        subject_key=SUBJECT_KEY,
        subject=_subject(application),
        template=f"{TEMPLATES}/decided",
        context=_context(request, application, f"{link}?host_app={application.host_app_id}"),
    )
