"""What the domains feature adds to the workspaces app's pages: skip domain verification's part
of an approval request's page (the approvals hub), and the tenant's Settings tab."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from miniprograms.domains.selectors import domains_overview
from miniprograms.domains.validators import TYPE_LABELS
from miniprograms.models import MiniProgram
from workspaces import authz
from workspaces.authz import Cap
from workspaces.extensions import ApprovalDetail, SettingsTab
from workspaces.models import ApprovalRequest, HostApp, Membership, Workspace

TEMPLATE = "miniprograms/development/domains/_approval_detail.html"


def domain_skip_detail(*, request: ApprovalRequest, member: Membership) -> ApprovalDetail:
    """The mini program, the host app and the lists it has today (what skipping would widen).
    Reads only what the request names (the page authorized ``member`` on the request)."""
    payload = request.payload or {}
    mp = (
        MiniProgram.objects.filter(pk=payload.get("miniprogram_id"))
        .select_related("workspace")
        .first()
    )
    host_app = HostApp.objects.filter(pk=payload.get("host_app_id")).first()
    if mp is None or host_app is None:
        return ApprovalDetail(template=TEMPLATE, context={"missing": True})
    overview = domains_overview(miniprogram=mp)
    lists = overview.global_lists
    return ApprovalDetail(
        template=TEMPLATE,
        context={
            "missing": False,
            "miniprogram": mp,
            "host_app": host_app,
            "rows": [(TYPE_LABELS[kind], entries) for kind, entries in lists.items()],
            "is_restricted": overview.is_restricted,
        },
    )


def domain_policy_tab(*, workspace: Workspace, membership: Membership) -> SettingsTab | None:
    """The tenant's Settings tab "Authorized server domains and WAP URLs" (its Owner and
    Workspace Admins: ``MANAGE_DOMAIN_POLICY``)."""
    if not workspace.is_tenant or not authz.has_cap(membership, Cap.MANAGE_DOMAIN_POLICY):
        return None
    return SettingsTab(
        code="domain_policy",
        label=gettext("Authorized server domains and WAP URLs"),
        url=reverse("development:domain-policy", args=[workspace.slug]),
    )
