"""Shapes of the approvals hub: one request (as either side sees it), the list's filters and
the decision bodies. The rules (who decides, a reason to reject, no self-decision) are
``workspaces.services.approvals``'."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api import QuerySerializer
from workspaces.authz import request_sides
from workspaces.extensions import approval_kind
from workspaces.models import ApprovalRequest
from workspaces.serializers import PersonSerializer

SIDES = ["requesting", "deciding"]
BOXES = [("to_decide", "Sent to this workspace to decide"), ("requested", "Asked by it")]


class WorkspaceRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ApprovalRequestSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=ApprovalRequest.State.choices)
    kind_label = serializers.SerializerMethodField(
        help_text='How the kind reads ("Release review").'
    )
    requesting_workspace = WorkspaceRefSerializer()
    deciding_workspace = WorkspaceRefSerializer()
    requested_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    sides = serializers.SerializerMethodField(
        help_text="The caller's sides of the request: requesting, deciding, or both (a tenant "
        "asking itself)."
    )
    payload = serializers.DictField(help_text="The kind's own data (a release: release_id).")

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "kind_label",
            "state",
            "summary",
            "notes",
            "reason",
            "payload",
            "requesting_workspace",
            "deciding_workspace",
            "requested_by",
            "decided_by",
            "sides",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_kind_label(self, request: ApprovalRequest) -> str:
        kind = approval_kind(request.kind)
        return kind.label if kind is not None else request.kind

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_requested_by(self, request: ApprovalRequest) -> dict[str, Any] | None:
        user = request.requested_by
        return PersonSerializer(user).data if user is not None else None

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_decided_by(self, request: ApprovalRequest) -> dict[str, Any] | None:
        user = request.decided_by
        return PersonSerializer(user).data if user is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=SIDES)))
    def get_sides(self, request: ApprovalRequest) -> list[str]:
        member = self.context.get("membership")
        return sorted(str(side) for side in request_sides(member, request))


class ApprovalListQuerySerializer(QuerySerializer):
    box = serializers.ChoiceField(
        choices=BOXES,
        required=False,
        default="to_decide",
        help_text="to_decide: requests sent to this workspace (empty for a member who may not "
        "decide); requested: requests this workspace made.",
    )
    state = serializers.ChoiceField(choices=ApprovalRequest.State.choices, required=False)
    kind = serializers.CharField(
        max_length=64, required=False, help_text='A kind code, e.g. "release_review".'
    )
    environment = serializers.CharField(
        max_length=32,
        required=False,
        help_text="Requests whose kind names this environment (a release review: development, "
        "test, sandbox or production).",
    )
    host_app = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text="Requests whose kind names this host app id (a release review's host app).",
    )
    mine = serializers.BooleanField(
        required=False,
        default=False,
        help_text="box=requested only: just the requests the caller submitted.",
    )


class ApprovalApproveSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Optional words for the requester."
    )


class ApprovalRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why (required: the requester reads it)."
    )
