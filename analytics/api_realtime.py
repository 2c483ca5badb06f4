"""``/api/v1/workspaces/{slug}/miniprograms/{app_id}/analytics/realtime``, ``…/jsapis``,
``…/jsapis/{name}`` and ``…/{app_id}/logs``: the console's real-time figures, JSAPI calls
and log query (``analytics.realtime``, ``analytics.logs``) as JSON.

Everyone who reads the mini program reads them; the tenant of a host app reading a merchant's
mini program reads only its own host apps' rows. The log is paged by a cursor (``next_cursor``:
pass it back as ``cursor``), newest first, never counted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.logs import (
    FIELD_MAX,
    TEXT_MAX,
    VERSION_MAX,
    Cursor,
    LogFilters,
    log_page,
    log_range_check,
)
from analytics.models import Environment, LogLine
from analytics.realtime import (
    Scope,
    analytics_host_apps,
    jsapi_hourly,
    jsapi_name,
    jsapi_overview,
    realtime_days,
    realtime_hourly,
    scope_for,
)
from console.api import IdField, QuerySerializer
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from miniprograms.models import MiniProgram
from workspaces.endpoints import SLUG, WRITE_ERRORS

TAG = "mini program analytics (real-time)"
LIMIT_MAX = 200
LEVELS = {"info": LogLine.Level.INFO, "warn": LogLine.Level.WARN, "error": LogLine.Level.ERROR}
JSAPI_NAME = OpenApiParameter(
    "name", OpenApiTypes.STR, OpenApiParameter.PATH, description="The JSAPI's name."
)

# --- query shapes ------------------------------------------------------------------------------


class RealtimeScopeQuerySerializer(QuerySerializer):
    host_app = IdField(
        required=False, help_text="One host app's rows (default: every host app you may read)."
    )
    environment = serializers.ChoiceField(
        choices=[*Environment.values, "all"],
        required=False,
        help_text="An environment, or ``all``.",
    )


class RealtimeDayQuerySerializer(RealtimeScopeQuerySerializer):
    day = serializers.DateField(
        required=False,
        help_text="A UTC day of the last 3 (raw data is kept 3 days); default today.",
    )

    def validate_day(self, value: date) -> date:
        if value not in realtime_days():
            raise serializers.ValidationError("Raw data is kept 3 days: choose one of them.")
        return value


class RealtimeLogQuerySerializer(RealtimeScopeQuerySerializer):
    since = serializers.DateTimeField(
        required=False, help_text="From this time (ISO 8601), within the last 3 days."
    )
    until = serializers.DateTimeField(required=False, help_text="Up to this time (ISO 8601).")
    level = serializers.ChoiceField(
        choices=list(LEVELS), required=False, help_text="This level and above."
    )
    q = serializers.CharField(
        required=False, max_length=TEXT_MAX, trim_whitespace=False, help_text="Text in the message."
    )
    guid = serializers.CharField(required=False, max_length=FIELD_MAX["guid"])
    # ``page`` is the page number in every list of the API: the mini program page is ``path``.
    path = serializers.CharField(
        required=False, max_length=FIELD_MAX["page"], help_text="The mini program page."
    )
    platform = serializers.CharField(required=False, max_length=FIELD_MAX["platform"])
    os_version = serializers.CharField(required=False, max_length=FIELD_MAX["os_version"])
    base_version = serializers.CharField(required=False, max_length=VERSION_MAX)
    client_version = serializers.CharField(required=False, max_length=VERSION_MAX)
    cursor = serializers.CharField(
        required=False, max_length=64, help_text="The ``next_cursor`` of the previous page."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=LIMIT_MAX, default=50)

    def validate_cursor(self, value: str) -> Cursor:
        try:
            return Cursor.decode(value)
        except ValueError as exc:
            raise serializers.ValidationError("Not a cursor this API gave.") from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            log_range_check(since=attrs.get("since"), until=attrs.get("until"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


# --- answer shapes -----------------------------------------------------------------------------


class RealtimeFiguresSerializer(serializers.Serializer):
    pv = serializers.IntegerField()
    uv = serializers.IntegerField()
    launches = serializers.IntegerField()
    startups = serializers.IntegerField()
    startup_successes = serializers.IntegerField()
    startup_success_rate = serializers.FloatField(allow_null=True)
    jsapi_calls = serializers.IntegerField()
    jsapi_successes = serializers.IntegerField()
    http_requests = serializers.IntegerField()
    http_exceptions = serializers.IntegerField()
    blank_screens = serializers.IntegerField()


class RealtimeHourSerializer(RealtimeFiguresSerializer):
    hour = serializers.IntegerField(help_text="The UTC hour, 0–23.")


class RealtimeDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    environment = serializers.CharField(help_text="The environment, or ``all``.")
    host_app_ids = serializers.ListField(child=serializers.IntegerField())
    total = RealtimeFiguresSerializer()
    hours = RealtimeHourSerializer(many=True)


class RealtimeJsapiSerializer(serializers.Serializer):
    name = serializers.CharField()
    calls = serializers.IntegerField()
    successes = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    avg_duration_ms = serializers.FloatField(allow_null=True)


class RealtimeJsapiListSerializer(serializers.Serializer):
    day = serializers.DateField()
    environment = serializers.CharField()
    host_app_ids = serializers.ListField(child=serializers.IntegerField())
    results = RealtimeJsapiSerializer(many=True)


class RealtimeJsapiHourSerializer(RealtimeJsapiSerializer):
    hour = serializers.IntegerField()


class RealtimeJsapiDetailSerializer(serializers.Serializer):
    name = serializers.CharField()
    day = serializers.DateField()
    environment = serializers.CharField()
    host_app_ids = serializers.ListField(child=serializers.IntegerField())
    total = RealtimeJsapiSerializer()
    hours = RealtimeJsapiHourSerializer(many=True)


class RealtimeLogLineSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="event_id")
    level = serializers.CharField(source="get_level_display")

    class Meta:
        model = LogLine
        fields = [
            "id",
            "occurred_at",
            "level",
            "message",
            "page",
            "guid",
            "host_app_id",
            "environment",
            "version",
            "user_id",
            "device_id",
            "platform",
            "os_version",
            "client_version",
            "base_version",
        ]
        read_only_fields = fields


class RealtimeLogPageSerializer(serializers.Serializer):
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Pass as ``cursor`` for the next (older) page; null: the last."
    )
    results = RealtimeLogLineSerializer(many=True)


# --- endpoints ---------------------------------------------------------------------------------


class _RealtimeView(MiniProgramAPIView):
    pagination_class = None

    def scope(self, mp: MiniProgram, query: dict[str, Any]) -> Scope:
        host_apps = analytics_host_apps(
            miniprogram=mp, host_workspace_id=self.workspace.pk if self.is_hosted else None
        )
        environment = query.get("environment", self.default_environment)
        return scope_for(
            miniprogram=mp,
            host_apps=host_apps,
            host_app_id=query.get("host_app"),
            environment="" if environment == "all" else environment,
        )

    default_environment = Environment.PRODUCTION.value

    @staticmethod
    def described(scope: Scope, **data: Any) -> dict[str, Any]:
        return {
            "environment": scope.environment or "all",
            "host_app_ids": list(scope.host_app_ids),
            **data,
        }


def _figures(f: Any) -> dict[str, Any]:
    return {
        **{name: getattr(f, name) for name in RealtimeFiguresSerializer().fields if name != "hour"},
        **({"hour": f.hour} if hasattr(f, "hour") else {}),
    }


def _jsapi(f: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": f.name,
        "calls": f.calls,
        "successes": f.successes,
        "success_rate": f.success_rate,
        "avg_duration_ms": f.avg_duration_ms,
        **extra,
    }


class RealtimeView(_RealtimeView):
    @extend_schema(
        tags=[TAG],
        summary="A day's real-time figures by hour",
        description="PV, UV, launches, start-ups and their success rate, JSAPI calls, HTTP "
        "requests and exceptions (status ≥ 400 or none) and blank screens of one UTC day of the "
        "last 3, per hour and for the day (its UV distinct over the day). Production unless "
        "``environment`` says otherwise.",
        parameters=[SLUG, APP_ID, RealtimeDayQuerySerializer],
        responses={200: RealtimeDaySerializer, **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(RealtimeDayQuerySerializer)
        scope = self.scope(mp, query)
        figures = realtime_hourly(scope=scope, day=query.get("day") or realtime_days()[0])
        return Response(
            self.described(
                scope,
                day=figures.day,
                total=_figures(figures.total),
                hours=[_figures(h) for h in figures.hours],
            )
        )


class JsapiListView(_RealtimeView):
    @extend_schema(
        tags=[TAG],
        summary="A day's JSAPI calls",
        operation_id="miniprogram_realtime_jsapis_list",
        description="Every JSAPI called on one UTC day of the last 3: calls, successes, success "
        "rate and mean duration, most called first.",
        parameters=[SLUG, APP_ID, RealtimeDayQuerySerializer],
        responses={200: RealtimeJsapiListSerializer, **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(RealtimeDayQuerySerializer)
        scope = self.scope(mp, query)
        day = query.get("day") or realtime_days()[0]
        apis = jsapi_overview(scope=scope, day=day)
        return Response(self.described(scope, day=day, results=[_jsapi(a) for a in apis]))


class JsapiDetailView(_RealtimeView):
    @extend_schema(
        tags=[TAG],
        summary="One JSAPI's calls by hour",
        operation_id="miniprogram_realtime_jsapi_retrieve",
        description="Calls, successes, success rate and mean duration of one JSAPI per UTC hour "
        "of a day of the last 3, and for the day.",
        parameters=[SLUG, APP_ID, JSAPI_NAME, RealtimeDayQuerySerializer],
        responses={200: RealtimeJsapiDetailSerializer, **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, name: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(RealtimeDayQuerySerializer)
        scope = self.scope(mp, query)
        day = query.get("day") or realtime_days()[0]
        api = jsapi_hourly(scope=scope, day=day, name=jsapi_name(name))
        return Response(
            self.described(
                scope,
                name=api.name,
                day=day,
                total=_jsapi(api.total),
                hours=[_jsapi(f, hour=hour) for hour, f in api.hours],
            )
        )


class LogListView(_RealtimeView):
    default_environment = "all"

    @extend_schema(
        tags=[TAG],
        summary="A mini program's real-time log",
        description="Its log lines of the last 3 days, newest first, filtered by time range, "
        "level (and above), message text (contains, not case-sensitive), GUID, page, OS, "
        "OS version, base-library and client versions (exact), host app and environment "
        "(default all). Paged by ``cursor``.",
        parameters=[SLUG, APP_ID, RealtimeLogQuerySerializer],
        responses={200: RealtimeLogPageSerializer, **WRITE_ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        query = self.query(RealtimeLogQuerySerializer)
        scope = self.scope(mp, query)
        level = query.get("level")
        text = query.get("q") or ""
        filters = LogFilters(
            since=query.get("since"),
            until=query.get("until"),
            min_level=LEVELS[level] if level else None,
            text=text if text.strip() else "",
            page=(query.get("path") or "").strip(),
            **{
                name: (query.get(name) or "").strip()
                for name in (
                    "guid",
                    "platform",
                    "os_version",
                    "base_version",
                    "client_version",
                )
            },
        )
        page = log_page(
            scope=scope, filters=filters, after=query.get("cursor"), limit=query["limit"]
        )
        return Response(
            {
                "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
                "results": RealtimeLogLineSerializer(page.lines, many=True).data,
            }
        )
