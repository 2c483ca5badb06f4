"""``/api/v1/…``: a tenant's public message template library; a mini program's libraries to
pick from and its My Templates. The same services as the console; capability checks in them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.models import MiniProgram
from miniprograms.subscriptions import selectors
from miniprograms.subscriptions.models import MyTemplate, PublicTemplate
from miniprograms.subscriptions.serializers import (
    LibraryQuerySerializer,
    MyTemplateCreateSerializer,
    MyTemplateSerializer,
    MyTemplateUpdateSerializer,
    PublicTemplateCreateSerializer,
    PublicTemplateQuerySerializer,
    PublicTemplateSerializer,
    PublicTemplateUpdateSerializer,
)
from miniprograms.subscriptions.services import (
    my_template_create,
    my_template_delete,
    my_template_update,
    public_template_create,
    public_template_set_retired,
    template_libraries_ensure,
    template_library_ensure,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter

TAG_LIBRARY = "message template library"
TAG_MINE = "mini program message templates"

PUBLIC_TEMPLATE_ID = id_parameter("public_template_id", "public template (see /public-templates)")
TEMPLATE_ID = OpenApiParameter(
    "template_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The My Template's public template id.",
)


class _LibraryView(WorkspaceAPIView):
    """A tenant's library: 404 in a developer workspace; written on first use."""

    tenant_only = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        template_library_ensure(workspace=self.workspace)

    def template(self, public_template_id: int) -> PublicTemplate:
        found = selectors.public_template_get(
            workspace_ids={self.workspace.pk}, template_id=public_template_id
        )
        if found is None:
            raise exceptions.NotFound("No such template.")
        return found


