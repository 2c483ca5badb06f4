"""``/api/v1/…/miniprograms/{app_id}/messages`` and ``/message-stats``: a mini program's
delivery log, one message, and the daily numbers per My Template — the console's selectors.

Everyone who reads the mini program reads them; a host tenant reading a merchant's mini program
gets only what went through its own host apps (and the templates made from its library).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from console.api import IdsFirstPagination
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.subscriptions import selectors
from miniprograms.subscriptions.selectors_messages import (
    message_get,
    message_list,
    message_page_load,
    message_template_stats,
)
from miniprograms.subscriptions.serializers_messages import (
    MessageDetailSerializer,
    MessageQuerySerializer,
    MessageSerializer,
    MessageStatsQuerySerializer,
    TemplateStatsSerializer,
)
from workspaces.endpoints import ERRORS, SLUG

TAG = "mini program messages"
MESSAGE_ID = OpenApiParameter(
    "message_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The message id."
)


class _MessagesView(MiniProgramAPIView):
    @property
    def host_workspace_id(self) -> int | None:
        return self.workspace.pk if self.is_hosted else None

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer_workspace_id": self.workspace.pk}


class MessageListView(_MessagesView):
    pagination_class = IdsFirstPagination  # a long log: the page's ids first, counted when full
    load_page = staticmethod(message_page_load)

    @extend_schema(
        tags=[TAG],
        summary="A mini program's delivery log",
        description="The subscription messages its backend sent and their delivery to the host "
        "apps, newest first; filtered by search, state, template and UTC days. "
        "Everyone who reads the mini program; a host tenant sees the messages delivered "
        "through its own host apps only.",
        parameters=[SLUG, APP_ID, MessageQuerySerializer],
        responses={200: MessageSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(MessageQuerySerializer)
        rows = message_list(
            miniprogram=mp,
            host_workspace_id=self.host_workspace_id,
            viewer_workspace_id=self.workspace.pk,
            **query,
        )
        return self.paginated(rows, MessageSerializer)


class MessageDetailView(_MessagesView):
    @extend_schema(
        tags=[TAG],
        summary="A message",
        description="With the keywords and values sent and the page it opens.",
        parameters=[SLUG, APP_ID, MESSAGE_ID],
        responses={200: MessageDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, message_id: str):
        mp = self.miniprogram(app_id)
        found = message_get(
            miniprogram=mp, uid=message_id, host_workspace_id=self.host_workspace_id
        )
        if found is None:
            raise exceptions.NotFound("No such message.")
        return self.out(MessageDetailSerializer, found)


class MessageStatsView(_MessagesView):
    @extend_schema(
        tags=[TAG],
        summary="Messages per template and day",
        description="For each My Template (newest first, paginated): sent, delivered, failed "
        "and pending per UTC day of the last ``days`` (today included), and their sums; one "
        "grouped query per page.",
        parameters=[SLUG, APP_ID, MessageStatsQuerySerializer],
        responses={200: TemplateStatsSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        days = self.query(MessageStatsQuerySerializer)["days"]
        templates = selectors.my_template_list(
            miniprogram=mp, library_workspace_id=self.host_workspace_id
        )
        page = self.paginate_queryset(templates)
        stats = message_template_stats(
            my_templates=list(page), days=days, host_workspace_id=self.host_workspace_id
        )
        return self.get_paginated_response(TemplateStatsSerializer(stats, many=True).data)
