"""``/api/v1/…/alerts``, ``/alert-rules``, ``/alert-history``: a mini program's alerts, rules
and history, mute and acknowledge, and the workspace's alert list — the console's selectors and
services, with the same checks (reading: whoever sees the mini program, a host tenant only its
own host apps' alerts; writing: ``DEVELOP_MINIPROGRAM``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiTypes,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.alerts import selectors, services
from analytics.alerts.models import Alert, AlertChange, Metric
from analytics.alerts.rules import MAX_MIN_SAMPLES, SPECS
from console.api import IdField, QuerySerializer
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, WorkspaceAPIView, id_parameter

TAG = "alerts"
ALERT_ID = id_parameter("alert_id", "alert")
METRIC = OpenApiParameter(
    "metric",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(SPECS),
    description="The rule's metric.",
)


# --- shapes ------------------------------------------------------------------------------------


class _HostAppSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    app_id = serializers.CharField(source="miniprogram.app_id")
    host_app = _HostAppSerializer()
    unit = serializers.SerializerMethodField()
    operator = serializers.SerializerMethodField()
    is_muted = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "app_id",
            "host_app",
            "metric",
            "state",
            "value",
            "unit",
            "operator",
            "threshold",
            "samples",
            "min_samples",
            "window_start",
            "window_end",
            "fired_at",
            "resolved_at",
            "is_muted",
            "muted_until",
            "acknowledged_at",
        ]

    def get_unit(self, alert: Alert) -> str:
        return SPECS[alert.metric].unit

    def get_operator(self, alert: Alert) -> str:
        return SPECS[alert.metric].operator

    def get_is_muted(self, alert: Alert) -> bool:
        now = self.context.get("now") or timezone.now()
        return alert.muted_until is not None and alert.muted_until > now


class AlertChangeSerializer(serializers.ModelSerializer):
    alert_id = serializers.IntegerField()
    metric = serializers.CharField(source="alert.metric")
    host_app_id = serializers.IntegerField(source="alert.host_app_id")

    class Meta:
        model = AlertChange
        fields = [
            "id",
            "alert_id",
            "metric",
            "host_app_id",
            "kind",
            "value",
            "samples",
            "threshold",
            "min_samples",
            "window_start",
            "window_end",
            "is_notified",
            "note",
            "created_at",
        ]


class AlertDetailSerializer(AlertSerializer):
    history = serializers.SerializerMethodField()

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "history"]

    @extend_schema_field(AlertChangeSerializer(many=True))
    def get_history(self, alert: Alert) -> list[dict[str, Any]]:
        rows = selectors.alert_history(miniprogram=alert.miniprogram, alert_id=alert.pk)[:50]
        return AlertChangeSerializer(rows, many=True).data


class RuleSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    host_app_id = serializers.IntegerField(
        allow_null=True, help_text="null: the mini program's rule (every host app)."
    )
    is_enabled = serializers.BooleanField()
    threshold = serializers.DecimalField(max_digits=9, decimal_places=2)
    min_samples = serializers.IntegerField()
    unit = serializers.CharField()
    operator = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["default", "mini program", "host app"],
        help_text="Where the rule comes from: the Alipay+ default, the mini program's own, or "
        "the host app's own.",
    )


class RuleInputSerializer(serializers.Serializer):
    host_app_id = IdField(
        required=False,
        allow_null=True,
        help_text="A host app the mini program is released to: the rule applies there only.",
    )
    is_enabled = serializers.BooleanField(default=True)
    threshold = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=0,
        help_text="A percentage, or milliseconds for the start-up duration.",
    )
    min_samples = serializers.IntegerField(
        min_value=0,
        max_value=MAX_MIN_SAMPLES,
        help_text="The rule fires only with more samples than this in the window.",
    )


class RuleResetQuerySerializer(QuerySerializer):
    host_app_id = IdField(required=False)


class MuteSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="In the future, at most 30 days ahead.")


class AlertQuerySerializer(QuerySerializer):
    state = serializers.ChoiceField(choices=Alert.State.values, required=False)


class WorkspaceAlertQuerySerializer(AlertQuerySerializer):
    metric = serializers.ChoiceField(choices=Metric.values, required=False)


def _rule_data(row: selectors.RuleRow) -> dict[str, Any]:
    return {
        "metric": row.metric,
        "host_app_id": row.host_app.pk if row.host_app else None,
        "is_enabled": row.rule.is_enabled,
        "threshold": row.rule.threshold,
        "min_samples": row.rule.min_samples,
        "unit": row.spec.unit,
        "operator": row.spec.operator,
        "source": row.rule.source,
    }


# --- endpoints ---------------------------------------------------------------------------------


class _AlertsView(MiniProgramAPIView):
    def scope(self) -> list[int] | None:
        return selectors.host_scope(workspace=self.workspace, is_hosted=self.is_hosted)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def alert(self, app_id: str, alert_id: int, cap: Cap = Cap.VIEW_MINIPROGRAM) -> Alert:
        mp = self.miniprogram(app_id, cap)
        found = selectors.alert_get(miniprogram=mp, alert_id=alert_id, host_app_ids=self.scope())
        if found is None:
            raise exceptions.NotFound("No such alert.")
        return found


class AlertListView(_AlertsView):
    @extend_schema(
        tags=[TAG],
        summary="A mini program's alerts",
        description="One per rule and host app once it first fired, firing first then newest "
        "first, with the numbers of the last evaluation. A host tenant sees its host apps' only.",
        parameters=[SLUG, APP_ID, AlertQuerySerializer],
        responses={200: AlertSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        state = self.query(AlertQuerySerializer).get("state", "")
        rows = selectors.alert_list(miniprogram=mp, host_app_ids=self.scope(), state=state)
        return self.paginated(rows, AlertSerializer)


class AlertDetailView(_AlertsView):
    @extend_schema(
        tags=[TAG],
        summary="An alert",
        description="With its last 50 changes (fired, resolved), newest first.",
        parameters=[SLUG, APP_ID, ALERT_ID],
        responses={200: AlertDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str, alert_id: int) -> Response:
        return self.out(AlertDetailSerializer, self.alert(app_id, alert_id))


class AlertMuteView(_AlertsView):
    serializer_class = MuteSerializer

    @extend_schema(
        tags=[TAG],
        summary="Mute an alert",
        description="No email or webhook about it until ``until``; it is still evaluated. "
        "Owner, Admins, or a Developer assigned to the mini program.",
        parameters=[SLUG, APP_ID, ALERT_ID],
        request=MuteSerializer,
        responses={200: AlertSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, alert_id: int) -> Response:
        alert = self.alert(app_id, alert_id, Cap.DEVELOP_MINIPROGRAM)
        until = self.body(MuteSerializer)["until"]
        return self.out(
            AlertSerializer, services.alert_mute(actor=self.membership, alert=alert, until=until)
        )

    @extend_schema(
        tags=[TAG],
        summary="Unmute an alert",
        description="Its next change is notified again.",
        parameters=[SLUG, APP_ID, ALERT_ID],
        request=None,
        responses={200: AlertSerializer, **ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, app_id: str, alert_id: int) -> Response:
        alert = self.alert(app_id, alert_id, Cap.DEVELOP_MINIPROGRAM)
        return self.out(AlertSerializer, services.alert_unmute(actor=self.membership, alert=alert))


class AlertAcknowledgeView(_AlertsView):
    @extend_schema(
        tags=[TAG],
        summary="Acknowledge a firing alert",
        description="Records that you are on it (cleared when it fires again after resolving).",
        parameters=[SLUG, APP_ID, ALERT_ID],
        request=None,
        responses={200: AlertSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, workspace_slug: str, app_id: str, alert_id: int) -> Response:
        alert = self.alert(app_id, alert_id, Cap.DEVELOP_MINIPROGRAM)
        return self.out(
            AlertSerializer, services.alert_acknowledge(actor=self.membership, alert=alert)
        )


class AlertRuleListView(_AlertsView):
    pagination_class = None

    @extend_schema(
        tags=[TAG],
        summary="A mini program's alert rules",
        description="The rule of each metric for the mini program (its own, or the Alipay+ "
        "default), then the host apps' own rules. A host tenant sees its host apps' only.",
        parameters=[SLUG, APP_ID],
        responses={200: RuleSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        hosts = selectors.alert_host_apps(miniprogram=mp, host_app_ids=self.scope())
        base, per_host = selectors.alert_rule_rows(miniprogram=mp, host_apps=hosts)
        rows = base + [row for host in hosts for row in per_host.get(host.pk, [])]
        return Response(RuleSerializer([_rule_data(r) for r in rows], many=True).data)


class AlertRuleDetailView(_AlertsView):
    serializer_class = RuleInputSerializer

    def _metric(self, metric: str) -> str:
        if metric not in SPECS:
            raise exceptions.NotFound("No such metric.")
        return metric

    @extend_schema(
        tags=[TAG],
        summary="Set an alert rule",
        description="The mini program's rule of ``metric`` (or, with ``host_app_id``, its rule "
        "on that host app), replacing the defaults from the next evaluation. Audited. Owner, "
        "Admins, or a Developer assigned to the mini program.",
        parameters=[SLUG, APP_ID, METRIC],
        request=RuleInputSerializer,
        responses={200: RuleSerializer, **WRITE_ERRORS},
    )
    def put(self, request: Request, workspace_slug: str, app_id: str, metric: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        metric = self._metric(metric)
        data = self.body(RuleInputSerializer)
        rule = services.alert_rule_save(
            actor=self.membership,
            miniprogram=mp,
            metric=metric,
            host_app_id=data.get("host_app_id"),
            is_enabled=data["is_enabled"],
            threshold=data["threshold"],
            min_samples=data["min_samples"],
        )
        return Response(
            RuleSerializer(
                {
                    "metric": rule.metric,
                    "host_app_id": rule.host_app_id,
                    "is_enabled": rule.is_enabled,
                    "threshold": rule.threshold,
                    "min_samples": rule.min_samples,
                    "unit": SPECS[metric].unit,
                    "operator": SPECS[metric].operator,
                    "source": "host app" if rule.host_app_id else "mini program",
                }
            ).data
        )

    @extend_schema(
        tags=[TAG],
        summary="Reset an alert rule",
        description="Drop the mini program's own rule of ``metric`` (or, with ``host_app_id``, "
        "that host app's): the defaults apply again. Audited.",
        parameters=[SLUG, APP_ID, METRIC, RuleResetQuerySerializer],
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, workspace_slug: str, app_id: str, metric: str) -> Response:
        mp = self.miniprogram(app_id, Cap.DEVELOP_MINIPROGRAM)
        metric = self._metric(metric)
        host_app_id = self.query(RuleResetQuerySerializer).get("host_app_id")
        services.alert_rule_reset(
            actor=self.membership, miniprogram=mp, metric=metric, host_app_id=host_app_id
        )
        return Response(status=204)


class AlertHistoryView(_AlertsView):
    @extend_schema(
        tags=[TAG],
        summary="A mini program's alert history",
        description="Every firing and resolution with the numbers it was decided on, newest "
        "first. A host tenant sees its host apps' only.",
        parameters=[SLUG, APP_ID],
        responses={200: AlertChangeSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str, app_id: str) -> Response:
        mp = self.miniprogram(app_id)
        rows = selectors.alert_history(miniprogram=mp, host_app_ids=self.scope())
        return self.paginated(rows, AlertChangeSerializer)


class WorkspaceAlertListView(WorkspaceAPIView):
    @extend_schema(
        tags=[TAG],
        summary="The workspace's alerts",
        description="The alerts of every mini program you see (in a tenant, also the merchant "
        "mini programs on its host apps, their alerts there), firing first then newest first.",
        parameters=[SLUG, WorkspaceAlertQuerySerializer],
        responses={200: AlertSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, workspace_slug: str) -> Response:
        query = self.query(WorkspaceAlertQuerySerializer)
        rows = selectors.workspace_alert_list(
            member=self.membership, state=query.get("state", ""), metric=query.get("metric", "")
        )
        return self.paginated(rows, AlertSerializer)
