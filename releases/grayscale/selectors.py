"""Reads of grayscale tasks: a target's list and one task (console and API), and the compiled
rules of every delivering task for the runtime snapshot (issue 11).

Every list read costs a fixed number of queries, whatever the number of tasks; the lists' values
(up to 100,000 lines a kind) are read only where they are needed: the snapshot, and one task.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet

from miniprograms.models import MiniProgram
from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
from releases.grayscale.targeting import Rule
from releases.models import Release, ReleaseTarget, Version
from releases.release.selectors import release_grayscale_audit_list, release_online_get
from workspaces.models import AuditEvent

State = GrayscaleTask.State
Kind = GrayscaleTargetList.Kind

_RELATED = ("version", "created_by", "target__host_app")


def _lists_counts() -> Prefetch:
    """The lists' kinds and sizes, without their values."""
    return Prefetch(
        "target_lists",
        queryset=GrayscaleTargetList.objects.only("id", "task_id", "kind", "count"),
    )


# --- which version may be released in grayscale --------------------------------------------------

# The codes of :func:`grayscale_version_rule`, in the order the rules are checked.
NOT_APPROVED = "not_approved"  # no approved, unpublished release of the version there
FIRST_RELEASE = "first_release"  # nothing online on the target: the first release is a full one
ONLINE = "online"  # the version is the one online there
NOT_HIGHER = "not_higher"  # not higher than the online version
VERSION_RULES = (NOT_APPROVED, FIRST_RELEASE, ONLINE, NOT_HIGHER)


def grayscale_version_rule(
    *, version: Version | None, approved: bool, online: Version | None
) -> str:
    """Whether ``version`` (``None``: no candidate) may be released in grayscale on a target
    whose online version is ``online``, ``approved`` saying whether it has an approved,
    unpublished release there: "" when it may, else the code of the first rule it breaks
    (:data:`VERSION_RULES`). No queries: the service's refusal (``require_releasable``) and the
    Releases tab's note both decide with it, so they cannot disagree."""
    if version is None or not approved:
        return NOT_APPROVED
    if online is None:
        return FIRST_RELEASE
    if version.pk == online.pk:
        return ONLINE
    if version.semver <= online.semver:
        return NOT_HIGHER
    return ""


def grayscale_version_check(
    *, target: ReleaseTarget, version: Version
) -> tuple[str, Version | None]:
    """:func:`grayscale_version_rule` for ``version`` on ``target``, read from the database
    (two queries): (the code, "" when it may; the online version there)."""
    approved = Release.objects.filter(
        target=target, version=version, state=Release.State.APPROVED
    ).exists()
    online_release = release_online_get(target=target)
    online = online_release.version if online_release is not None else None
    return grayscale_version_rule(version=version, approved=approved, online=online), online


def grayscale_target_rule(*, online: Release | None, open_release: Release | None) -> str:
    """:func:`grayscale_version_rule` for a target's own candidate — its open release (under
    review or approved) — from the releases the Releases tab already loaded (no queries)."""
    approved = open_release is not None and open_release.state == Release.State.APPROVED
    return grayscale_version_rule(
        version=open_release.version if open_release is not None else None,
        approved=approved,
        online=online.version if online is not None else None,
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


def grayscale_task_find(*, miniprogram: MiniProgram, task_id: int) -> GrayscaleTask | None:
    """One task of any of ``miniprogram``'s targets, by its id alone (``None`` when the mini
    program has no such task), loaded as :func:`grayscale_task_get` loads it."""
    return (
        GrayscaleTask.objects.filter(pk=task_id, target__miniprogram=miniprogram)
        .select_related(*_RELATED)
        .prefetch_related(_lists_counts())
        .first()
    )


def grayscale_task_history(*, task: GrayscaleTask, workspace_id: int) -> list[AuditEvent]:
    """The task's audit records (created, each state change and action) in the mini program's
    workspace ``workspace_id``, oldest first, with who acted: one query."""
    return list(reversed(release_grayscale_audit_list(task=task, workspace_id=workspace_id)))


def grayscale_schedule_state(task: GrayscaleTask) -> dict[str, Any] | None:
    """Where a staged schedule stands (``None``: the task has none): the step in force (from 0)
    of how many, whether it is paused, when that step started, and the next step's percentage
    and the time the beat moves to it (``None`` when nothing follows, the task is paused or
    does not deliver)."""
    if task.schedule_step is None:
        return None
    step = task.schedule_step
    following = step + 1 < len(task.schedule)
    next_at: datetime | None = None
    if (
        following
        and not task.schedule_paused
        and task.state == State.DELIVERING
        and task.step_started_at is not None
    ):
        next_at = task.step_started_at + timedelta(hours=float(task.schedule[step][1]))
    return {
        "step": step,
        "steps": len(task.schedule),
        "paused": task.schedule_paused,
        "step_started_at": task.step_started_at,
        "next_percentage": float(task.schedule[step + 1][0]) if following else None,
        "next_step_at": next_at,
    }


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
