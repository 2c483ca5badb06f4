"""``/api/v1/…/miniprograms/<app_id>/domains…`` (a mini program's server domains and WAP URLs,
its restriction, skip domain verification) and ``/api/v1/workspaces/<slug>/domain-…`` (the
tenant's edit grants and approved skips). The same services as the console's pages."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.domains.selectors import (
    domain_edit_grant_get,
    domain_edit_grant_list,
    domain_skip_get,
    domain_skip_list,
    domain_skip_states,
    domains_overview,
)
from miniprograms.domains.serializers import (
    ApprovalRequestRefSerializer,
    DomainEditGrantCreateSerializer,
    DomainEditGrantSerializer,
    DomainSkipSerializer,
    DomainsSaveSerializer,
    DomainsSerializer,
    RestrictionSerializer,
    SkipApplySerializer,
    SkipStateSerializer,
)
from miniprograms.domains.services import (
    domain_config_save,
    domain_edit_grant_add,
    domain_edit_grant_revoke,
    domain_restriction_set,
    domain_skip_apply,
    domain_skip_revoke,
)
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.models import MiniProgram
from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter

TAG = "server domains"

GRANT_ID = id_parameter("grant_id", "edit grant (see /domain-edit-grants)")
SKIP_ID = id_parameter("skip_id", "approved skip (see /domain-verification-skips)")


def _overview_body(view: MiniProgramAPIView, mp: MiniProgram, *, code: int = 200) -> Response:
    return view.out(DomainsSerializer, domains_overview(miniprogram=mp), code=code)


class MiniProgramDomainsView(MiniProgramAPIView):
    serializer_class = DomainsSaveSerializer

    @extend_schema(
        tags=[TAG],
        summary="Server domains and WAP URLs of a mini program",
        description="The global configuration and every version's effective lists (a list of "
        "a version's own configuration wins for that version; an empty one falls back to the "
        "global list), whether the mini program is restricted to them, and whether its "
        "developers may edit them. A host tenant reads a merchant's lists too.",
        parameters=[SLUG, APP_ID],
        responses={200: DomainsSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        return _overview_body(self, self.miniprogram(app_id))

    @extend_schema(
        tags=[TAG],
        summary="Replace the lists of one configuration",
        description="The global configuration (no version) or one version's. Entries are "
        "checked one by one (https://, wss:// for socket; a real host name, no IP address or "
        "localhost; no path or query except a WAP URL's path; exact ports; at most 200 per "
        "list after duplicates collapse; '.*' allows everything): any bad entry refuses "
        "everything, naming each by its position. Needs miniprograms.develop_miniprogram and, "
        "for a merchant mini program, its tenant's grant (403 otherwise).",
        parameters=[SLUG, APP_ID],
        request=DomainsSaveSerializer,
        responses={200: DomainsSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = DomainsSaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        domain_config_save(
            actor=self.membership,
            miniprogram=mp,
            version=data.validated_data.get("version", ""),
            lists=data.lists(),
        )
        return _overview_body(self, mp)


class MiniProgramDomainRestrictionView(MiniProgramAPIView):
    host_readable = False
    serializer_class = RestrictionSerializer

    @extend_schema(
        tags=[TAG],
        summary="Restrict a tenant mini program to its lists, or allow any domain",
        description="Only a tenant's own mini programs (a merchant's are always restricted). "
        "Needs miniprograms.manage_domainpolicy (the tenant's Owner and Workspace Admins).",
        parameters=[SLUG, APP_ID],
        request=RestrictionSerializer,
        responses={200: DomainsSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_DOMAIN_POLICY)
        data = self.body(RestrictionSerializer)
        domain_restriction_set(actor=self.membership, miniprogram=mp, restricted=data["restricted"])
        return _overview_body(self, mp)


class MiniProgramDomainSkipView(MiniProgramAPIView):
    host_readable = False
    serializer_class = SkipApplySerializer

    @extend_schema(
        tags=[TAG],
        summary="Skip domain verification: state per host app",
        description="For each host app the merchant mini program is released to: approved "
        "(it may call any server there), processing (an application waits in the approvals "
        "hub), rejected, or none.",
        parameters=[SLUG, APP_ID],
        responses={200: SkipStateSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        states = domain_skip_states(miniprogram=mp) if not mp.is_tenant_kind else []
        return self.paginated(states, SkipStateSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Apply to skip domain verification in a host app",
        description="Opens an approval request (kind domain_verification_skip) that the host "
        "app's tenant decides in its approvals hub; once approved the runtime answer says any "
        "domain for that host app. Merchant mini programs only; one open request per host "
        "app. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=SkipApplySerializer,
        responses={201: ApprovalRequestRefSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(SkipApplySerializer)
        approval = domain_skip_apply(
            actor=self.membership,
            miniprogram=mp,
            host_app_id=data["host_app_id"],
            reason=data["reason"],
        )
        return self.out(ApprovalRequestRefSerializer, approval, code=status.HTTP_201_CREATED)


# --- the tenant's side ------------------------------------------------------------------------


class _DomainPolicyAPIView(WorkspaceAPIView):
    """Tenant only (404 in a developer workspace); every method needs MANAGE_DOMAIN_POLICY."""

    tenant_only = True
    read_cap = Cap.MANAGE_DOMAIN_POLICY

    def initial(self, request: Request, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().initial(request, *args, **kwargs)
        authz.require(self.membership, Cap.MANAGE_DOMAIN_POLICY)


class DomainEditGrantListView(_DomainPolicyAPIView):
    serializer_class = DomainEditGrantCreateSerializer

    @extend_schema(
        tags=[TAG],
        summary="Who may edit their server domains and WAP URLs",
        description="The tenant's grants, newest first: a developer workspace (every mini "
        "program of it) or one merchant mini program. Needs miniprograms.manage_domainpolicy.",
        parameters=[SLUG],
        responses={200: DomainEditGrantSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        return self.paginated(
            domain_edit_grant_list(tenant=self.workspace), DomainEditGrantSerializer
        )

    @extend_schema(
        tags=[TAG],
        summary="Let a developer workspace or a mini program edit its lists",
        description="Exactly one of developer_workspace (slug) and app_id. Granting again "
        "answers the existing grant (200).",
        parameters=[SLUG],
        request=DomainEditGrantCreateSerializer,
        responses={201: DomainEditGrantSerializer, 200: DomainEditGrantSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(DomainEditGrantCreateSerializer)
        before = set(domain_edit_grant_list(tenant=self.workspace).values_list("pk", flat=True))
        grant = domain_edit_grant_add(
            actor=self.membership,
            developer_workspace_slug=data.get("developer_workspace", ""),
            app_id=data.get("app_id", ""),
        )
        grant = domain_edit_grant_get(tenant=self.workspace, grant_id=grant.pk)
        code = status.HTTP_200_OK if grant.pk in before else status.HTTP_201_CREATED
        return self.out(DomainEditGrantSerializer, grant, code=code)


class DomainEditGrantDetailView(_DomainPolicyAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Take an edit grant back",
        description="The lists stay in force as they are; only editing stops.",
        parameters=[SLUG, GRANT_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, grant_id: int) -> Response:
        if domain_edit_grant_get(tenant=self.workspace, grant_id=grant_id) is None:
            raise exceptions.NotFound("No such grant.")
        domain_edit_grant_revoke(actor=self.membership, grant_id=grant_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DomainSkipListView(_DomainPolicyAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Mini programs that skip domain verification in the tenant's host apps",
        parameters=[SLUG],
        responses={200: DomainSkipSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        return self.paginated(domain_skip_list(tenant=self.workspace), DomainSkipSerializer)


class DomainSkipDetailView(_DomainPolicyAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Revoke skipping domain verification",
        description="The mini program is held to its lists in that host app again.",
        parameters=[SLUG, SKIP_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, skip_id: int) -> Response:
        if domain_skip_get(tenant=self.workspace, skip_id=skip_id) is None:
            raise Http404("No such skip.")
        domain_skip_revoke(actor=self.membership, skip_id=skip_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
