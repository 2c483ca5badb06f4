"""``/api/v1/workspaces`` and ``…/{slug}``: your workspaces, creating one, settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, TenancyAPIView, WorkspaceAPIView
from workspaces.selectors import workspace_membership_list
from workspaces.serializers_tenancy.workspaces import (
    WorkspaceCreateSerializer,
    WorkspaceDetailSerializer,
    WorkspaceSerializer,
    WorkspaceSettingsUpdateSerializer,
)
from workspaces.services.settings import workspace_settings_get, workspace_settings_update
from workspaces.services.workspaces import workspace_create

TAG_WORKSPACES = "workspaces"


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
