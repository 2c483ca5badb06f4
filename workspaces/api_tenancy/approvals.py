"""``…/{slug}/approvals``: the approvals hub — requests sent to this workspace to decide and the
ones it made, one request, and approve / reject / withdraw.

A request is found only from a side of it the caller's workspace is on (404 otherwise, the same
answer as a missing one); deciding needs ``workspaces.decide_approvals`` (403 naming the roles).
The services apply the rest (no self-decision, a reason to reject, who may withdraw).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces import selectors_approvals
from workspaces.authz import Cap, Side, access_approval_request
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter
from workspaces.models import ApprovalRequest
from workspaces.serializers_tenancy.approvals import (
    ApprovalApproveSerializer,
    ApprovalListQuerySerializer,
    ApprovalRejectSerializer,
    ApprovalRequestSerializer,
)
from workspaces.services.approvals import approval_approve, approval_reject, approval_withdraw

TAG_APPROVALS = "approvals"
REQUEST_ID = id_parameter("request_id", "approval request")


class ApprovalAPIView(WorkspaceAPIView):
    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["membership"] = getattr(self, "membership", None)
        return context

    def on_side(self, request_id: int, side: Side, cap: Cap | None = None) -> ApprovalRequest:
        found, _member = access_approval_request(
            user=self.request.user,
            workspace=self.workspace,
            request_id=request_id,
            side=side,
            cap=cap,
        )
        return found

    def answer(self, request_id: int) -> Response:
        """The request read again after a decision."""
        fresh = (
            ApprovalRequest.objects.select_related(
                "requesting_workspace", "deciding_workspace", "requested_by", "decided_by"
            )
            .filter(pk=request_id)
            .get()
        )
        return self.out(ApprovalRequestSerializer, fresh)


class ApprovalListView(ApprovalAPIView):
    @extend_schema(
        tags=[TAG_APPROVALS],
        summary="Approval requests",
        description="Newest first. box=to_decide (the default): requests sent to this "
        "workspace, empty for a member who may not decide; box=requested: requests this "
        "workspace made (mine=true: those the caller submitted). Filter by state, kind, and "
        "the environment and host app a request names (a release review's target).",
        parameters=[SLUG, ApprovalListQuerySerializer],
        responses={200: ApprovalRequestSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(ApprovalListQuerySerializer)
        filters = {
            "state": query.get("state"),
            "kind": query.get("kind"),
            "environment": query.get("environment"),
            "host_app_id": query.get("host_app"),
        }
        if query["box"] == "requested":
            rows = selectors_approvals.approval_list_requested(
                member=self.membership, mine_only=query["mine"], **filters
            )
        else:
            rows = selectors_approvals.approval_list_to_decide(member=self.membership, **filters)
        return self.paginated(rows, ApprovalRequestSerializer)


class ApprovalDetailView(ApprovalAPIView):
    @extend_schema(
        tags=[TAG_APPROVALS],
        summary="One approval request",
        description="Seen from the workspace that made it, or by a decider of the workspace it "
        "was sent to.",
        parameters=[SLUG, REQUEST_ID],
        responses={200: ApprovalRequestSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, request_id: int) -> Response:
        try:
            found = self.on_side(request_id, Side.REQUESTING)
        except Http404:
            found = self.on_side(request_id, Side.DECIDING, Cap.DECIDE_APPROVALS)
        return self.out(ApprovalRequestSerializer, found)


class ApprovalApproveView(ApprovalAPIView):
    serializer_class = ApprovalApproveSerializer

    @extend_schema(
        tags=[TAG_APPROVALS],
        summary="Approve a request",
        description="Only a processing request sent to this workspace, not by the caller; a "
        "repeat is a no-op. Needs workspaces.decide_approvals.",
        parameters=[SLUG, REQUEST_ID],
        request=ApprovalApproveSerializer,
        responses={200: ApprovalRequestSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, request_id: int) -> Response:
        found = self.on_side(request_id, Side.DECIDING, Cap.DECIDE_APPROVALS)
        data = self.body(ApprovalApproveSerializer)
        approval_approve(actor=self.membership, request_id=found.pk, note=data["note"])
        return self.answer(found.pk)


class ApprovalRejectView(ApprovalAPIView):
    serializer_class = ApprovalRejectSerializer

    @extend_schema(
        tags=[TAG_APPROVALS],
        summary="Reject a request",
        description="With a reason (required: the requester reads it). Same rules as approve. "
        "Needs workspaces.decide_approvals.",
        parameters=[SLUG, REQUEST_ID],
        request=ApprovalRejectSerializer,
        responses={200: ApprovalRequestSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, request_id: int) -> Response:
        found = self.on_side(request_id, Side.DECIDING, Cap.DECIDE_APPROVALS)
        data = self.body(ApprovalRejectSerializer)
        approval_reject(actor=self.membership, request_id=found.pk, reason=data["reason"])
        return self.answer(found.pk)


class ApprovalWithdrawView(ApprovalAPIView):
    @extend_schema(
        tags=[TAG_APPROVALS],
        summary="Withdraw a request",
        description="From the workspace that made it: the person who submitted it, or an Owner "
        "or Admin. A repeat is a no-op.",
        parameters=[SLUG, REQUEST_ID],
        request=None,
        responses={200: ApprovalRequestSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, request_id: int) -> Response:
        found = self.on_side(request_id, Side.REQUESTING)
        approval_withdraw(actor=self.membership, request_id=found.pk)
        return self.answer(found.pk)
