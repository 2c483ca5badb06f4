"""Tenancy pages inside a workspace: ``/w/<workspace_slug>/…`` (namespace ``workspaces``)."""

from django.urls import path

from workspaces.views import (
    approvals,
    audit,
    developer_workspaces,
    hostapps,
    members,
    settings,
    webhooks,
)

app_name = "workspaces"

urlpatterns = [
    # --- members and invitations (workspaces/views/members.py) ---
    path("members/", members.MemberListView.as_view(), name="members"),
    path("members/invite/", members.InviteView.as_view(), name="invite"),
    path(
        "members/<int:membership_id>/role/",
        members.MemberRoleView.as_view(),
        name="member-role",
    ),
    path(
        "members/<int:membership_id>/block/",
        members.MemberBlockView.as_view(),
        name="member-block",
    ),
    path(
        "members/<int:membership_id>/remove/",
        members.MemberRemoveView.as_view(),
        name="member-remove",
    ),
    path(
        "members/transfer-ownership/",
        members.MemberTransferChosenView.as_view(),
        name="member-transfer-chosen",
    ),
    path(
        "members/<int:membership_id>/transfer-ownership/",
        members.MemberTransferView.as_view(),
        name="member-transfer",
    ),
    path(
        "invitations/<int:invitation_id>/withdraw/",
        members.InvitationWithdrawView.as_view(),
        name="invitation-withdraw",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        members.InvitationResendView.as_view(),
        name="invitation-resend",
    ),
    # --- host apps (workspaces/views/hostapps.py) ---
    path("host-apps/", hostapps.HostAppListView.as_view(), name="host-apps"),
    path("host-apps/new/", hostapps.HostAppCreateView.as_view(), name="host-app-create"),
    path(
        "host-apps/<int:host_app_id>/",
        hostapps.HostAppDetailView.as_view(),
        name="host-app-detail",
    ),
    path(
        "host-apps/<int:host_app_id>/edit/",
        hostapps.HostAppEditView.as_view(),
        name="host-app-edit",
    ),
    path(
        "host-apps/<int:host_app_id>/reset-secret/",
        hostapps.HostAppResetSecretView.as_view(),
        name="host-app-reset-secret",
    ),
    path(
        "host-apps/<int:host_app_id>/freeze-key/",
        hostapps.HostAppFreezeKeyView.as_view(freeze=True),
        name="host-app-freeze-key",
    ),
    path(
        "host-apps/<int:host_app_id>/unfreeze-key/",
        hostapps.HostAppFreezeKeyView.as_view(freeze=False),
        name="host-app-unfreeze-key",
    ),
    path(
        "host-apps/<int:host_app_id>/icon/",
        hostapps.HostAppIconView.as_view(),
        name="host-app-icon",
    ),
    # --- developer workspaces of a tenant (workspaces/views/developer_workspaces.py) ---
    path(
        "developer-workspaces/",
        developer_workspaces.DeveloperWorkspaceListView.as_view(),
        name="developer-workspaces",
    ),
    path(
        "developer-workspaces/new/",
        developer_workspaces.DeveloperWorkspaceCreateView.as_view(),
        name="developer-workspace-create",
    ),
    # --- settings, authorizations, roles (workspaces/views/settings.py) ---
    path("settings/", settings.SettingsView.as_view(), name="settings"),
    path(
        "settings/authorizations/",
        settings.AuthorizationsView.as_view(),
        name="authorizations",
    ),
    path(
        "settings/authorizations/tokens/<int:token_id>/revoke/",
        settings.AuthorizationTokenRevokeView.as_view(),
        name="authorization-token-revoke",
    ),
    path(
        "settings/authorizations/grants/",
        settings.AuthorizationGrantAddView.as_view(),
        name="authorization-grant-add",
    ),
    path(
        "settings/authorizations/grants/<int:grant_id>/revoke/",
        settings.AuthorizationGrantRevokeView.as_view(),
        name="authorization-grant-revoke",
    ),
    path("settings/roles/", settings.RolesView.as_view(), name="roles"),
    path(
        "settings/assets/<str:asset>/",
        settings.SettingsAssetView.as_view(),
        name="settings-asset",
    ),
    # --- the approvals hub (workspaces/views/approvals.py) ---
    path("approvals/", approvals.ApprovalListView.as_view(), name="approvals"),
    path(
        "approvals/<int:request_id>/",
        approvals.ApprovalDetailView.as_view(),
        name="approval",
    ),
    path(
        "approvals/<int:request_id>/approve/",
        approvals.ApprovalApproveView.as_view(),
        name="approval-approve",
    ),
    path(
        "approvals/<int:request_id>/reject/",
        approvals.ApprovalRejectView.as_view(),
        name="approval-reject",
    ),
    path(
        "approvals/<int:request_id>/withdraw/",
        approvals.ApprovalWithdrawView.as_view(),
        name="approval-withdraw",
    ),
    # --- webhooks, under settings (workspaces/views/webhooks.py) ---
    path("settings/webhooks/", webhooks.WebhookListView.as_view(), name="webhooks"),
    path("settings/webhooks/new/", webhooks.WebhookCreateView.as_view(), name="webhook-create"),
    path(
        "settings/webhooks/<int:endpoint_id>/",
        webhooks.WebhookDetailView.as_view(),
        name="webhook-detail",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/edit/",
        webhooks.WebhookEditView.as_view(),
        name="webhook-edit",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/rotate-secret/",
        webhooks.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/delete/",
        webhooks.WebhookDeleteView.as_view(),
        name="webhook-delete",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/test/",
        webhooks.WebhookTestView.as_view(),
        name="webhook-test",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/",
        webhooks.WebhookDeliveryView.as_view(),
        name="webhook-delivery",
    ),
    # --- audit log (workspaces/views/audit.py) ---
    path("audit/", audit.AuditLogView.as_view(), name="audit"),
    path("audit/export.csv", audit.AuditExportView.as_view(), name="audit-export"),
]
