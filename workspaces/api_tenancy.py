"""``/api/v1/workspaces/…``: the tenancy API (STYLE.md §10b).

It mirrors the console: every view resolves the workspace with ``authz.access_workspace`` (404
for non-members, like a missing workspace), looks objects up *inside* that workspace (404
otherwise), and calls the same services, which check the same capabilities (403 with the roles
that would be allowed). A service's ``ValidationError`` becomes a 400 with its message
(``console.api.exception_handler``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import (
    ERRORS,
    SLUG,
    WRITE_ERRORS,
    TenancyAPIView,
    WorkspaceAPIView,
    id_parameter,
    json_or_multipart,
)
from workspaces.models import HostApp, Invitation, Membership
from workspaces.selectors import (
    audit_event_list,
    developer_workspace_list,
    grant_get,
    grant_list,
    host_app_get,
    host_app_list,
    invitation_get,
    invitation_list,
    member_get,
    member_list_filtered,
    workspace_membership_list,
)
from workspaces.serializers_tenancy import (
    AuditEventSerializer,
    AuditQuerySerializer,
    DeveloperWorkspaceCreateSerializer,
    DeveloperWorkspaceSerializer,
    GrantCreateSerializer,
    GrantDeleteQuerySerializer,
    GrantSerializer,
    HostAppCreateSerializer,
    HostAppSerializer,
    HostAppUpdateSerializer,
    HostAppWithSecretSerializer,
    InvitationBatchResultSerializer,
    InvitationBatchSerializer,
    InvitationListQuerySerializer,
    InvitationSerializer,
    MemberListQuerySerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    WorkspaceCreateSerializer,
    WorkspaceDetailSerializer,
    WorkspaceSerializer,
    WorkspaceSettingsUpdateSerializer,
)
from workspaces.services.developer_workspaces import developer_workspace_create
from workspaces.services.grants import grant_add, grant_remove
from workspaces.services.hostapps import host_app_create, host_app_reset_secret, host_app_update
from workspaces.services.invitations import (
    InviteSpec,
    invitation_create_batch,
    invitation_resend,
    invitation_withdraw,
)
from workspaces.services.members import (
    membership_change_role,
    membership_remove,
    membership_set_blocked,
    workspace_transfer_ownership,
)
from workspaces.services.settings import workspace_settings_get, workspace_settings_update
from workspaces.services.workspaces import workspace_create

TAG_WORKSPACES = "workspaces"
TAG_MEMBERS = "members"
TAG_INVITATIONS = "invitations"
TAG_HOST_APPS = "host apps"
TAG_AUDIT = "audit"

MEMBER_ID = id_parameter("membership_id", "membership (see the member list)")
INVITATION_ID = id_parameter("invitation_id", "invitation")
HOST_APP_ID = id_parameter("host_app_id", "host app")


# --- workspaces ------------------------------------------------------------------------------


class WorkspaceListView(TenancyAPIView):
    serializer_class = WorkspaceCreateSerializer

    @extend_schema(
        tags=[TAG_WORKSPACES],
        summary="Your workspaces",
        description="Workspaces you are an active member of, in name order, with your role.",
        responses={200: WorkspaceSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(workspace_membership_list(user=request.user))
        return self.get_paginated_response(WorkspaceSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG_WORKSPACES],
        summary="Create a workspace",
        description="Onboarding: a new tenant or developer workspace with you as its Owner.",
        request=WorkspaceCreateSerializer,
        # 429: the per-user limit on creating workspaces (workspaces.services.workspaces).
        responses={
            201: WorkspaceSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        data = WorkspaceCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        workspace = workspace_create(owner=request.user, **data.validated_data)
        membership = workspace_membership_list(user=request.user).get(workspace=workspace)
        return Response(WorkspaceSerializer(membership).data, status=status.HTTP_201_CREATED)


class WorkspaceDetailView(WorkspaceAPIView):
    @extend_schema(
        tags=[TAG_WORKSPACES],
        summary="A workspace and its settings",
        parameters=[SLUG],
        responses={200: WorkspaceDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        row = workspace_settings_get(workspace=self.workspace)
        return self.out(WorkspaceDetailSerializer, self.membership, settings=row)

    @extend_schema(
        tags=[TAG_WORKSPACES],
        summary="Change workspace settings",
        description="Send only the fields to change, as JSON, or as multipart/form-data to "
        "upload a logo or favicon. Needs the capability workspaces.change_workspace.",
        parameters=[SLUG],
        request={
            "application/json": WorkspaceSettingsUpdateSerializer,
            "multipart/form-data": WorkspaceSettingsUpdateSerializer,
        },
        responses={200: WorkspaceDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str) -> Response:
        changes = dict(self.body(WorkspaceSettingsUpdateSerializer, partial=True))
        files = {key: changes.pop(key, None) for key in ("logo", "favicon")}
        flags = {key: bool(changes.pop(key, False)) for key in ("clear_logo", "clear_favicon")}
        row = workspace_settings_update(actor=self.membership, changes=changes, **files, **flags)
        self.membership.workspace = row.workspace
        return self.out(WorkspaceDetailSerializer, self.membership, settings=row)


# --- members ---------------------------------------------------------------------------------


class MemberListView(WorkspaceAPIView):
    read_cap = Cap.VIEW_MEMBERS

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Members of a workspace",
        description="Owner first, then by role and name. Pending invitations are listed "
        "under /invitations.",
        parameters=[SLUG, MemberListQuerySerializer],
        responses={200: MemberSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(MemberListQuerySerializer)
        members = member_list_filtered(
            workspace=self.workspace,
            status=query.get("status", ""),
            query=query.get("q", "").strip(),
        )
        return self.paginated(members, MemberSerializer)


class _MemberObjectView(WorkspaceAPIView):
    read_cap = Cap.VIEW_MEMBERS

    def member(self, membership_id: int) -> Membership:
        member = member_get(workspace=self.workspace, membership_id=membership_id)
        if member is None:
            raise Http404("No such member.")
        return member


class MemberDetailView(_MemberObjectView):
    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="One member",
        parameters=[SLUG, MEMBER_ID],
        responses={200: MemberSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, membership_id: int) -> Response:
        return self.out(MemberSerializer, self.member(membership_id))

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Change a member's role, or block/unblock them",
        description='{"role": "admin"} or {"status": "blocked"} (or both). The owner cannot be '
        "demoted or blocked. Needs workspaces.manage_members.",
        parameters=[SLUG, MEMBER_ID],
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, membership_id: int) -> Response:
        member = self.member(membership_id)
        data = self.body(MemberUpdateSerializer)
        with transaction.atomic():  # both changes, or neither
            member = self._apply(member, data)
        return self.out(MemberSerializer, member)

    def _apply(self, member: Membership, data: dict[str, Any]) -> Membership:
        if "role" in data:
            member = membership_change_role(
                actor=self.membership, membership_id=member.pk, role=data["role"]
            )
        if "status" in data:
            member = membership_set_blocked(
                actor=self.membership,
                membership_id=member.pk,
                blocked=data["status"] == Membership.Status.BLOCKED,
            )
        return member

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Remove a member (or leave)",
        description="Anyone may remove themselves; removing others needs "
        "workspaces.manage_members. The owner cannot be removed.",
        parameters=[SLUG, MEMBER_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, membership_id: int) -> Response:
        member = self.member(membership_id)
        membership_remove(actor=self.membership, membership_id=member.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberTransferOwnershipView(_MemberObjectView):
    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Transfer ownership to this member",
        description="Only the owner can; they become a Workspace/Developer Admin. The member "
        "must be active.",
        parameters=[SLUG, MEMBER_ID],
        request=None,
        responses={200: MemberSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, membership_id: int) -> Response:
        member = self.member(membership_id)
        new_owner = workspace_transfer_ownership(actor=self.membership, membership_id=member.pk)
        return self.out(MemberSerializer, new_owner)


# --- invitations -----------------------------------------------------------------------------


class InvitationListView(WorkspaceAPIView):
    serializer_class = InvitationBatchSerializer
    read_cap = Cap.VIEW_MEMBERS

    @extend_schema(
        tags=[TAG_INVITATIONS],
        summary="Invitations of a workspace",
        description="Newest first; pending (and expired) ones unless include_closed=true.",
        parameters=[SLUG, InvitationListQuerySerializer],
        responses={200: InvitationSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(InvitationListQuerySerializer)
        invitations = invitation_list(
            workspace=self.workspace, open_only=not query["include_closed"]
        ).select_related("workspace")
        return self.paginated(invitations, InvitationSerializer)

    @extend_schema(
        tags=[TAG_INVITATIONS],
        summary="Invite people",
        description="Up to 10 at once, all or nothing; each gets an email with a single-use "
        "link valid for 3 days. A Developer is assigned to the mini programs in app_ids when "
        "they accept (at least one is required once the workspace has mini programs). Needs "
        "workspaces.manage_members.",
        parameters=[SLUG],
        request=InvitationBatchSerializer,
        responses={201: InvitationBatchResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        people = self.body(InvitationBatchSerializer)["invitations"]
        specs = [
            InviteSpec(
                name=person["name"],
                email=person["email"],
                role=person["role"],
                app_ids=tuple(person["app_ids"]),
            )
            for person in people
        ]
        created = invitation_create_batch(actor=self.membership, specs=specs)
        return self.out(InvitationBatchResultSerializer, {"invitations": created}, code=201)


class _InvitationActionView(WorkspaceAPIView):
    def invitation(self, invitation_id: int) -> Invitation:
        invitation = invitation_get(workspace=self.workspace, invitation_id=invitation_id)
        if invitation is None:
            raise Http404("No such invitation.")
        return invitation


class InvitationWithdrawView(_InvitationActionView):
    @extend_schema(
        tags=[TAG_INVITATIONS],
        summary="Withdraw an invitation",
        description="Its link stops working at once. Needs workspaces.manage_members.",
        parameters=[SLUG, INVITATION_ID],
        request=None,
        responses={200: InvitationSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, invitation_id: int) -> Response:
        invitation = self.invitation(invitation_id)
        invitation = invitation_withdraw(actor=self.membership, invitation_id=invitation.pk)
        return self.out(InvitationSerializer, invitation)


class InvitationResendView(_InvitationActionView):
    @extend_schema(
        tags=[TAG_INVITATIONS],
        summary="Re-send an invitation",
        description="A new link valid for 3 days; the previous link stops working. Needs "
        "workspaces.manage_members.",
        parameters=[SLUG, INVITATION_ID],
        request=None,
        responses={200: InvitationSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, invitation_id: int) -> Response:
        invitation = self.invitation(invitation_id)
        invitation = invitation_resend(actor=self.membership, invitation_id=invitation.pk)
        return self.out(InvitationSerializer, invitation)


# --- host apps -------------------------------------------------------------------------------


class HostAppListView(WorkspaceAPIView):
    serializer_class = HostAppCreateSerializer
    read_cap = Cap.VIEW_HOST_APPS
    tenant_only = True

    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Host apps of a tenant workspace",
        description="In name order. Developer workspaces have none (404).",
        parameters=[SLUG],
        responses={200: HostAppSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        return self.paginated(host_app_list(workspace=self.workspace), HostAppSerializer)

    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Register a host app",
        description="Answers with the SDK secret, once: only its hash is kept. Needs "
        "workspaces.manage_hostapps.",
        parameters=[SLUG],
        request=json_or_multipart(HostAppCreateSerializer),
        responses={201: HostAppWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(HostAppCreateSerializer)
        app, secret = host_app_create(
            actor=self.membership,
            name=data["name"],
            description=data.get("description", ""),
            platforms={k: v or "" for k, v in data["platforms"].items()},
            icon=data.get("icon"),
        )
        app = host_app_get(workspace=self.workspace, host_app_id=app.pk)
        return self.out(HostAppWithSecretSerializer, app, code=201, secret=secret)


class _HostAppObjectView(WorkspaceAPIView):
    read_cap = Cap.VIEW_HOST_APPS
    tenant_only = True

    def host_app(self, host_app_id: int) -> HostApp:
        app = host_app_get(workspace=self.workspace, host_app_id=host_app_id)
        if app is None:
            raise Http404("No such host app.")
        return app


class HostAppDetailView(_HostAppObjectView):
    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="One host app",
        description="Never includes the SDK secret.",
        parameters=[SLUG, HOST_APP_ID],
        responses={200: HostAppSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        return self.out(HostAppSerializer, self.host_app(host_app_id))

    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Edit a host app",
        description="Send only what changes. platforms is merged per platform: a null or empty "
        "bundle id removes that platform. The app key never changes. Needs "
        "workspaces.manage_hostapps.",
        parameters=[SLUG, HOST_APP_ID],
        request=json_or_multipart(HostAppUpdateSerializer),
        responses={200: HostAppSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        data = self.body(HostAppUpdateSerializer, partial=True)
        platforms = {p.platform: p.bundle_id for p in app.platforms.all()}
        platforms.update({k: v or "" for k, v in data.get("platforms", {}).items()})
        host_app_update(
            actor=self.membership,
            host_app_id=app.pk,
            name=data.get("name", app.name),
            description=data.get("description", app.description),
            platforms=platforms,
            icon=data.get("icon"),
        )
        return self.out(HostAppSerializer, self.host_app(app.pk))


class HostAppResetSecretView(_HostAppObjectView):
    @extend_schema(
        tags=[TAG_HOST_APPS],
        summary="Reset the SDK secret",
        description="The old secret stops working at once; the new one is in this answer "
        "only. Needs workspaces.manage_hostapps.",
        parameters=[SLUG, HOST_APP_ID],
        request=None,
        responses={200: HostAppWithSecretSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, host_app_id: int) -> Response:
        app = self.host_app(host_app_id)
        app, secret = host_app_reset_secret(actor=self.membership, host_app_id=app.pk)
        return self.out(HostAppWithSecretSerializer, self.host_app(app.pk), secret=secret)


# --- developer workspaces --------------------------------------------------------------------


class DeveloperWorkspaceListView(WorkspaceAPIView):
    serializer_class = DeveloperWorkspaceCreateSerializer
    tenant_only = True

    @extend_schema(
        tags=[TAG_WORKSPACES],
        summary="Developer workspaces of a tenant",
        description="The merchants' workspaces this tenant created, with their owner (once "
        "accepted) or the pending owner invitation.",
        parameters=[SLUG],
        responses={200: DeveloperWorkspaceSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        workspaces = developer_workspace_list(tenant=self.workspace)
        return self.paginated(workspaces, DeveloperWorkspaceSerializer)

    @extend_schema(
        tags=[TAG_WORKSPACES],
        summary="Create a developer workspace",
        description="Linked to this tenant; its owner is invited by email and becomes Owner "
        "on accepting. Needs workspaces.manage_developer_workspaces.",
        parameters=[SLUG],
        request=DeveloperWorkspaceCreateSerializer,
        responses={201: DeveloperWorkspaceSerializer, **WRITE_ERRORS, 429: ErrorSerializer},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(DeveloperWorkspaceCreateSerializer)
        created, _ = developer_workspace_create(actor=self.membership, **data)
        workspace = developer_workspace_list(tenant=self.workspace).get(pk=created.pk)
        return self.out(DeveloperWorkspaceSerializer, workspace, code=201)


# --- audit -----------------------------------------------------------------------------------


class AuditEventListView(WorkspaceAPIView):
    read_cap = Cap.VIEW_AUDIT

    @extend_schema(
        tags=[TAG_AUDIT],
        summary="Audit events of a workspace",
        description="Newest first. Needs workspaces.view_auditevent.",
        parameters=[SLUG, AuditQuerySerializer],
        responses={200: AuditEventSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(AuditQuerySerializer)
        events = audit_event_list(
            workspace=self.workspace,
            actor=query.get("actor", ""),
            verb=query.get("verb", ""),
            target=query.get("target", ""),
            since=query.get("since"),
            until=query.get("until"),
        )
        return self.paginated(events, AuditEventSerializer)


# --- object grants ---------------------------------------------------------------------------

TAG_GRANTS = "grants"
GRANT_ID = id_parameter("grant_id", "grant")


class _GrantView(WorkspaceAPIView):
    """Grants are part of the Authorizations page: every method needs manage_authorizations."""

    read_cap = Cap.MANAGE_AUTHORIZATIONS

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        authz.require(self.membership, Cap.MANAGE_AUTHORIZATIONS)  # 403 before "bad input"


class GrantListView(_GrantView):
    serializer_class = GrantCreateSerializer

    @extend_schema(
        tags=[TAG_GRANTS],
        summary="Object grants of a workspace",
        description="Capabilities granted to single members on top of their role, by person: "
        "on the workspace, and on its mini programs (assigned Developers). Needs "
        "workspaces.manage_authorizations.",
        parameters=[SLUG],
        responses={200: GrantSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        return self.paginated(grant_list(workspace=self.workspace), GrantSerializer)

    @extend_schema(
        tags=[TAG_GRANTS],
        summary="Grant a capability to a member",
        description="On the workspace itself; only capabilities that do not decide who has "
        "access can be granted (never member management, authorizations or ownership). "
        "Granting an existing grant again answers it unchanged. Needs "
        "workspaces.manage_authorizations.",
        parameters=[SLUG],
        request=GrantCreateSerializer,
        responses={201: GrantSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(GrantCreateSerializer)
        member = member_get(workspace=self.workspace, membership_id=data["membership_id"])
        if member is None:
            raise exceptions.ValidationError(
                {"membership_id": ["This person is not a member of the workspace."]}
            )
        grant_add(
            actor=self.membership, user_id=member.user_id, cap=data["cap"], obj=self.workspace
        )
        grant = next(
            g
            for g in grant_list(workspace=self.workspace, user_id=member.user_id)
            if g.object_type == "workspace" and g.cap == data["cap"]
        )
        return self.out(GrantSerializer, grant, code=201)


class GrantDetailView(_GrantView):
    @extend_schema(
        tags=[TAG_GRANTS],
        summary="Revoke a grant",
        description="The person loses the capability at once unless their role gives it "
        "(revoking miniprograms.develop_miniprogram takes a Developer off that mini program). "
        "Grant ids are counted per object type: send object_type=miniprogram for a grant on a "
        "mini program. Needs workspaces.manage_authorizations.",
        parameters=[SLUG, GRANT_ID, GrantDeleteQuerySerializer],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, grant_id: int) -> Response:
        object_type = self.query(GrantDeleteQuerySerializer)["object_type"]
        grant = grant_get(workspace=self.workspace, grant_id=grant_id, object_type=object_type)
        if grant is None:
            raise Http404("No such grant.")
        grant_remove(actor=self.membership, user_id=grant.user.pk, cap=grant.cap, obj=grant.object)
        return Response(status=status.HTTP_204_NO_CONTENT)
