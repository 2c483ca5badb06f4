"""``…/{slug}/developer-workspaces``: the merchants' workspaces a tenant created."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from workspaces.api_tenancy.workspaces import TAG_WORKSPACES
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView
from workspaces.selectors import developer_workspace_list
from workspaces.serializers_tenancy.developer_workspaces import (
    DeveloperWorkspaceCreateSerializer,
    DeveloperWorkspaceSerializer,
)
from workspaces.services.developer_workspaces import developer_workspace_create


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
