"""Grayscale tasks: create, the state door, the member's actions, the staged schedule, the hotfix,
what a publish ends, and the beat's tick (SPEC §6, issue 11). Importable from here; split by
concern:

* ``inputs`` — :class:`TaskInput` and the cleaning of every field (sentences by field);
* ``state`` — the version rules and :func:`grayscale_transition`, the one door for a task's
  state (the table is ``releases/transitions.py``);
* ``actions`` — what a member does (each needs MANAGE on the mini program, as publishing);
* ``room`` — what the release room's services call (publish, take offline, submit);
* ``beat`` — :func:`grayscale_tick`.

Every operation on a target locks its :class:`ReleaseTarget` row first (as submit, publish and
rollback do), so a task created while the version is being published, or two hotfixes, are
ordered. Every change of what the runtime answers (a task starts or stops delivering, its
percentage or version changes) bumps the runtime revision in the same transaction. Rules refuse
with a ``ValidationError`` whose sentence the console and the API show as is.
"""

from __future__ import annotations

from releases.grayscale.services.actions import (
    grayscale_schedule_pause,
    grayscale_schedule_resume,
    grayscale_task_create,
    grayscale_task_end,
    grayscale_task_raise_percentage,
    grayscale_task_replace_version,
    grayscale_task_resume,
    grayscale_task_suspend,
)
from releases.grayscale.services.beat import grayscale_tick
from releases.grayscale.services.inputs import (
    LIST_FIELDS,
    MAX_USERS_LIMIT,
    WHITELISTS_OUTSIDE_PRODUCTION,
    TaskInput,
)
from releases.grayscale.services.room import (
    grayscale_end_offline,
    grayscale_end_published,
    grayscale_release_yield,
)
from releases.grayscale.services.state import grayscale_transition

__all__ = [
    "LIST_FIELDS",
    "MAX_USERS_LIMIT",
    "WHITELISTS_OUTSIDE_PRODUCTION",
    "TaskInput",
    "grayscale_end_offline",
    "grayscale_end_published",
    "grayscale_release_yield",
    "grayscale_schedule_pause",
    "grayscale_schedule_resume",
    "grayscale_task_create",
    "grayscale_task_end",
    "grayscale_task_raise_percentage",
    "grayscale_task_replace_version",
    "grayscale_task_resume",
    "grayscale_task_suspend",
    "grayscale_tick",
    "grayscale_transition",
]
