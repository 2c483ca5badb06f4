"""What the grayscale pages show, from rows the selectors already loaded (no queries): the
Releases tab's Grayscale section per target, one task's conditions, progress and the actions a
member may take (with the sentences their confirmations say), its audit rows, and the audience
preview's verdicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from releases.forms import NETWORK_LABELS
from releases.grayscale.models import GrayscaleTask
from releases.grayscale.selectors import (
    FIRST_RELEASE,
    NOT_APPROVED,
    ONLINE,
    grayscale_target_rule,
)
from releases.grayscale.targeting import Decision
from releases.models import Release, ReleaseTarget, Version
from releases.views.display.releases import where
from releases.views.display.timeline import AuditRow, person
from workspaces.authz import Cap
from workspaces.models import AuditEvent

State = GrayscaleTask.State
Env = ReleaseTarget.Environment

PLATFORM_LABELS: dict[str, Any] = {"android": _("Android"), "ios": _("iOS")}
LIST_LABELS: dict[str, Any] = {
    "guid": _("GUIDs"),
    "device_id": _("device ids"),
    "account": _("user accounts"),
}
AUDIT_LABELS: dict[str, Any] = {
    "grayscale.create": _("Task created"),
    "grayscale.pending": _("Waiting for its start time"),
    "grayscale.delivering": _("Delivering"),
    "grayscale.suspended": _("Suspended"),
    "grayscale.ended": _("Ended"),
    "grayscale.percentage": _("Percentage raised"),
    "grayscale.replace_version": _("Version replaced (hotfix)"),
    "grayscale.schedule_pause": _("Schedule paused"),
    "grayscale.schedule_resume": _("Schedule resumed"),
    "grayscale.advance": _("Schedule advanced"),
    "grayscale.guardrail": _("Guardrails changed"),
}
MPP = _("MPP")


def pct(value: Decimal | float | None) -> str:
    """``5 %``, ``12.5 %``."""
    if value is None:
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return f"{text} %"


# --- progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    delivered: int
    limit: int

    @property
    def percent(self) -> float:
        return min(100.0, 100.0 * self.delivered / self.limit) if self.limit else 0.0

    @property
    def width(self) -> str:
        """The bar's CSS width (a dot as the decimal mark, whatever the language)."""
        return f"{self.percent:.1f}%"

    @property
    def shown(self) -> str:
        return number_format(round(self.percent, 1), decimal_pos=1 if self.percent < 10 else 0)


def progress(task: GrayscaleTask) -> Progress:
    return Progress(delivered=task.admitted_users, limit=task.max_users)


# --- the Releases tab's Grayscale section -------------------------------------------------------


@dataclass
class TaskRow:
    task: GrayscaleTask
    tone: str
    label: str
    progress: Progress


def task_rows(tasks: Iterable[GrayscaleTask]) -> list[TaskRow]:
    return [
        TaskRow(task=t, tone=t.state_tone, label=str(t.get_state_display()), progress=progress(t))
        for t in tasks
    ]


@dataclass(frozen=True)
class MatrixGrayscale:
    """The grayscale task a matrix cell shows: the newest delivering or suspended one on that
    target, and how many other such tasks there are."""

    task: GrayscaleTask
    tone: str
    label: str  # the state when it is not delivering ("Suspended"), else ""
    progress: Progress
    percentage: str
    others: int = 0


LIVE = (State.DELIVERING, State.SUSPENDED)


def matrix_grayscale(tasks: Mapping[int, list[GrayscaleTask]]) -> dict[int, MatrixGrayscale]:
    """Target id → what its matrix cell shows of its grayscale tasks (``tasks``: each target's,
    newest first, as ``release_grayscale_by_target`` reads them; no queries here)."""
    out: dict[int, MatrixGrayscale] = {}
    for target_id, rows in tasks.items():
        live = [task for task in rows if task.state in LIVE]
        if not live:
            continue
        task = live[0]
        out[target_id] = MatrixGrayscale(
            task=task,
            tone=task.state_tone,
            label=gettext("Suspended") if task.state == State.SUSPENDED else "",
            progress=progress(task),
            percentage=pct(task.percentage),
            others=len(live) - 1,
        )
    return out


@dataclass
class GrayscaleTarget:
    """One release target's grayscale tasks, and whether a new one can start there."""

    target: ReleaseTarget
    where: str
    rows: list[TaskRow] = field(default_factory=list)
    can_create: bool = False
    create_note: str = ""  # why no task can start here now (shown to those who could start one)

    @property
    def is_production(self) -> bool:
        return self.target.environment == Env.PRODUCTION


