"""The guardrails' card on a grayscale task's page (``releases.grayscale.extensions`` panel) and
its settings form (POST, Owner or Admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View

from analytics.guardrails.evaluate import WINDOW, Z_CRITICAL
from analytics.guardrails.services import (
    guardrail_settings,
    guardrail_task_get,
    guardrail_update,
    look,
)
from miniprograms.mixins import MiniProgramMixin
from releases.grayscale.extensions import TaskPanel
from releases.grayscale.models import GrayscaleTask
from workspaces.authz import Cap

VERDICTS = {
    "worse": (gettext("Worse"), "red"),
    "ok": (gettext("Holding"), "green"),
    "too_few": (gettext("Too few samples"), "neutral"),
}


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.2f} %"


def task_panel(*, task: GrayscaleTask, caps: frozenset[str] | set[str]) -> TaskPanel | None:
    """The card: each metric, cohort against online, now (the same window the beat uses; the
    last beat's verdict when the task is not delivering), and the settings."""
    guardrail = guardrail_settings(task)
    live = task.state == GrayscaleTask.State.DELIVERING and guardrail.enabled
    if live:
        verdict = look(task, now=timezone.now(), guardrail=guardrail)
        comparisons, note = [c.as_json() for c in verdict.comparisons], verdict.note
    else:
        comparisons, note = list(guardrail.results or []), ""
    rows = []
    for c in comparisons:
        label, tone = VERDICTS.get(c["verdict"], (c["verdict"], "neutral"))

        def rate(bad: int, total: int) -> float | None:
            return bad / total if total else None

        rows.append(
            {
                "metric": c["metric"],
                "label": c["label"],
                "cohort": _pct(rate(c["cohort_bad"], c["cohort_total"])),
                "cohort_n": c["cohort_total"],
                "online": _pct(rate(c["online_bad"], c["online_total"])),
                "online_n": c["online_total"],
                "z": "—" if c["z"] is None else f"{c['z']:.2f}",
                "verdict": label,
                "tone": tone,
            }
        )
    target = task.target
    miniprogram = target.miniprogram
    return TaskPanel(
        "analytics/guardrails/_panel.html",
        {
            "task": task,
            "guardrail": guardrail,
            "rows": rows,
            "live": live,
            "note": note,
            "window_minutes": int(WINDOW.total_seconds() // 60),
            "z_critical": Z_CRITICAL,
            "can_edit": Cap.MANAGE_MINIPROGRAM.value in caps and task.is_unfinished,
            "action": reverse(
                "analytics:guardrail",
                args=[miniprogram.workspace.slug, miniprogram.app_id, target.pk, task.pk],
            ),
        },
    )


class GuardrailUpdateView(MiniProgramMixin, View):
    """POST the settings form; back to the task page with a message."""

    http_method_names = ["post"]
    miniprogram_cap = Cap.MANAGE_MINIPROGRAM

    def post(
        self, request: HttpRequest, *args: Any, target_id: int, task_id: int, **kwargs: Any
    ) -> HttpResponse:
        task = guardrail_task_get(
            miniprogram=self.miniprogram, target_id=target_id, task_id=task_id
        )
        if task is None:
            raise Http404("This release target has no such grayscale task.")
        try:
            guardrail_update(
                actor=self.membership,
                task=task,
                enabled=request.POST.get("enabled") == "on",
                margin_points=request.POST.get("margin_points", ""),
                min_samples=request.POST.get("min_samples", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("The guardrails of this task are saved."))
        url = reverse(
            "releases:grayscale-task",
            args=[self.workspace.slug, self.miniprogram.app_id, target_id, task_id],
        )
        return redirect(f"{url}#guardrails")