class LibraryListView(_LibraryView):
    serializer_class = PublicTemplateCreateSerializer

    @extend_schema(
        tags=[TAG_LIBRARY],
        summary="The tenant's public message template library",
        description="By category and title; searchable by title, filtered by type and category. "
        "Every member of the tenant reads it; 404 in a developer workspace.",
        parameters=[SLUG, LibraryQuerySerializer],
        responses={200: PublicTemplateSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(LibraryQuerySerializer)
        rows = selectors.public_template_list(
            workspace_ids={self.workspace.pk},
            search=query.get("search", ""),
            kind=query.get("kind", ""),
            category=query.get("category", ""),
            include_retired=query.get("include_retired", False),
        )
        return self.paginated(rows, PublicTemplateSerializer)

    @extend_schema(
        tags=[TAG_LIBRARY],
        summary="Add a public template",
        description="Title unique in the library, category, type (one_time / long_term), 5–15 "
        "distinct keywords; audited. Needs miniprograms.manage_jsapicatalogue (Owner, Admins).",
        parameters=[SLUG],
        request=PublicTemplateCreateSerializer,
        responses={201: PublicTemplateSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        data = self.body(PublicTemplateCreateSerializer)
        template = public_template_create(actor=self.membership, workspace=self.workspace, **data)
        return self.out(
            PublicTemplateSerializer, self.template(template.pk), code=status.HTTP_201_CREATED
        )


class LibraryDetailView(_LibraryView):
    serializer_class = PublicTemplateUpdateSerializer

    @extend_schema(
        tags=[TAG_LIBRARY],
        summary="A public template",
        parameters=[SLUG, PUBLIC_TEMPLATE_ID],
        responses={200: PublicTemplateSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, public_template_id: int) -> Response:
        return self.out(PublicTemplateSerializer, self.template(public_template_id))

    @extend_schema(
        tags=[TAG_LIBRARY],
        summary="Retire or restore a public template",
        description="A retired template is no longer offered; My Templates made from it keep "
        "working. Audited. Needs miniprograms.manage_jsapicatalogue.",
        parameters=[SLUG, PUBLIC_TEMPLATE_ID],
        request=PublicTemplateUpdateSerializer,
        responses={200: PublicTemplateSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, public_template_id: int) -> Response:
        template = self.template(public_template_id)
        data = self.body(PublicTemplateUpdateSerializer)
        public_template_set_retired(
            actor=self.membership, template=template, retired=data["is_retired"]
        )
        return self.out(PublicTemplateSerializer, self.template(public_template_id))


# --- a mini program's templates ----------------------------------------------------------------


class _MineView(MiniProgramAPIView):
    def library_ids(self, mp: MiniProgram) -> set[int]:
        ids = selectors.library_workspace_ids(miniprogram=mp)
        if self.is_hosted:  # a host tenant reads only its own library's
            ids &= {self.workspace.pk}
        template_libraries_ensure(workspace_ids=ids)
        return ids

    def mine(self, mp: MiniProgram, template_id: str) -> MyTemplate:
        found = selectors.my_template_get(miniprogram=mp, template_id=template_id)
        if found is None or (
            self.is_hosted and found.public_template.workspace_id != self.workspace.pk
        ):
            raise exceptions.NotFound("No such template.")
        return found


class MiniProgramLibraryView(_MineView):
    @extend_schema(
        tags=[TAG_MINE],
        summary="Public templates a mini program can choose",
        description="The live templates of the libraries of the tenants whose host apps it is "
        "released to (a tenant's own mini program: also its own library).",
        parameters=[SLUG, APP_ID, PublicTemplateQuerySerializer],
        responses={200: PublicTemplateSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(PublicTemplateQuerySerializer)
        rows = selectors.public_template_list(
            workspace_ids=self.library_ids(mp),
            search=query.get("search", ""),
            kind=query.get("kind", ""),
            category=query.get("category", ""),
        )
        return self.paginated(rows, PublicTemplateSerializer)


class MyTemplateListView(_MineView):
    serializer_class = MyTemplateCreateSerializer

    @extend_schema(
        tags=[TAG_MINE],
        summary="A mini program's My Templates",
        description="Newest first.",
        parameters=[SLUG, APP_ID],
        responses={200: MyTemplateSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        rows = selectors.my_template_list(
            miniprogram=mp, library_workspace_id=self.workspace.pk if self.is_hosted else None
        )
        return self.paginated(rows, MyTemplateSerializer)

    @extend_schema(
        tags=[TAG_MINE],
        summary="Add a My Template",
        description="1–5 keywords of a public template it can choose, in order, none twice; "
        "the same public template with the same keyword set is refused. Answers its new "
        "template id. Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=MyTemplateCreateSerializer,
        responses={201: MyTemplateSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(MyTemplateCreateSerializer)
        ids = self.library_ids(mp)
        template = selectors.public_template_get(
            workspace_ids=ids, template_id=data["public_template_id"]
        )
        if template is None:
            raise exceptions.ValidationError(
                {"public_template_id": ["No such template in the libraries it can choose from."]}
            )
        mine = my_template_create(
            actor=self.membership,
            miniprogram=mp,
            public_template=template,
            keywords=data["keywords"],
            library_workspace_ids=ids,
        )
        return self.out(
            MyTemplateSerializer,
            selectors.my_template_get(miniprogram=mp, template_id=mine.template_id),
            code=status.HTTP_201_CREATED,
        )


class MyTemplateDetailView(_MineView):
    serializer_class = MyTemplateUpdateSerializer

    @extend_schema(
        tags=[TAG_MINE],
        summary="A My Template",
        parameters=[SLUG, APP_ID, TEMPLATE_ID],
        responses={200: MyTemplateSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, template_id: str):
        mp = self.miniprogram(app_id)
        return self.out(MyTemplateSerializer, self.mine(mp, template_id))

    @extend_schema(
        tags=[TAG_MINE],
        summary="Change a My Template's keywords or their order",
        description="Same rules as adding; its template id stays. Audited. Needs "
        "miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, TEMPLATE_ID],
        request=MyTemplateUpdateSerializer,
        responses={200: MyTemplateSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, app_id: str, template_id: str):
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        mine = self.mine(mp, template_id)
        data = self.body(MyTemplateUpdateSerializer)
        my_template_update(actor=self.membership, my_template=mine, keywords=data["keywords"])
        return self.out(MyTemplateSerializer, self.mine(mp, template_id))

    @extend_schema(
        tags=[TAG_MINE],
        summary="Delete a My Template",
        description="Its template id stops existing. Audited. Needs "
        "miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, TEMPLATE_ID],
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, app_id: str, template_id: str):
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        my_template_delete(actor=self.membership, my_template=self.mine(mp, template_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
