"""``/api/v1/…``: the mini programs API (STYLE.md §10b), a mirror of the console's pages.

Built on the tenancy API's :class:`~workspaces.api_tenancy.WorkspaceAPIView`: the workspace is
resolved through authz (404 for non-members), a mini program is fetched and authorized in one
step by ``access_miniprogram`` (404 when it is not visible — missing, in another workspace, or a
Developer not assigned to it — and 403 naming the roles when it is visible but the capability is
missing), and every write calls the service the console calls. A service's ``ValidationError``
becomes a 400 with the console's messages in ``error.fields`` (``console.api``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import ErrorSerializer
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.models import MiniProgram
from miniprograms.profile import LanguageText, ProfileInput
from miniprograms.selectors import (
    industry_search,
    miniprogram_developer_list,
    miniprogram_list,
    miniprogram_tester_get,
    miniprogram_tester_list,
)
from miniprograms.serializers import (
    PROFILE_KEYS,
    AddTestersResultSerializer,
    AddTestersSerializer,
    DeleteSerializer,
    DeveloperAssignSerializer,
    DeveloperSerializer,
    IndustryQuerySerializer,
    IndustrySerializer,
    MiniProgramCreateSerializer,
    MiniProgramDetailSerializer,
    MiniProgramListQuerySerializer,
    MiniProgramSerializer,
    MiniProgramTesterQuerySerializer,
    MiniProgramTesterSerializer,
    MiniProgramUpdateSerializer,
    OfflineSerializer,
    ShelfSerializer,
)
from miniprograms.services.lifecycle import (
    miniprogram_delete,
    miniprogram_set_shelf,
    miniprogram_take_offline,
)
from miniprograms.services.members import (
    miniprogram_developer_assign,
    miniprogram_developer_unassign,
    miniprogram_tester_remove,
    miniprogram_testers_add,
    parse_tester_lines,
)
from miniprograms.services.profile import (
    miniprogram_create,
    miniprogram_set_host_apps,
    miniprogram_update_profile,
)
from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import (
    ERRORS,
    SLUG,
    WRITE_ERRORS,
    TenancyAPIView,
    id_parameter,
    json_or_multipart,
)

TAG_MINIPROGRAMS = "mini programs"
TAG_MEMBERS = "mini program members"
TAG_INDUSTRIES = "industries"

HOST_APP_ID = id_parameter("host_app_id", "host app (see the mini program's host_apps)")
USER_ID = id_parameter("user_id", "assigned Developer's user (see /developers)")
TESTER_ID = id_parameter("tester_id", "tester (see /testers)")
CONFIRM_NAME = OpenApiParameter(
    "confirm_name",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="The mini program's name, typed exactly (or send it in the body).",
)


@contextmanager
def _fields_renamed(**names: str) -> Iterator[None]:
    """Report a service's field errors under the API's input names (``user`` → ``user_id``)."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {names.get(key, key): errors for key, errors in exc.error_dict.items()}
        raise DjangoValidationError(renamed) from exc


def _current_profile(mp: MiniProgram) -> dict[str, Any]:
    """The draft as :class:`ProfileInput` arguments (``languages`` is prefetched)."""
    return {
        "name": mp.name,
        "tagline": mp.tagline,
        "description": mp.description,
        "industry": mp.industry.code,
        "service_phone": mp.service_phone,
        "service_email": mp.service_email,
        "languages": tuple(
            LanguageText(
                language=row.language,
                name=row.name,
                tagline=row.tagline,
                description=row.description,
            )
            for row in mp.languages.all()
        ),
    }


# --- industries ----------------------------------------------------------------------------------


