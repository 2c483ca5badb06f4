"""``/api/v1/workspaces/<slug>/miniprograms[/<app_id>]``: list, create, read, edit (staged,
partial) and delete mini programs."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import IdsFirstPagination
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.profile import ProfileInput
from miniprograms.selectors import api_list_rows, miniprogram_list
from miniprograms.serializers.programs import (
    PROFILE_KEYS,
    DeleteSerializer,
    MiniProgramCreateSerializer,
    MiniProgramDetailSerializer,
    MiniProgramListQuerySerializer,
    MiniProgramListSerializer,
    MiniProgramSerializer,
    MiniProgramUpdateSerializer,
)
from miniprograms.services.lifecycle import miniprogram_delete
from miniprograms.services.profile import miniprogram_create, miniprogram_profile_patch
from workspaces import authz
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, json_or_multipart

TAG_MINIPROGRAMS = "mini programs"

CONFIRM_NAME = OpenApiParameter(
    "confirm_name",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="The mini program's name, typed exactly (or send it in the body).",
)


class MiniProgramListView(MiniProgramAPIView):
    serializer_class = MiniProgramCreateSerializer
    pagination_class = IdsFirstPagination  # 10,000 mini programs: the page's ids first
    load_page = staticmethod(api_list_rows)  # the page's rows as values, with their industry

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
        return self.paginated(miniprograms, MiniProgramListSerializer)

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
        miniprogram_profile_patch(
            actor=self.membership,
            miniprogram=mp,
            changes={key: data[key] for key in PROFILE_KEYS if key in data},
            logo=data.get("logo"),
            host_app_ids=data.get("host_apps"),
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
