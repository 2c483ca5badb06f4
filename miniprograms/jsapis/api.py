"""``/api/v1/…``: the tenant's JSAPI catalogue, features (with history) and the access it
granted; a mini program's JSAPI permissions and applications. The same services as the
console; capability checks in the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.jsapis import selectors
from miniprograms.jsapis.models import Jsapi, JsapiFeature
from miniprograms.jsapis.serializers import (
    AccessQuerySerializer,
    FeatureQuerySerializer,
    HistoryEntrySerializer,
    HostAppPermissionsSerializer,
    JsapiApplicationSerializer,
    JsapiApplySerializer,
    JsapiFeatureSerializer,
    JsapiFeatureWriteSerializer,
    JsapiQuerySerializer,
    JsapiSerializer,
    JsapiUpdateSerializer,
    RevokeSerializer,
)
from miniprograms.jsapis.services import (
    jsapi_application_revoke,
    jsapi_application_withdraw,
    jsapi_apply,
    jsapi_catalogue_ensure,
    jsapi_catalogues_ensure,
    jsapi_feature_create,
    jsapi_feature_update,
    jsapi_update,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter

TAG_CATALOGUE = "JSAPI catalogue"
TAG_PERMISSIONS = "mini program JSAPI permissions"

JSAPI_ID = id_parameter("jsapi_id", "JSAPI (see /jsapis)")
FEATURE_ID = id_parameter("feature_id", "feature (see /jsapi-features)")
APPLICATION_ID = id_parameter("application_id", "JSAPI application")


class _CatalogueView(WorkspaceAPIView):
    """A tenant's catalogue: 404 in a developer workspace; written on first use."""

    tenant_only = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        jsapi_catalogue_ensure(workspace=self.workspace)

    def jsapi(self, jsapi_id: int) -> Jsapi:
        jsapi = selectors.jsapi_get(workspace=self.workspace, jsapi_id=jsapi_id)
        if jsapi is None:
            raise exceptions.NotFound("No such JSAPI.")
        return jsapi

    def feature(self, feature_id: int) -> JsapiFeature:
        feature = selectors.jsapi_feature_get(workspace=self.workspace, feature_id=feature_id)
        if feature is None:
            raise exceptions.NotFound("No such feature.")
        return feature

    def jsapi_ids(self, names: list[str]) -> list[int]:
        found = dict(
            Jsapi.objects.filter(workspace=self.workspace, name__in=names).values_list("name", "pk")
        )
        unknown = sorted(set(names) - set(found))
        if unknown:
            raise DjangoValidationError({"jsapis": f"Not in the catalogue: {', '.join(unknown)}."})
        return [found[name] for name in names]


