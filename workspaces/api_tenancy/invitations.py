"""``…/{slug}/invitations``: the invitation list, inviting people, withdraw and re-send."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces.authz import Cap
from workspaces.endpoints import SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter
from workspaces.models import Invitation
from workspaces.selectors import invitation_get, invitation_list
from workspaces.serializers_tenancy.invitations import (
    InvitationBatchResultSerializer,
    InvitationBatchSerializer,
    InvitationListQuerySerializer,
    InvitationSerializer,
)
from workspaces.services.invitations import (
    InviteSpec,
    invitation_create_batch,
    invitation_resend,
    invitation_withdraw,
)

TAG_INVITATIONS = "invitations"
INVITATION_ID = id_parameter("invitation_id", "invitation")


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