class IndustryListView(TenancyAPIView):
    @extend_schema(
        tags=[TAG_INDUSTRIES],
        summary="Industries a mini program can be in",
        description="The leaves of the two-level taxonomy, in taxonomy order, with their group; "
        "a mini program's industry is one of these codes.",
        parameters=[IndustryQuerySerializer],
        responses={200: IndustrySerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        query = IndustryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            industry_search(search=query.validated_data.get("search", "").strip())
        )
        return self.get_paginated_response(IndustrySerializer(page, many=True).data)


# --- mini programs -------------------------------------------------------------------------------


class MiniProgramListView(MiniProgramAPIView):
    serializer_class = MiniProgramCreateSerializer

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Mini programs of a workspace",
        description="Newest first. A Developer sees only the mini programs assigned to them.",
        parameters=[SLUG, MiniProgramListQuerySerializer],
        responses={200: MiniProgramSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(MiniProgramListQuerySerializer)
        miniprograms = miniprogram_list(
            member=self.membership,
            search=query.get("search", ""),
            shelf=query.get("shelf", ""),
            host_app_id=query.get("host_app"),
            assigned_user_id=query.get("assigned_to"),
        )
        return self.paginated(miniprograms, MiniProgramSerializer)

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Create a mini program",
        description="multipart/form-data, to upload the logo (JSON cannot carry it). Every "
        "profile field is required and every broken rule is reported at once, by field, in "
        "the console's words. The mini program gets a new 16-digit App ID; its kind follows "
        "the workspace (tenant or merchant). Needs miniprograms.add_miniprogram.",
        parameters=[SLUG],
        request=json_or_multipart(MiniProgramCreateSerializer),
        responses={201: MiniProgramDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str) -> Response:
        authz.require(self.membership, Cap.ADD_MINIPROGRAM)  # 403 before "bad input"
        data = self.body(MiniProgramCreateSerializer)
        mp = miniprogram_create(
            actor=self.membership,
            profile=ProfileInput(
                name=data["name"],
                tagline=data["tagline"],
                description=data["description"],
                industry=data["industry"],
                service_phone=data["service_phone"],
                service_email=data["service_email"],
                languages=data.get("languages", ()),
            ),
            logo=data.get("logo"),
            default_language=data.get("default_language"),
            host_app_ids=data.get("host_apps", ()),
        )
        return self.detail(mp.app_id, code=status.HTTP_201_CREATED)


class MiniProgramDetailView(MiniProgramAPIView):
    serializer_class = MiniProgramUpdateSerializer

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="One mini program",
        description="The draft profile, what host apps show (released_profile) and which "
        "fields are pending until the next release.",
        parameters=[SLUG, APP_ID],
        responses={200: MiniProgramDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        return self.out(MiniProgramDetailSerializer, self.miniprogram(app_id))

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Edit a mini program (staged)",
        description="Send only what changes; the other profile fields keep their draft value "
        "and the same rules as creation apply. The change is staged: host apps keep showing "
        "released_profile until the next release (see pending_fields). host_apps sets the "
        'host apps it is released to ("Release to"); leaving one out takes it offline there, '
        "which needs an Owner or Admin. Both changes apply, or neither. Needs "
        "miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=json_or_multipart(MiniProgramUpdateSerializer),
        responses={200: MiniProgramDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(MiniProgramUpdateSerializer, partial=True)
        changes = {key: data[key] for key in PROFILE_KEYS if key in data}
        with transaction.atomic():
            # Host apps first: a refusal there comes before any logo file is stored.
            if "host_apps" in data:
                miniprogram_set_host_apps(
                    actor=self.membership, miniprogram=mp, host_app_ids=data["host_apps"]
                )
            if changes or "logo" in data:
                miniprogram_update_profile(
                    actor=self.membership,
                    miniprogram=mp,
                    profile=ProfileInput(**{**_current_profile(mp), **changes}),
                    logo=data.get("logo"),
                )
        return self.detail(app_id)

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Delete a mini program",
        description="Irreversible: confirm by sending its name as confirm_name (body or query "
        "string). Its files are removed from storage shortly after; the App ID is never "
        "issued again. Needs miniprograms.delete_miniprogram.",
        parameters=[SLUG, APP_ID, CONFIRM_NAME],
        request=DeleteSerializer,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DELETE_MINIPROGRAM)
        source = request.data if "confirm_name" in request.data else request.query_params
        data = DeleteSerializer(data=source)
        data.is_valid(raise_exception=True)
        miniprogram_delete(
            actor=self.membership,
            miniprogram=mp,
            confirm_name=data.validated_data["confirm_name"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MiniProgramShelfView(MiniProgramAPIView):
    serializer_class = ShelfSerializer

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Put a mini program on or off shelf",
        description="Off shelf: no host app gets it and nothing can be published (versions can "
        "still be submitted for review); taking it off needs a reason. Asking for the state "
        "it is in changes nothing. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=ShelfSerializer,
        responses={200: MiniProgramDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_MINIPROGRAM)
        data = self.body(ShelfSerializer)
        miniprogram_set_shelf(
            actor=self.membership,
            miniprogram=mp,
            on_shelf=data["on_shelf"],
            reason=data["reason"],
        )
        return self.detail(app_id)


class MiniProgramHostAppOfflineView(MiniProgramAPIView):
    serializer_class = OfflineSerializer

    @extend_schema(
        tags=[TAG_MINIPROGRAMS],
        summary="Take a mini program offline from one host app",
        description="That host app stops getting it; its data is kept and adding the host app "
        "back (PATCH host_apps) releases it there again. 404 when it is not released to that "
        "host app. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID, HOST_APP_ID],
        request=OfflineSerializer,
        responses={200: MiniProgramDetailSerializer, **WRITE_ERRORS},
    )
    def post(
        self, request: Request, workspace_slug: str, app_id: str, host_app_id: int
    ) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_MINIPROGRAM)
        if not any(target.host_app_id == host_app_id for target in mp.targets.all()):
            raise exceptions.NotFound("The mini program is not released to this host app.")
        data = self.body(OfflineSerializer)
        miniprogram_take_offline(
            actor=self.membership, miniprogram=mp, host_app_id=host_app_id, reason=data["reason"]
        )
        return self.detail(app_id)


# --- members: assigned developers and testers ----------------------------------------------------


class MiniProgramDeveloperListView(MiniProgramAPIView):
    serializer_class = DeveloperAssignSerializer

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Developers assigned to a mini program",
        description="They may edit its profile, manage its testers and upload versions. Owners "
        "and Admins work on every mini program and are not listed.",
        parameters=[SLUG, APP_ID],
        responses={200: DeveloperSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        return self.paginated(miniprogram_developer_list(miniprogram=mp), DeveloperSerializer)

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Assign a Developer to a mini program",
        description="An active Developer of the workspace. Assigning them again answers them "
        "unchanged. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=DeveloperAssignSerializer,
        responses={201: DeveloperSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_MINIPROGRAM)
        data = self.body(DeveloperAssignSerializer)
        with _fields_renamed(user="user_id"):
            member = miniprogram_developer_assign(
                actor=self.membership, miniprogram=mp, user_id=data["user_id"]
            )
        return self.out(DeveloperSerializer, member, code=status.HTTP_201_CREATED)


class MiniProgramDeveloperDetailView(MiniProgramAPIView):
    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Unassign a Developer",
        description="They stop seeing the mini program at once. 404 when they are not "
        "assigned. Needs miniprograms.manage_miniprogram.",
        parameters=[SLUG, APP_ID, USER_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, app_id: str, user_id: int) -> Response:
        mp = self.miniprogram(app_id, Cap.MANAGE_MINIPROGRAM)
        if not any(m.user_id == user_id for m in miniprogram_developer_list(miniprogram=mp)):
            raise exceptions.NotFound("This person is not assigned to the mini program.")
        miniprogram_developer_unassign(actor=self.membership, miniprogram=mp, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MiniProgramTesterListView(MiniProgramAPIView):
    serializer_class = AddTestersSerializer

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Tester whitelist of a mini program",
        description="Host-app accounts allowed to open its trial versions, by account.",
        parameters=[SLUG, APP_ID, MiniProgramTesterQuerySerializer],
        responses={200: MiniProgramTesterSerializer(many=True), **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(MiniProgramTesterQuerySerializer)
        testers = miniprogram_tester_list(miniprogram=mp, search=query.get("search", ""))
        return self.paginated(testers, MiniProgramTesterSerializer)

    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Add testers",
        description="accounts (a list) and/or accounts_text (one per line, as in a .txt list). "
        "All or nothing: an invalid account refuses the batch, with its line number. Accounts "
        "already listed are reported in already_listed, not added twice (201 when some were "
        "added, 200 when none). Needs miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID],
        request=AddTestersSerializer,
        responses={
            201: AddTestersResultSerializer,
            200: AddTestersResultSerializer,
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        data = self.body(AddTestersSerializer)
        accounts = [*data.get("accounts", []), *parse_tester_lines(data.get("accounts_text", ""))]
        result = miniprogram_testers_add(
            actor=self.membership, miniprogram=mp, accounts=accounts, note=data["note"]
        )
        return self.out(
            AddTestersResultSerializer,
            {"added": result.added, "already_listed": result.already_listed},
            code=status.HTTP_201_CREATED if result.added else status.HTTP_200_OK,
        )


class MiniProgramTesterDetailView(MiniProgramAPIView):
    @extend_schema(
        tags=[TAG_MEMBERS],
        summary="Remove a tester",
        description="The account can no longer open trial versions. Needs "
        "miniprograms.develop_miniprogram.",
        parameters=[SLUG, APP_ID, TESTER_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(
        self, request: Request, workspace_slug: str, app_id: str, tester_id: int
    ) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        tester = miniprogram_tester_get(miniprogram=mp, tester_id=tester_id)
        if tester is None:
            raise exceptions.NotFound("No such tester.")
        miniprogram_tester_remove(actor=self.membership, miniprogram=mp, tester_id=tester.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
