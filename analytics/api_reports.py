"""``/api/v1/…/analytics``: a mini program's T+1 series and the workspace's visiting performance
— the console's selectors (:mod:`analytics.reports`), the same permissions: whoever reads the
mini program (a Developer: the assigned ones), a host tenant through its own host apps' rows.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import reports
from analytics.models import Environment
from console.api import Pagination
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from workspaces.endpoints import ERRORS, SLUG, WorkspaceAPIView

TAG = "analytics"


class SeriesQuerySerializer(serializers.Serializer):
    days = serializers.ChoiceField(
        choices=reports.RANGES,
        default=reports.DEFAULT_DAYS,
        help_text="How many days, ending yesterday (UTC): 1, 7, 30 or 90.",
    )
    host = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One host app's id (one the mini program targets); all of them when left out.",
    )
    env = serializers.ChoiceField(choices=Environment.choices, default=reports.DEFAULT_ENVIRONMENT)


class DayFiguresSerializer(serializers.Serializer):
    day = serializers.DateField()
    pv = serializers.IntegerField(help_text="Page views.")
    uv = serializers.IntegerField(help_text="Distinct visitors.")
    uv_previous = serializers.IntegerField(
        allow_null=True, help_text="UV of the day before; null without figures that day."
    )
    dod = serializers.FloatField(
        allow_null=True, help_text="(uv - uv_previous) / uv_previous; null without a previous UV."
    )
    visits = serializers.IntegerField(help_text="Launches.")
    total_users = serializers.IntegerField(
        help_text="Visits accumulated up to the day (a returning user counts again)."
    )
    favorites_added = serializers.IntegerField()
    favorites_removed = serializers.IntegerField()
    search_users = serializers.IntegerField()
    startups = serializers.IntegerField()
    startup_successes = serializers.IntegerField()
    startup_avg_ms = serializers.IntegerField(allow_null=True)
    jsapi_calls = serializers.IntegerField()
    jsapi_successes = serializers.IntegerField()
    http_requests = serializers.IntegerField()
    http_exceptions = serializers.IntegerField()
    blank_screens = serializers.IntegerField()


class SeriesSerializer(serializers.Serializer):
    app_id = serializers.CharField()
    first = serializers.DateField()
    last = serializers.DateField()
    host_app_id = serializers.IntegerField(
        allow_null=True,
        help_text="The chosen host app; null: all (a host tenant: its own, summed).",
    )
    environment = serializers.CharField()
    days = DayFiguresSerializer(
        many=True, help_text="Every day, oldest first (zeros on a day without figures)."
    )


class SeriesView(MiniProgramAPIView):
    @extend_schema(
        tags=[TAG],
        summary="A mini program's daily figures (T+1)",
        description="PV, UV, DoD, Total Users, favorites, search users, start-ups, JSAPI calls, "
        "HTTP requests and exceptions, blank screens per UTC day, ending yesterday. Everyone "
        "who reads the mini program; a host tenant reading a merchant's gets only its own host "
        "apps' figures (all of them: their sum).",
        parameters=[SLUG, APP_ID, SeriesQuerySerializer],
        responses={200: SeriesSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(SeriesQuerySerializer)
        host_ids = {pk for pk, _name in reports.miniprogram_host_apps(miniprogram=mp)}
        if "host" in query and query["host"] not in host_ids:
            raise serializers.ValidationError({"host": ["Not a host app of this mini program."]})
        filters = reports.report_filters(
            {"days": query["days"], "host": query.get("host"), "env": query["env"]},
            host_app_ids=host_ids,
        )
        scope = reports.report_scope(miniprogram=mp, filters=filters, is_hosted=self.is_hosted)
        days = reports.series_get(scope=scope, first=filters.first, last=filters.last)
        body: dict[str, Any] = {
            "app_id": mp.app_id,
            "first": filters.first,
            "last": filters.last,
            "host_app_id": filters.host_app_id,
            "environment": filters.environment,
            "days": days,
        }
        return Response(SeriesSerializer(body).data)


class VisitQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="A UTC day (default and latest: yesterday)."
    )
    host = serializers.IntegerField(required=False, min_value=1, help_text="One host app's id.")
    env = serializers.ChoiceField(choices=Environment.choices, default=reports.DEFAULT_ENVIRONMENT)
    q = serializers.CharField(required=False, max_length=100, help_text="Name or App ID.")
    order = serializers.ChoiceField(choices=list(reports.ORDERS), default=reports.DEFAULT_ORDER)


class VisitSerializer(serializers.Serializer):
    app_id = serializers.CharField(source="miniprogram.app_id")
    name = serializers.CharField(source="miniprogram.name")
    workspace = serializers.SlugField(source="miniprogram.workspace_slug")
    is_hosted = serializers.BooleanField(
        help_text="A merchant's mini program on the workspace's host apps."
    )
    pv = serializers.IntegerField(allow_null=True)
    uv = serializers.IntegerField(allow_null=True)
    uv_previous = serializers.IntegerField(allow_null=True)
    dod = serializers.FloatField(allow_null=True)


class VisitListView(WorkspaceAPIView):
    pagination_class = Pagination

    @extend_schema(
        tags=[TAG],
        summary="Visiting performance of the workspace's mini programs",
        description="Every mini program the caller sees (a Developer: the assigned ones; a "
        "tenant: also the merchants' on its host apps, counted in its host apps only) with "
        "PV, UV and DoD of one UTC day, sorted and paginated.",
        parameters=[SLUG, VisitQuerySerializer],
        responses={200: VisitSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(VisitQuerySerializer)
        host_apps = reports.workspace_host_apps(member=self.membership)
        host_ids = {pk for pk, _name in host_apps}
        if "host" in query and query["host"] not in host_ids:
            raise serializers.ValidationError({"host": ["Not a host app of this workspace."]})
        last = reports.last_complete_day()
        if query.get("date") and query["date"] > last:
            raise serializers.ValidationError(
                {"date": [f"Figures exist up to yesterday ({last.isoformat()})."]}
            )
        filters = reports.visit_filters(
            {
                "date": query["date"].isoformat() if query.get("date") else "",
                "host": query.get("host"),
                "env": query["env"],
                "q": query.get("q", ""),
                "order": query["order"],
            },
            host_app_ids=host_ids,
        )
        rows = reports.workspace_visit_list(member=self.membership, filters=filters)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(VisitSerializer(page or [], many=True).data)
