"""``/api/v1/…/miniprograms/<app_id>/developers`` and ``…/testers``: the Developers assigned
to a mini program and its tester whitelist."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.selectors import (
    miniprogram_developer_list,
    miniprogram_tester_get,
    miniprogram_tester_list,
)
from miniprograms.serializers.members import (
    AddTestersResultSerializer,
    AddTestersSerializer,
    DeveloperAssignSerializer,
    DeveloperSerializer,
    MiniProgramTesterQuerySerializer,
    MiniProgramTesterSerializer,
)
from miniprograms.services.members import (
    miniprogram_developer_assign,
    miniprogram_developer_unassign,
    miniprogram_tester_remove,
    miniprogram_testers_add,
    parse_tester_lines,
)
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, id_parameter

TAG_MEMBERS = "mini program members"

USER_ID = id_parameter("user_id", "assigned Developer's user (see /developers)")
TESTER_ID = id_parameter("tester_id", "tester (see /testers)")


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


class MiniProgramDeveloperListView(MiniProgramAPIView):
    host_readable = False  # a host tenant never sees the merchant's team (404)
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
    host_readable = False  # a host tenant never sees the merchant's team (404)

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
    host_readable = False  # a host tenant never sees the merchant's team (404)
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
    host_readable = False  # a host tenant never sees the merchant's team (404)

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
