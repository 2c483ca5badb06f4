"""``/api/v1/workspaces/<slug>/hosted-miniprograms[/<app_id>]``: a tenant reads the merchant
mini programs that target its host apps (list and detail), read-only.

The same rule as the console's "From developers" list: the tenant's Owner, Admins and Reviewers
(the roles that see mini programs) read them; a Developer gets 403, a developer workspace 404.
Their versions, quality reports, packages and releases are read at the same paths as the
tenant's own mini programs (``…/miniprograms/<app_id>/versions``, …), where every write answers
403; these two endpoints are how a tenant finds them.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.access import hosted_get
from miniprograms.endpoints import APP_ID
from miniprograms.selectors import miniprogram_hosted_list
from miniprograms.serializers.hosted import (
    HostedListQuerySerializer,
    HostedMiniProgramDetailSerializer,
    HostedMiniProgramSerializer,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView

TAG_HOSTED = "mini programs from developers"


class HostedMiniProgramListView(WorkspaceAPIView):
    read_cap = Cap.VIEW_MINIPROGRAM
    tenant_only = True

    @extend_schema(
        tags=[TAG_HOSTED],
        summary="Mini programs from developers",
        description="The merchant mini programs that target one of this tenant's host apps "
        "(active or taken offline there), newest first, each with its developer workspace and "
        "only this tenant's host apps. Read-only. Owner, Admins and Reviewers of a tenant; 404 "
        "in a developer workspace.",
        parameters=[SLUG, HostedListQuerySerializer],
        responses={200: HostedMiniProgramSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(HostedListQuerySerializer)
        miniprograms = miniprogram_hosted_list(
            member=self.membership,
            search=query.get("search", ""),
            shelf=query.get("shelf", ""),
            host_app_id=query.get("host_app"),
            developer_slug=query.get("developer_workspace", ""),
        )
        return self.paginated(miniprograms, HostedMiniProgramSerializer)


class HostedMiniProgramDetailView(WorkspaceAPIView):
    read_cap = Cap.VIEW_MINIPROGRAM
    tenant_only = True

    @extend_schema(
        tags=[TAG_HOSTED],
        summary="One mini program from a developer",
        description="A merchant mini program that targets one of this tenant's host apps: its "
        "draft profile, what host apps show, what is pending until its next release, its "
        "developer workspace and this tenant's host apps. 404 for any other App ID (the "
        "tenant's own mini programs included: read them under /miniprograms/{app_id}).",
        parameters=[SLUG, APP_ID],
        responses={200: HostedMiniProgramDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = hosted_get(member=self.membership, app_id=app_id)
        if mp is None:  # missing, the tenant's own, or not targeting its host apps
            raise Http404("No such mini program.")
        return self.out(HostedMiniProgramDetailSerializer, mp)
