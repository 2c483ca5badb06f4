"""``…/{slug}/grants``: capabilities granted to single members on top of their role."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter
from workspaces.selectors import grant_get, grant_list, member_get
from workspaces.serializers_tenancy.grants import (
    GrantCreateSerializer,
    GrantDeleteQuerySerializer,
    GrantSerializer,
)
from workspaces.services.grants import grant_add, grant_remove

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
