"""``…/{slug}/members``: the member list, one member, role/block changes, removal,
ownership transfer."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter
from workspaces.models import Membership
from workspaces.selectors import member_get, member_list_filtered
from workspaces.serializers_tenancy.members import (
    MemberListQuerySerializer,
    MemberSerializer,
    MemberUpdateSerializer,
)
from workspaces.services.members import (
    membership_remove,
    membership_update,
    workspace_transfer_ownership,
)

TAG_MEMBERS = "members"
MEMBER_ID = id_parameter("membership_id", "membership (see the member list)")


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
        member = membership_update(
            actor=self.membership,
            membership_id=member.pk,
            role=data.get("role"),
            blocked=data["status"] == Membership.Status.BLOCKED if "status" in data else None,
        )
        return self.out(MemberSerializer, member)

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
