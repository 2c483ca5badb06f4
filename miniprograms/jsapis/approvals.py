"""The ``jsapi_access`` approval kind: what the approvals hub shows of a JSAPI application
and how the kind is registered (from ``miniprograms/apps.py``)."""

from __future__ import annotations

from django.urls import reverse

from miniprograms.jsapis.models import JsapiApplication
from miniprograms.jsapis.services import APPROVAL_KIND, jsapi_access_decided
from workspaces.authz import Cap, has_cap
from workspaces.extensions import ApprovalDetail, register_approval_kind
from workspaces.models import ApprovalRequest, Membership

TEMPLATE = "miniprograms/jsapis/approval_detail.html"


def application_detail(*, request: ApprovalRequest, member: Membership) -> ApprovalDetail:
    """The application the request is about, read through the request (the deciders are not
    members of the mini program's workspace): the mini program, the host app, the JSAPI or the
    feature with its JSAPIs, and its state now (revoked after an approval, …)."""
    application = (
        JsapiApplication.objects.filter(approval=request)
        .select_related("miniprogram", "host_app", "jsapi", "feature")
        .prefetch_related("feature__jsapis")
        .first()
    )
    if application is None:
        return ApprovalDetail(template=TEMPLATE, context={"missing": True})
    deciding = member.workspace_id == application.host_app.workspace_id
    revoke_url = ""
    if (
        deciding
        and application.state == JsapiApplication.State.APPROVED
        and has_cap(member, Cap.DECIDE_APPROVALS)
    ):
        revoke_url = reverse(
            "development:jsapi-access-revoke", args=[member.workspace.slug, application.pk]
        )
    return ApprovalDetail(
        template=TEMPLATE,
        context={
            "application": application,
            "feature_jsapis": (
                sorted(application.feature.jsapis.all(), key=lambda j: j.name)
                if application.feature_id
                else []
            ),
            "revoke_url": revoke_url,
        },
    )


def register() -> None:
    register_approval_kind(
        APPROVAL_KIND,
        label="JSAPI access",
        on_decided=jsapi_access_decided,
        detail=application_detail,
    )
