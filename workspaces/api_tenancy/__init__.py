"""``/api/v1/workspaces/…``: the tenancy API (STYLE.md §10b).

It mirrors the console: every view resolves the workspace with ``authz.access_workspace`` (404
for non-members, like a missing workspace), looks objects up *inside* that workspace (404
otherwise), and calls the same services, which check the same capabilities (403 with the roles
that would be allowed). A service's ``ValidationError`` becomes a 400 with its message
(``console.api.exception_handler``). The shared plumbing is ``workspaces.endpoints``.

One module per feature (``workspaces``, ``members``, ``invitations``, ``hostapps``,
``developer_workspaces``, ``grants``, ``audit``); the URL map (``api_urls_tenancy``) imports
them directly, and this package re-exports their views and constants for everything else.
"""

from workspaces.api_tenancy.audit import TAG_AUDIT, AuditEventListView
from workspaces.api_tenancy.developer_workspaces import DeveloperWorkspaceListView
from workspaces.api_tenancy.grants import GRANT_ID, TAG_GRANTS, GrantDetailView, GrantListView
from workspaces.api_tenancy.hostapps import (
    HOST_APP_ID,
    TAG_HOST_APPS,
    HostAppDetailView,
    HostAppFreezeKeyView,
    HostAppListView,
    HostAppResetSecretView,
    HostAppUnfreezeKeyView,
)
from workspaces.api_tenancy.invitations import (
    INVITATION_ID,
    TAG_INVITATIONS,
    InvitationListView,
    InvitationResendView,
    InvitationWithdrawView,
)
from workspaces.api_tenancy.members import (
    MEMBER_ID,
    TAG_MEMBERS,
    MemberDetailView,
    MemberListView,
    MemberTransferOwnershipView,
)
from workspaces.api_tenancy.workspaces import (
    TAG_WORKSPACES,
    WorkspaceDetailView,
    WorkspaceListView,
)

__all__ = [
    "GRANT_ID",
    "HOST_APP_ID",
    "INVITATION_ID",
    "MEMBER_ID",
    "TAG_AUDIT",
    "TAG_GRANTS",
    "TAG_HOST_APPS",
    "TAG_INVITATIONS",
    "TAG_MEMBERS",
    "TAG_WORKSPACES",
    "AuditEventListView",
    "DeveloperWorkspaceListView",
    "GrantDetailView",
    "GrantListView",
    "HostAppDetailView",
    "HostAppFreezeKeyView",
    "HostAppListView",
    "HostAppResetSecretView",
    "HostAppUnfreezeKeyView",
    "InvitationListView",
    "InvitationResendView",
    "InvitationWithdrawView",
    "MemberDetailView",
    "MemberListView",
    "MemberTransferOwnershipView",
    "WorkspaceDetailView",
    "WorkspaceListView",
]
