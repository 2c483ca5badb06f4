"""``/api/v1/…/targets/{target_id}/grayscale/{task_id}/guardrail``: a grayscale task's guardrails
— the settings and what they see now (GET), the settings changed (PUT, Owner or Admin)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.guardrails.evaluate import Z_CRITICAL
from analytics.guardrails.services import (
    MARGIN_MAX,
    MIN_SAMPLES_RANGE,
    guardrail_settings,
    guardrail_task_get,
    guardrail_update,
    look,
)
from miniprograms.endpoints import APP_ID, MiniProgramAPIView
from releases.grayscale.models import GrayscaleTask
from workspaces.authz import Cap
from workspaces.endpoints import ERRORS, SLUG, WRITE_ERRORS, id_parameter

TAG = "grayscale"
ONE = [
    SLUG,
    APP_ID,
    id_parameter("target_id", "release target (host app × environment)"),
    id_parameter("task_id", "grayscale task"),
]


class ComparisonSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()
    cohort_bad = serializers.IntegerField()
    cohort_total = serializers.IntegerField()
    online_bad = serializers.IntegerField()
    online_total = serializers.IntegerField()
    z = serializers.FloatField(allow_null=True)
    verdict = serializers.ChoiceField(choices=["worse", "ok", "too_few"])


class GuardrailSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    margin_points = serializers.DecimalField(max_digits=5, decimal_places=2)
    min_samples = serializers.IntegerField()
    z_critical = serializers.FloatField()
    checked_at = serializers.DateTimeField(allow_null=True)
    holding = serializers.BooleanField(help_text="No metric was worse at the last check.")
    tripped_at = serializers.DateTimeField(
        allow_null=True, help_text="When the guardrails last suspended the task."
    )
    tripped_metric = serializers.CharField()
    tripped_note = serializers.CharField()
    now = ComparisonSerializer(
        many=True,
        help_text="Each metric over the last 30 minutes (the last check's when the "
        "task is not delivering).",
    )
    note = serializers.CharField(help_text="Why there is nothing to compare, if so.")


class GuardrailInputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    margin_points = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=MARGIN_MAX
    )
    min_samples = serializers.IntegerField(
        min_value=MIN_SAMPLES_RANGE[0], max_value=MIN_SAMPLES_RANGE[1]
    )


def _out(task: GrayscaleTask) -> dict[str, Any]:
    guardrail = guardrail_settings(task)
    if task.state == GrayscaleTask.State.DELIVERING and guardrail.enabled:
        verdict = look(task, now=timezone.now(), guardrail=guardrail)
        now, note = [c.as_json() for c in verdict.comparisons], verdict.note
    else:
        now, note = list(guardrail.results or []), ""
    return {
        "enabled": guardrail.enabled,
        "margin_points": guardrail.margin_points,
        "min_samples": guardrail.min_samples,
        "z_critical": Z_CRITICAL,
        "checked_at": guardrail.checked_at,
        "holding": guardrail.holding,
        "tripped_at": guardrail.tripped_at,
        "tripped_metric": guardrail.tripped_metric,
        "tripped_note": guardrail.tripped_note,
        "now": now,
        "note": note,
    }


class GuardrailView(MiniProgramAPIView):
    serializer_class = GuardrailInputSerializer

    def task(self, app_id: str, target_id: int, task_id: int, cap: Cap) -> GrayscaleTask:
        """The task (404 for another's); a write checks MANAGE first (403 whatever the body)."""
        mp = self.miniprogram(app_id, cap)
        found = guardrail_task_get(miniprogram=mp, target_id=target_id, task_id=task_id)
        if found is None:
            raise exceptions.NotFound("This release target has no such grayscale task.")
        return found

    @extend_schema(
        tags=[TAG],
        summary="A grayscale task's guardrails",
        description="The settings, the last check and, while the task delivers, each metric of "
        "its cohort against the online version over the last 30 minutes (one-sided two-"
        "proportion z-test: worse by more than the margin with z > 3 and enough samples on "
        "both sides suspends the task).",
        parameters=ONE,
        responses={200: GuardrailSerializer, **ERRORS},
    )
    def get(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id, Cap.VIEW_MINIPROGRAM)
        return Response(GuardrailSerializer(_out(task)).data)

    @extend_schema(
        tags=[TAG],
        summary="Change a grayscale task's guardrails",
        description="Switch them off or on, or change the margin (percentage points) and the "
        "samples needed on each side. Audited on the task. Refused for an ended task. Needs "
        "miniprograms.manage_miniprogram.",
        parameters=ONE,
        request=GuardrailInputSerializer,
        responses={200: GuardrailSerializer, **WRITE_ERRORS},
    )
    def put(
        self, request: Request, workspace_slug: str, app_id: str, target_id: int, task_id: int
    ) -> Response:
        task = self.task(app_id, target_id, task_id, Cap.MANAGE_MINIPROGRAM)
        data = self.body(GuardrailInputSerializer)
        guardrail_update(
            actor=self.membership,
            task=task,
            enabled=data["enabled"],
            margin_points=data["margin_points"],
            min_samples=data["min_samples"],
        )
        return Response(GuardrailSerializer(_out(GrayscaleTask.objects.get(pk=task.pk))).data)
