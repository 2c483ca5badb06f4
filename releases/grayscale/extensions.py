"""Extension points of grayscale tasks for the apps built on releases.

Dependencies point down (``analytics → releases``), so what watches a task's cohort lives in a
later app and registers here, once, from its ``AppConfig.ready()``:

* an **advance check**: the staged schedule moves to its next step only when no check gives a
  reason to hold (``analytics``' guardrails: the cohort's alert metrics against the online
  version);
* a **task panel**: a card on the task's page (template and context), e.g. the cohort against
  the online version for each metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from releases.grayscale.models import GrayscaleTask

AdvanceCheck = Callable[[GrayscaleTask, datetime], str | None]  # a reason to hold, or None


@dataclass(frozen=True)
class TaskPanel:
    """A card on a grayscale task's page: ``template`` rendered with ``panel`` = this."""

    template: str
    context: dict[str, Any]


PanelFactory = Callable[..., TaskPanel | None]  # (*, task, caps) -> a card, or None

_ADVANCE_CHECKS: dict[str, AdvanceCheck] = {}
_PANELS: dict[str, PanelFactory] = {}


def register_advance_check(name: str, function: AdvanceCheck) -> None:
    """Ask ``function(task, now)`` before a staged schedule advances (a name again replaces)."""
    _ADVANCE_CHECKS[name] = function


def advance_hold_reason(task: GrayscaleTask, now: datetime) -> str | None:
    """Why ``task`` must stay on its step for now, or ``None`` when it may advance."""
    for function in _ADVANCE_CHECKS.values():
        reason = function(task, now)
        if reason:
            return reason
    return None


def register_task_panel(name: str, function: PanelFactory) -> None:
    """Add ``function(task=…, caps=…)``'s card to the task page (a name again replaces)."""
    _PANELS[name] = function


def task_panels(*, task: GrayscaleTask, caps: frozenset[str] | set[str]) -> list[TaskPanel]:
    panels = (function(task=task, caps=caps) for function in _PANELS.values())
    return [panel for panel in panels if panel is not None]
