"""Reads of grayscale tasks: a target's list and one task (console and API), and the compiled
rules of every delivering task for the runtime snapshot (issue 11).

Every list read costs a fixed number of queries, whatever the number of tasks; the lists' values
(up to 100,000 lines a kind) are read only where they are needed: the snapshot, and one task.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, QuerySet

from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
from releases.grayscale.targeting import Rule
from releases.models import ReleaseTarget

State = GrayscaleTask.State
Kind = GrayscaleTargetList.Kind

_RELATED = ("version", "created_by", "target__host_app")


def _lists_counts() -> Prefetch:
    """The lists' kinds and sizes, without their values."""
    return Prefetch(
        "target_lists",
        queryset=GrayscaleTargetList.objects.only("id", "task_id", "kind", "count"),
    )


def grayscale_task_list(*, target: ReleaseTarget) -> QuerySet[GrayscaleTask]:
    """The tasks of one target, newest first, with their version, author and list sizes."""
    return (
        GrayscaleTask.objects.filter(target=target)
        .select_related(*_RELATED)
        .prefetch_related(_lists_counts())
        .order_by("-created_at", "-id")
    )


def grayscale_task_get(*, target: ReleaseTarget, task_id: int) -> GrayscaleTask | None:
    """One task of ``target`` (``None`` when it has no such task), with its list sizes."""
    return grayscale_task_list(target=target).filter(pk=task_id).first()


def grayscale_task_counts(task: GrayscaleTask) -> dict[str, int]:
    """How many target objects of each kind the task names (from the prefetched lists)."""
    counts = dict.fromkeys(Kind.values, 0)
    for row in task.target_lists.all():
        counts[row.kind] = row.count
    return counts


def grayscale_rule(
    task: GrayscaleTask, *, host_app_id: int, lists: dict[str, frozenset[str]]
) -> Rule:
    """A task compiled for the one evaluation function (``targeting.evaluate``)."""
    lo, hi = task.host_app_version_min, task.host_app_version_max
    return Rule(
        task_id=task.pk,
        version=task.version.number,
        host_app_ranges={host_app_id: (lo, hi)} if lo or hi else {},
        platforms={name: (bounds[0], bounds[1]) for name, bounds in task.platforms.items()},
        guids=lists.get(Kind.GUID, frozenset()),
        device_ids=lists.get(Kind.DEVICE_ID, frozenset()),
        accounts=lists.get(Kind.ACCOUNT, frozenset()),
        networks=frozenset(task.networks),
        percentage=task.percentage_value,
    )


def grayscale_task_rule(task: GrayscaleTask) -> Rule:
    """One task's rule, its lists read (the audience preview of one task)."""
    lists: dict[str, frozenset[str]] = {
        row.kind: row.value_set()
        for row in GrayscaleTargetList.objects.filter(task=task).only("kind", "values")
    }
    return grayscale_rule(task, host_app_id=task.target.host_app_id, lists=lists)


def grayscale_candidates() -> dict[int, list[tuple[Rule, int, str]]]:
    """Target id → the compiled rules of its delivering tasks, newest first, each with its
    ``max_users`` and state: what the runtime snapshot serves. Two queries in all."""
    tasks = list(
        GrayscaleTask.objects.filter(state=State.DELIVERING)
        .select_related("version", "target")
        .only(
            "id",
            "target_id",
            "target__host_app",
            "version__number",
            "host_app_version_min",
            "host_app_version_max",
            "platforms",
            "networks",
            "percentage",
            "max_users",
            "state",
            "created_at",
        )
        .order_by("target_id", "-created_at", "-id")
    )
    lists: dict[int, dict[str, frozenset[str]]] = defaultdict(dict)
    rows = GrayscaleTargetList.objects.filter(task__state=State.DELIVERING).values_list(
        "task_id", "kind", "values"
    )
    for task_id, kind, values in rows.iterator(chunk_size=200):
        lists[task_id][kind] = frozenset(v for v in values.split("\n") if v)
    out: dict[int, list[tuple[Rule, int, str]]] = defaultdict(list)
    for task in tasks:
        rule = grayscale_rule(
            task, host_app_id=task.target.host_app_id, lists=lists.get(task.pk, {})
        )
        out[task.target_id].append((rule, task.max_users, str(task.state)))
    return dict(out)


def grayscale_progress(task: GrayscaleTask) -> dict[str, Any]:
    """ "Users delivered / limit", and whether the task reached 100 % (offer the full release)."""
    return {
        "admitted_users": task.admitted_users,
        "max_users": task.max_users,
        "reached_full": task.reached_full,
    }