def _create_note(online: Release | None, pending: Release | None) -> tuple[bool, str]:
    """Whether a version can be released in grayscale on a target whose online and open
    releases are ``online`` and ``pending``, and if not, what to do instead. The decision is
    ``grayscale_target_rule``'s (the rules the service refuses with); only the advice is here."""
    code = grayscale_target_rule(online=online, open_release=pending)
    if not code:
        return True, ""
    if code == FIRST_RELEASE or online is None:  # nothing online: whatever else, publish first
        return False, gettext(
            "Nothing is online here yet: the first release is a full release. Publish a version "
            "first; later versions can go out in grayscale."
        )
    if code == NOT_APPROVED or pending is None:
        return False, gettext(
            "To start a task, submit a version higher than %(number)s for review here; once it "
            "is approved it can be released in grayscale instead of published."
        ) % {"number": online.version.number}
    if code == ONLINE:
        return False, gettext(
            "Version %(number)s, approved here, is already online: to start a task, submit a "
            "higher version for review here."
        ) % {"number": pending.version.number}
    return False, gettext(
        "Version %(number)s, approved here, is not higher than the online version "
        "%(online)s: a grayscale release must be newer."
    ) % {"number": pending.version.number, "online": online.version.number}


def grayscale_targets(
    *,
    targets: Iterable[ReleaseTarget],
    tasks: Mapping[int, list[GrayscaleTask]],
    caps: frozenset[str],
    active_host_apps: set[int],
    on_shelf: bool,
) -> list[GrayscaleTarget]:
    """Every target the mini program has releases in (the matrix's ``targets``, with ``online``
    and ``open_release`` loaded), with its tasks and whether ``caps`` may start one there."""
    manage = Cap.MANAGE_MINIPROGRAM.value in caps
    out = []
    for target in targets:
        section = GrayscaleTarget(
            target=target, where=where(target), rows=task_rows(tasks.get(target.pk, []))
        )
        if manage:
            possible, note = _create_note(
                target.online,  # type: ignore[attr-defined]
                target.open_release,  # type: ignore[attr-defined]
            )
            if possible and target.host_app_id not in active_host_apps:
                possible, note = (
                    False,
                    gettext("The mini program was taken offline from this host app."),
                )
            if possible and not on_shelf:
                possible, note = False, gettext("The mini program is off shelf.")
            section.can_create, section.create_note = possible, note
        out.append(section)
    return out


# --- one task -----------------------------------------------------------------------------------


def _span(lo: str, hi: str) -> str:
    if lo and hi:
        return gettext("%(lo)s to %(hi)s") % {"lo": lo, "hi": hi}
    if lo:
        return gettext("%(lo)s or later") % {"lo": lo}
    if hi:
        return gettext("up to %(hi)s") % {"hi": hi}
    return gettext("any version")


def conditions(task: GrayscaleTask, counts: Mapping[str, int]) -> list[tuple[str, str]]:
    """(condition, what it asks) for each kind; list sizes, never their values."""
    lo, hi = task.host_app_version_min, task.host_app_version_max
    rows = [
        (
            gettext("Host app version"),
            _span(lo, hi)
            if lo or hi
            else gettext("Any version of %(app)s") % {"app": task.target.host_app.name},
        )
    ]
    if task.platforms:
        rows.append(
            (
                gettext("Platforms"),
                "; ".join(
                    f"{PLATFORM_LABELS.get(name, name)} {_span(bounds[0], bounds[1])}"
                    for name, bounds in task.platforms.items()
                ),
            )
        )
    else:
        rows.append((gettext("Platforms"), gettext("Any platform")))
    named = [
        f"{number_format(n, force_grouping=True)} {LIST_LABELS[kind]}"
        for kind, n in counts.items()
        if n
    ]
    rows.append(
        (
            gettext("Target objects"),
            gettext("On one of the lists: %(lists)s") % {"lists": get_text_list(named, "or")}
            if named
            else gettext("Anyone (no list)"),
        )
    )
    rows.append(
        (
            gettext("Network"),
            ", ".join(str(NETWORK_LABELS.get(n, n)) for n in task.networks)
            if task.networks
            else gettext("Any network"),
        )
    )
    rows.append(
        (
            gettext("Percentage"),
            gettext("%(pct)s of the matching users (a sticky bucket per user)")
            % {"pct": pct(task.percentage)}
            if task.percentage is not None
            else gettext("No percentage condition"),
        )
    )
    return rows


