"""``/api/v1/workspaces/…``: the tenancy API (``workspaces/api_tenancy/``, one module per feature).

Path parameters use the same names as the console's URL map (``workspace_slug``,
``membership_id``, ``invitation_id``, ``host_app_id``, ``grant_id``, ``request_id``,
``endpoint_id``, ``delivery_id``) so the isolation sweep can fill them.
"""

from django.urls import path

from workspaces.api_tenancy import (
    approvals,
    audit,
    developer_workspaces,
    grants,
    hostapps,
    invitations,
    members,
    webhooks,
    workspaces,
)

app_name = "tenancy-api"

W = "workspaces/<slug:workspace_slug>"

urlpatterns = [
    path("workspaces", workspaces.WorkspaceListView.as_view(), name="workspace-list"),
    path(W, workspaces.WorkspaceDetailView.as_view(), name="workspace-detail"),
    # --- members ---
    path(f"{W}/members", members.MemberListView.as_view(), name="member-list"),
    path(
        f"{W}/members/<int:membership_id>",
        members.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        f"{W}/members/<int:membership_id>/transfer-ownership",
        members.MemberTransferOwnershipView.as_view(),
        name="member-transfer-ownership",
    ),
    # --- invitations ---
    path(f"{W}/invitations", invitations.InvitationListView.as_view(), name="invitation-list"),
    path(
        f"{W}/invitations/<int:invitation_id>/withdraw",
        invitations.InvitationWithdrawView.as_view(),
        name="invitation-withdraw",
    ),
    path(
        f"{W}/invitations/<int:invitation_id>/resend",
        invitations.InvitationResendView.as_view(),
        name="invitation-resend",
    ),
    # --- host apps (tenant workspaces) ---
    path(f"{W}/host-apps", hostapps.HostAppListView.as_view(), name="host-app-list"),
    path(
        f"{W}/host-apps/<int:host_app_id>",
        hostapps.HostAppDetailView.as_view(),
        name="host-app-detail",
    ),
    path(
        f"{W}/host-apps/<int:host_app_id>/reset-secret",
        hostapps.HostAppResetSecretView.as_view(),
        name="host-app-reset-secret",
    ),
    path(
        f"{W}/host-apps/<int:host_app_id>/freeze-key",
        hostapps.HostAppFreezeKeyView.as_view(),
        name="host-app-freeze-key",
    ),
    path(
        f"{W}/host-apps/<int:host_app_id>/unfreeze-key",
        hostapps.HostAppUnfreezeKeyView.as_view(),
        name="host-app-unfreeze-key",
    ),
    # --- developer workspaces of a tenant ---
    path(
        f"{W}/developer-workspaces",
        developer_workspaces.DeveloperWorkspaceListView.as_view(),
        name="developer-workspace-list",
    ),
    # --- object grants ---
    path(f"{W}/grants", grants.GrantListView.as_view(), name="grant-list"),
    path(f"{W}/grants/<int:grant_id>", grants.GrantDetailView.as_view(), name="grant-detail"),
    # --- audit log ---
    path(f"{W}/audit-events", audit.AuditEventListView.as_view(), name="audit-event-list"),
    # --- webhooks ---
    path(f"{W}/webhooks", webhooks.WebhookListView.as_view(), name="webhook-list"),
    path(
        f"{W}/webhooks/<int:endpoint_id>",
        webhooks.WebhookDetailView.as_view(),
        name="webhook-detail",
    ),
    path(
        f"{W}/webhooks/<int:endpoint_id>/rotate-secret",
        webhooks.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        f"{W}/webhooks/<int:endpoint_id>/test",
        webhooks.WebhookTestView.as_view(),
        name="webhook-test",
    ),
    path(
        f"{W}/webhooks/<int:endpoint_id>/deliveries",
        webhooks.WebhookDeliveryListView.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        f"{W}/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>",
        webhooks.WebhookDeliveryDetailView.as_view(),
        name="webhook-delivery-detail",
    ),
    # --- approvals hub ---
    path(f"{W}/approvals", approvals.ApprovalListView.as_view(), name="approval-list"),
    path(
        f"{W}/approvals/<int:request_id>",
        approvals.ApprovalDetailView.as_view(),
        name="approval-detail",
    ),
    path(
        f"{W}/approvals/<int:request_id>/approve",
        approvals.ApprovalApproveView.as_view(),
        name="approval-approve",
    ),
    path(
        f"{W}/approvals/<int:request_id>/reject",
        approvals.ApprovalRejectView.as_view(),
        name="approval-reject",
    ),
    path(
        f"{W}/approvals/<int:request_id>/withdraw",
        approvals.ApprovalWithdrawView.as_view(),
        name="approval-withdraw",
    ),
]
