"""``…/{slug}/audit-events``: the workspace's audit log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces.authz import Cap
from workspaces.endpoints import SLUG, WRITE_ERRORS, WorkspaceAPIView
from workspaces.selectors import audit_event_list
from workspaces.serializers_tenancy.audit import AuditEventSerializer, AuditQuerySerializer

TAG_AUDIT = "audit"


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