@dataclass(frozen=True)
class Step:
    percentage: str
    hours: str
    is_current: bool
    is_done: bool


def schedule_steps(task: GrayscaleTask) -> list[Step]:
    current = task.schedule_step
    return [
        Step(
            percentage=pct(Decimal(str(p))),
            hours=number_format(float(h), decimal_pos=0 if float(h).is_integer() else 1),
            is_current=current == i,
            is_done=current is not None and i < current,
        )
        for i, (p, h) in enumerate(task.schedule)
    ]


@dataclass
class TaskActions:
    """What the member may do with the task now, with the sentences the dialogs say."""

    suspend: str = ""
    resume: str = ""
    end: str = ""
    raise_percentage: bool = False
    schedule_pause: str = ""
    schedule_resume: str = ""
    replace_versions: list[Version] = field(default_factory=list)
    replace_note: str = ""  # how to get a newer version to replace this one
    full_release: bool = False  # 100 %: publish the full release from the matrix

    @property
    def any(self) -> bool:
        return bool(
            self.suspend
            or self.resume
            or self.end
            or self.raise_percentage
            or self.schedule_pause
            or self.schedule_resume
            or self.replace_versions
            or self.replace_note
            or self.full_release
        )


def task_actions(
    task: GrayscaleTask, *, caps: frozenset[str], newer: list[Version], here: str
) -> TaskActions:
    actions = TaskActions()
    if Cap.MANAGE_MINIPROGRAM.value not in caps or not task.is_unfinished:
        return actions
    values = {"name": task.name, "number": task.version.number, "where": here}
    if task.state == State.DELIVERING:
        actions.suspend = (
            gettext(
                "Task “%(name)s” stops delivering version %(number)s in %(where)s at once: users "
                "already in it get the online version until you resume it."
            )
            % values
        )
    if task.state == State.SUSPENDED:
        actions.resume = (
            gettext(
                "Task “%(name)s” delivers version %(number)s again in %(where)s: the users already "
                "in it get it back, and new ones may enter up to the limit."
            )
            % values
        )
    actions.end = (
        gettext(
            "Task “%(name)s” ends for good: its users get the online version again. An ended task "
            "cannot be resumed; to release in grayscale again, start a new task."
        )
        % values
    )
    actions.raise_percentage = task.percentage is not None and not task.reached_full
    if task.schedule_step is not None and task.schedule_step < len(task.schedule) - 1:
        if task.schedule_paused:
            actions.schedule_resume = gettext(
                "The schedule advances again by itself; the current step (%(pct)s) is held in "
                "full from now."
            ) % {"pct": pct(task.percentage)}
        else:
            actions.schedule_pause = gettext(
                "The schedule stays at %(pct)s until you resume it; the task keeps delivering."
            ) % {"pct": pct(task.percentage)}
    actions.replace_versions = [v for v in newer if v.semver > task.version.semver]
    if not actions.replace_versions:
        actions.replace_note = (
            gettext(
                "To fix a problem in %(number)s, submit a newer version for review in %(where)s: "
                "once approved it can replace %(number)s here for the same users. Or end the task."
            )
            % values
        )
    actions.full_release = task.reached_full
    return actions


def replace_text(task: GrayscaleTask) -> str:
    return gettext(
        "The users of task “%(name)s” (and those who enter from now) get the version you choose "
        "instead of %(number)s; its conditions, limit and progress stay as they are."
    ) % {"name": task.name, "number": task.version.number}


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    rows = []
    for event in events:
        if event.actor is not None:
            who = person(event.actor)
        else:
            who = event.actor_label if event.actor_label not in ("", "system") else str(MPP)
        rows.append(
            AuditRow(event=event, label=str(AUDIT_LABELS.get(event.verb, event.verb)), who=who)
        )
    return rows


# --- the audience preview -----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    task: GrayscaleTask | None
    task_id: int
    matched: bool
    failed: str
    reason: str


def preview_checks(decision: Decision, tasks: Mapping[int, GrayscaleTask]) -> list[Check]:
    return [
        Check(
            task=tasks.get(task_id),
            task_id=task_id,
            matched=verdict.matched,
            failed=verdict.failed,
            reason=verdict.reason,
        )
        for task_id, verdict in decision.checks
    ]