class JsapiListView(_CatalogueView):
    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="The tenant's JSAPI catalogue",
        description="By name, filtered. Every member of the tenant reads it; 404 in a developer "
        "workspace.",
        parameters=[SLUG, JsapiQuerySerializer],
        responses={200: JsapiSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(JsapiQuerySerializer)
        rows = selectors.jsapi_list(
            workspace=self.workspace,
            search=query.get("search", ""),
            category=query.get("category", ""),
            sensitive=query.get("sensitive"),
            platform=query.get("platform", ""),
        )
        return self.paginated(rows, JsapiSerializer)


class JsapiDetailView(_CatalogueView):
    serializer_class = JsapiUpdateSerializer

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="A JSAPI of the catalogue",
        parameters=[SLUG, JSAPI_ID],
        responses={200: JsapiSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, jsapi_id: int) -> Response:
        return self.out(JsapiSerializer, self.jsapi(jsapi_id))

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="Edit a JSAPI",
        description="Category, description, platforms (at least one) and whether it is "
        "sensitive; audited. Needs miniprograms.manage_jsapicatalogue.",
        parameters=[SLUG, JSAPI_ID],
        request=JsapiUpdateSerializer,
        responses={200: JsapiSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, jsapi_id: int) -> Response:
        jsapi = self.jsapi(jsapi_id)
        data = self.body(JsapiUpdateSerializer)
        return self.out(
            JsapiSerializer, jsapi_update(actor=self.membership, jsapi=jsapi, changes=data)
        )


class FeatureListView(_CatalogueView):
    serializer_class = JsapiFeatureWriteSerializer

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="The tenant's JSAPI features",
        parameters=[SLUG, FeatureQuerySerializer],
        responses={200: JsapiFeatureSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(FeatureQuerySerializer)
        rows = selectors.jsapi_feature_list(
            workspace=self.workspace, search=query.get("search", "")
        )
        return self.paginated(rows, JsapiFeatureSerializer)

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="Add a feature",
        description="A named bundle of JSAPIs (by name); access direct or activation. Needs "
        "miniprograms.manage_jsapicatalogue.",
        parameters=[SLUG],
        request=JsapiFeatureWriteSerializer,
        responses={201: JsapiFeatureSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(JsapiFeatureWriteSerializer)
        feature = jsapi_feature_create(
            actor=self.membership,
            name=data["name"],
            description=data["description"],
            access=data["access"],
            jsapi_ids=self.jsapi_ids(data["jsapis"]),
        )
        return self.out(
            JsapiFeatureSerializer,
            self.feature(feature.pk),
            code=status.HTTP_201_CREATED,
        )


class FeatureDetailView(_CatalogueView):
    serializer_class = JsapiFeatureWriteSerializer

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="A feature",
        parameters=[SLUG, FEATURE_ID],
        responses={200: JsapiFeatureSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, feature_id: int) -> Response:
        return self.out(JsapiFeatureSerializer, self.feature(feature_id))

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="Edit a feature",
        description="Any of name, description, access, jsapis; recorded in its history. Needs "
        "miniprograms.manage_jsapicatalogue.",
        parameters=[SLUG, FEATURE_ID],
        request=JsapiFeatureWriteSerializer(partial=True),
        responses={200: JsapiFeatureSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, feature_id: int) -> Response:
        feature = self.feature(feature_id)
        data = self.body(JsapiFeatureWriteSerializer, partial=True)
        names = data.get("jsapis")
        jsapi_feature_update(
            actor=self.membership,
            feature=feature,
            name=data.get("name", feature.name),
            description=data.get("description", feature.description),
            access=data.get("access", feature.access),
            jsapi_ids=(
                self.jsapi_ids(names) if names is not None else [j.pk for j in feature.jsapis.all()]
            ),
        )
        return self.out(JsapiFeatureSerializer, self.feature(feature_id))


class FeatureHistoryView(_CatalogueView):
    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="A feature's history",
        description="Who changed what, newest first, with the changed fields before and after.",
        parameters=[SLUG, FEATURE_ID],
        responses={200: HistoryEntrySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, feature_id: int) -> Response:
        feature = self.feature(feature_id)
        return self.paginated(
            selectors.jsapi_feature_history(feature=feature), HistoryEntrySerializer
        )


class AccessListView(_CatalogueView):
    read_cap = Cap.DECIDE_APPROVALS

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="Applications to the tenant's host apps",
        description="Sensitive JSAPIs and features mini programs applied for, newest first "
        "(decided in the approvals hub). Owner, Admins and Reviewers.",
        parameters=[SLUG, AccessQuerySerializer],
        responses={200: JsapiApplicationSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(AccessQuerySerializer)
        rows = selectors.jsapi_access_list(workspace=self.workspace, state=query.get("state", ""))
        return self.paginated(rows, JsapiApplicationSerializer)


class AccessRevokeView(_CatalogueView):
    serializer_class = RevokeSerializer

    @extend_schema(
        tags=[TAG_CATALOGUE],
        summary="Revoke an approved application",
        description="The mini program can no longer call what it opened, at once. A repeat "
        "answers it unchanged. Needs workspaces.decide_approvalrequest.",
        parameters=[SLUG, APPLICATION_ID],
        request=RevokeSerializer,
        responses={200: JsapiApplicationSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, application_id: int) -> Response:
        application = selectors.jsapi_access_get(
            workspace=self.workspace, application_id=application_id
        )
        if application is None:
            raise exceptions.NotFound("No such application.")
        data = self.body(RevokeSerializer)
        jsapi_application_revoke(
            actor=self.membership, application=application, reason=data["reason"]
        )
        return self.out(
            JsapiApplicationSerializer,
            selectors.jsapi_access_get(workspace=self.workspace, application_id=application_id),
        )


# --- a mini program's side -----------------------------------------------------------------------


class PermissionsView(MiniProgramAPIView):
    pagination_class = None  # one entry per host app the mini program is released to

    @extend_schema(
        tags=[TAG_PERMISSIONS],
        summary="What a mini program may call, per host app",
        description="For each host app it is released to: the JSAPIs the runtime API lets it "
        "call, and where it stands with each sensitive JSAPI and activation feature.",
        parameters=[SLUG, APP_ID],
        responses={200: HostAppPermissionsSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        host_workspace = self.workspace if self.is_hosted else None
        jsapi_catalogues_ensure(
            workspace_ids=selectors.jsapi_target_workspace_ids(
                miniprogram=mp, host_workspace=host_workspace
            )
        )
        hosts = selectors.jsapi_permissions(miniprogram=mp, host_workspace=host_workspace)
        return Response(HostAppPermissionsSerializer(hosts, many=True).data)


class ApplicationListView(MiniProgramAPIView):
    serializer_class = JsapiApplySerializer

    @extend_schema(
        tags=[TAG_PERMISSIONS],
        summary="A mini program's JSAPI applications",
        parameters=[SLUG, APP_ID],
        responses={200: JsapiApplicationSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        rows = selectors.jsapi_application_list(miniprogram=mp)
        if self.is_hosted:
            rows = rows.filter(host_app__workspace=self.workspace)
        return self.paginated(rows, JsapiApplicationSerializer)

    @extend_schema(
        tags=[TAG_PERMISSIONS],
        summary="Apply for a sensitive JSAPI or an activation feature",
        description="In one host app the mini program is released to; the host app's tenant "
        "decides it in its approvals hub. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=JsapiApplySerializer,
        responses={201: JsapiApplicationSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(JsapiApplySerializer)
        jsapi_id = None
        if "jsapi" in data:
            tenant_id = (
                mp.targets.filter(host_app_id=data["host_app_id"])
                .values_list("host_app__workspace_id", flat=True)
                .first()
            )
            if tenant_id is not None:  # else jsapi_apply says it is not released there
                jsapi_catalogues_ensure(workspace_ids=[tenant_id])
                jsapi_id = (
                    Jsapi.objects.filter(workspace_id=tenant_id, name=data["jsapi"])
                    .values_list("pk", flat=True)
                    .first()
                )
                if jsapi_id is None:
                    raise DjangoValidationError({"jsapi": "This host app offers no such JSAPI."})
        application = jsapi_apply(
            actor=self.membership,
            miniprogram=mp,
            host_app_id=data["host_app_id"],
            reason=data["reason"],
            jsapi_id=jsapi_id,
            feature_id=data.get("feature_id"),
        )
        application = selectors.jsapi_application_get(miniprogram=mp, application_id=application.pk)
        return self.out(JsapiApplicationSerializer, application, code=status.HTTP_201_CREATED)


class ApplicationWithdrawView(MiniProgramAPIView):
    @extend_schema(
        tags=[TAG_PERMISSIONS],
        summary="Withdraw an application waiting for a decision",
        description="Its submitter or an admin of the workspace. A repeat answers it unchanged.",
        parameters=[SLUG, APP_ID, APPLICATION_ID],
        request=None,
        responses={200: JsapiApplicationSerializer, **WRITE_ERRORS},
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, application_id: int
    ) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        application = selectors.jsapi_application_get(miniprogram=mp, application_id=application_id)
        if application is None:
            raise exceptions.NotFound("No such application.")
        jsapi_application_withdraw(actor=self.membership, application=application)
        return self.out(
            JsapiApplicationSerializer,
            selectors.jsapi_application_get(miniprogram=mp, application_id=application_id),
        )
