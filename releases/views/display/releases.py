"""What the release pages show, from rows the selectors already loaded (no queries): the
Releases tab's matrix with the actions a member may take and the sentences their confirmations
say, the history rows, where each version is (badges), a version's release steps and the flash
after a submission."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from miniprograms.models import MiniProgramHostApp
from releases.models import Release, ReleaseTarget
from releases.release.selectors import VersionReleases
from releases.views.display.timeline import person
from workspaces.authz import Cap
from workspaces.models import AuditEvent, HostApp

State = Release.State
Env = ReleaseTarget.Environment

# The matrix's columns, in the order a version travels.
ENVIRONMENTS: tuple[str, ...] = (Env.DEVELOPMENT, Env.TEST, Env.SANDBOX, Env.PRODUCTION)
ENV_SHORT: dict[str, Any] = {
    Env.DEVELOPMENT: _("dev"),
    Env.TEST: _("test"),
    Env.SANDBOX: _("sandbox"),
    Env.PRODUCTION: _("prod"),
}
# One colour per meaning (UI.md): blue in progress, green approved/online, red rejected, grey done.
STATE_BADGES: dict[str, tuple[str, Any]] = {
    State.UNDER_REVIEW: ("blue", _("In review")),
    State.APPROVED: ("green", _("Approved")),
    State.REJECTED: ("red", _("Rejected")),
    State.WITHDRAWN: ("neutral", _("Withdrawn")),
    State.CANCELLED: ("neutral", _("Cancelled")),
    State.RELEASED: ("green", _("Online")),
    State.ARCHIVED: ("neutral", _("Archived")),
}
MPP = _("MPP")


def where(target: ReleaseTarget) -> str:
    """``Acme Wallet (Production)``."""
    return f"{target.host_app.name} ({target.get_environment_display()})"


def where_short(target: ReleaseTarget) -> str:
    """``Acme Wallet (prod)``: for compact badges."""
    return f"{target.host_app.name} ({ENV_SHORT.get(target.environment, target.environment)})"


def state_badge(release: Release) -> tuple[str, str]:
    tone, label = STATE_BADGES.get(release.state, ("neutral", release.state))
    return tone, str(label)


# --- the matrix ---------------------------------------------------------------------------------


@dataclass
class Cell:
    """One host app in one environment: what is online, what is on its way, what may be done."""

    environment: str
    label: str
    target: ReleaseTarget | None = None
    online: Release | None = None
    open: Release | None = None
    can_publish: bool = False
    can_withdraw: bool = False
    can_rollback: bool = False
    can_submit: bool = False
    rollback_note: str = ""  # why there is no rollback (shown to those who could roll back)
    publish_text: str = ""
    withdraw_text: str = ""
    rollback_text: str = ""
    # The grayscale task the cell shows (a ``display.grayscale.MatrixGrayscale``; set by the view).
    grayscale: Any = None

    @property
    def open_tone(self) -> str:
        return state_badge(self.open)[0] if self.open else ""

    @property
    def is_empty(self) -> bool:
        return self.online is None and self.open is None


@dataclass
class MatrixRow:
    host_app: HostApp
    link: MiniProgramHostApp | None  # None: a target whose host app left "Release to"
    cells: list[Cell] = field(default_factory=list)

    @property
    def is_offline(self) -> bool:
        return self.link is None or not self.link.is_active


def _publish_text(target: ReleaseTarget, release: Release, online: Release | None) -> str:
    values = {"number": release.version.number, "where": where(target)}
    text = gettext("Version %(number)s goes online in %(where)s at once.") % values
    if online is not None:
        text += " " + gettext(
            "Version %(old)s, online there now, is archived (you can roll back to it)."
        ) % {"old": online.version.number}
    if target.is_production:
        text += " " + gettext(
            "In production, host apps show the mini program's staged profile from now on."
        )
    return text


def _withdraw_text(target: ReleaseTarget, release: Release) -> str:
    return gettext(
        "The review of version %(number)s for %(where)s is withdrawn: the reviewers no longer "
        "see it. You can submit a version there again afterwards."
    ) % {"number": release.version.number, "where": where(target)}


def _rollback_text(target: ReleaseTarget, online: Release) -> str:
    previous = online.replaces.version.number if online.replaces else ""
    return gettext(
        "%(where)s goes back to version %(previous)s at once; version %(number)s is archived. "
        "Two rollbacks in a row are not allowed: after this, a new version must be published "
        "there before rolling back again."
    ) % {"where": where(target), "previous": previous, "number": online.version.number}


def _cell(
    environment: str,
    target: ReleaseTarget | None,
    *,
    caps: frozenset[str],
    user_id: int | None,
    active: bool,
    ready_id: int | None,
) -> Cell:
    cell = Cell(environment=environment, label=str(Env(environment).label), target=target)
    manage = Cap.MANAGE_MINIPROGRAM.value in caps
    develop = Cap.DEVELOP_MINIPROGRAM.value in caps
    if target is not None:
        cell.online = target.online  # type: ignore[attr-defined]
        cell.open = target.open_release  # type: ignore[attr-defined]
    online, pending = cell.online, cell.open
    if target is not None and pending is not None:
        if pending.state == State.APPROVED and manage:
            cell.can_publish = True
            cell.publish_text = _publish_text(target, pending, online)
        if pending.state == State.UNDER_REVIEW and develop and pending.approval_id:
            cell.can_withdraw = manage or pending.submitted_by_id == user_id
            cell.withdraw_text = _withdraw_text(target, pending)
    if target is not None and online is not None and manage:
        if online.kind == Release.Kind.ROLLBACK:
            cell.rollback_note = gettext("Rolled back: publish a new version before another.")
        elif online.replaces_id is None:
            cell.rollback_note = ""  # the first release there: nothing to go back to
        else:
            cell.can_rollback = True
            cell.rollback_text = _rollback_text(target, online)
    # The newest ready version, where nothing is on its way and it is not already online.
    already = online is not None and online.version_id == ready_id
    cell.can_submit = develop and active and ready_id is not None and pending is None
    cell.can_submit = cell.can_submit and not already
    return cell


def release_matrix(
    *,
    links: list[MiniProgramHostApp],
    targets: list[ReleaseTarget],
    caps: frozenset[str],
    user_id: int | None,
    ready_id: int | None,
) -> list[MatrixRow]:
    """Host apps (the mini program's, offline ones too, and any other host app it has releases
    in) × the four environments, each cell with what ``caps`` allow there."""
    by_key = {(t.host_app_id, t.environment): t for t in targets}
    rows = [MatrixRow(host_app=link.host_app, link=link) for link in links]
    known = {link.host_app_id for link in links}
    for target in targets:
        if target.host_app_id not in known:
            known.add(target.host_app_id)
            rows.append(MatrixRow(host_app=target.host_app, link=None))
    for row in rows:
        active = row.link is not None and row.link.is_active
        row.cells = [
            _cell(
                env,
                by_key.get((row.host_app.pk, env)),
                caps=caps,
                user_id=user_id,
                active=active,
                ready_id=ready_id,
            )
            for env in ENVIRONMENTS
        ]
    return rows


# --- the history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    release: Release
    where: str
    tone: str
    state_label: str
    submitted_by: str
    published_by: str
    decided_by: str
    reason: str  # the reviewer's, for a rejection or cancellation

    @property
    def is_rollback(self) -> bool:
        return self.release.kind == Release.Kind.ROLLBACK


def history_rows(releases: Iterable[Release]) -> list[HistoryRow]:
    rows = []
    for release in releases:
        tone, label = state_badge(release)
        approval = release.approval
        decided = ""
        if approval is not None and approval.decided_by is not None:
            decided = person(approval.decided_by)
        reason = ""
        if approval is not None and release.state in (State.REJECTED, State.CANCELLED):
            reason = approval.reason
        rows.append(
            HistoryRow(
                release=release,
                where=where(release.target),
                tone=tone,
                state_label=label,
                submitted_by=person(release.submitted_by, gettext("a deleted account")),
                published_by=person(release.published_by, gettext("a deleted account"))
                if release.published_at
                else "",
                decided_by=decided,
                reason=reason,
            )
        )
    return rows


def target_choices(targets: Iterable[ReleaseTarget]) -> list[tuple[str, str]]:
    """The history filter's choices: every target the mini program has releases in."""
    return [("", gettext("All host apps and environments"))] + [
        (str(t.pk), where(t)) for t in targets
    ]


# --- where a version is ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    tone: str
    text: str
    title: str = ""


def version_badges(releases: Iterable[Release]) -> list[Badge]:
    """``Online · Acme Wallet (prod)``, ``In review · …``, ``Approved · …`` for one version."""
    badges = []
    for release in releases:
        here = where_short(release.target)
        if release.state == State.RELEASED:
            if getattr(release, "host_offline", False):
                badges.append(
                    Badge(
                        "neutral",
                        gettext("Online · %(where)s") % {"where": here},
                        gettext("Not delivered: the mini program was taken offline from %(app)s.")
                        % {"app": release.target.host_app.name},
                    )
                )
            else:
                badges.append(Badge("green", gettext("Online · %(where)s") % {"where": here}))
        elif release.state == State.UNDER_REVIEW:
            badges.append(Badge("blue", gettext("In review · %(where)s") % {"where": here}))
        elif release.state == State.APPROVED:
            badges.append(
                Badge(
                    "green",
                    gettext("Approved · %(where)s") % {"where": here},
                    gettext("Approved: ready to publish."),
                )
            )
    return badges


# --- a version's release steps (its page's timeline continues) -----------------------------------


@dataclass(frozen=True)
class ReleaseStep:
    """A step of the version page's timeline after the pipeline (the template shows ``label``,
    ``tone``/``state_label`` as the badge, ``when``, ``who`` and ``detail``; ``state`` styles
    the dot). ``kind`` is empty: the page's script leaves these steps alone."""

    label: str
    state: str  # done, queued (waiting on someone), failed, skipped, pending
    tone: str
    state_label: str
    when: datetime | None = None
    who: str = ""
    detail: str = ""
    kind: str = ""
    is_current: bool = False


def _event(events: list[AuditEvent], verb: str) -> AuditEvent | None:
    return next((e for e in reversed(events) if e.verb == verb), None)


def _event_actor(event: AuditEvent | None, fallback: str = "") -> str:
    if event is None:
        return fallback
    if event.actor is not None:
        return person(event.actor)
    return fallback or str(MPP)


def _decision_steps(release: Release, events: list[AuditEvent], here: str) -> list[ReleaseStep]:
    approval = release.approval
    state = release.state
    if approval is None:  # outside production: approved at the submission
        if state in (State.APPROVED, State.RELEASED, State.ARCHIVED):
            return [
                ReleaseStep(
                    gettext("Approved for %(where)s") % {"where": here},
                    "done",
                    "green",
                    gettext("Approved"),
                    release.created_at,
                    str(MPP),
                    gettext("Approved automatically: outside production no review is needed."),
                )
            ]
        if state == State.CANCELLED:
            event = _event(events, "release.cancelled")
            return [
                ReleaseStep(
                    gettext("Cancelled in %(where)s") % {"where": here},
                    "skipped",
                    "neutral",
                    gettext("Cancelled"),
                    event.created_at if event else release.updated_at,
                    _event_actor(event),
                )
            ]
        return []
    decider = person(approval.decided_by) if approval.decided_by else ""
    if state == State.UNDER_REVIEW:
        tenant = release.target.host_app.workspace.name
        return [
            ReleaseStep(
                gettext("Review for %(where)s") % {"where": here},
                "queued",
                "blue",
                gettext("In review"),
                release.created_at,
                "",
                gettext("Waiting for the review of %(tenant)s (its Owner, Admins and Reviewers).")
                % {"tenant": tenant},
                is_current=True,
            )
        ]
    if state == State.REJECTED:
        return [
            ReleaseStep(
                gettext("Rejected for %(where)s") % {"where": here},
                "failed",
                "red",
                gettext("Rejected"),
                approval.decided_at,
                decider,
                approval.reason,
            )
        ]
    if state in (State.WITHDRAWN, State.CANCELLED):
        verb = "release.withdrawn" if state == State.WITHDRAWN else "release.cancelled"
        event = _event(events, verb)
        tone, label = state_badge(release)
        title = (
            gettext("Withdrawn from review for %(where)s")
            if state == State.WITHDRAWN
            else gettext("Review cancelled for %(where)s")
        )
        return [
            ReleaseStep(
                title % {"where": here},
                "skipped",
                tone,
                label,
                approval.decided_at or (event.created_at if event else None),
                _event_actor(event),
                approval.reason,
            )
        ]
    return [
        ReleaseStep(
            gettext("Approved for %(where)s") % {"where": here},
            "done",
            "green",
            gettext("Approved"),
            approval.decided_at,
            decider,
            approval.reason,
        )
    ]


def release_steps(found: VersionReleases) -> list[ReleaseStep]:
    """submitted → approved / rejected / withdrawn → released → archived, per target, oldest
    submission first; a rollback to this version is one step of its own."""
    steps: list[ReleaseStep] = []
    for release in found.releases:
        here = where(release.target)
        events = found.events.get(release.pk, [])
        successor = found.replaced_by.get(release.pk)
        if release.kind == Release.Kind.ROLLBACK:
            previous = release.replaces.version.number if release.replaces else ""
            steps.append(
                ReleaseStep(
                    gettext("Back online in %(where)s by a rollback") % {"where": here},
                    "done",
                    "amber",
                    gettext("Rollback"),
                    release.published_at,
                    person(release.published_by, gettext("a deleted account")),
                    gettext("Rolled back from version %(number)s.") % {"number": previous}
                    + (f" {release.notes}" if release.notes else ""),
                )
            )
        else:
            steps.append(
                ReleaseStep(
                    gettext("Submitted for %(where)s") % {"where": here},
                    "done",
                    "green",
                    gettext("Done"),
                    release.created_at,
                    person(release.submitted_by, gettext("a deleted account")),
                    release.notes,
                )
            )
            steps += _decision_steps(release, events, here)
            if release.state == State.APPROVED:
                steps.append(
                    ReleaseStep(
                        gettext("Publish in %(where)s") % {"where": here},
                        "pending",
                        "neutral",
                        gettext("Ready to publish"),
                        detail=gettext("An Owner or Admin publishes it from the Releases tab."),
                    )
                )
            elif release.published_at is not None:
                replaced = (
                    gettext("It replaced version %(number)s.")
                    % {"number": release.replaces.version.number}
                    if release.replaces
                    else gettext("The first version online there.")
                )
                steps.append(
                    ReleaseStep(
                        gettext("Released in %(where)s") % {"where": here},
                        "done",
                        "green",
                        gettext("Online") if release.state == State.RELEASED else gettext("Done"),
                        release.published_at,
                        person(release.published_by, gettext("a deleted account")),
                        replaced,
                    )
                )
        if release.state == State.ARCHIVED:
            event = _event(events, "release.archived")
            detail = ""
            if successor is not None:
                if successor.kind == Release.Kind.ROLLBACK:
                    detail = gettext("Rolled back to version %(number)s.") % {
                        "number": successor.version.number
                    }
                else:
                    detail = gettext("Replaced by version %(number)s.") % {
                        "number": successor.version.number
                    }
            steps.append(
                ReleaseStep(
                    gettext("Archived in %(where)s") % {"where": here},
                    "done",
                    "neutral",
                    gettext("Archived"),
                    release.archived_at,
                    _event_actor(event),
                    detail,
                )
            )
    return steps


@dataclass(frozen=True)
class VersionPlaces:
    """Where a version is now (the end of its page's timeline)."""

    online: list[str]
    in_review: list[str]
    approved: list[str]
    was_submitted: bool = False  # before: withdrawn, rejected, archived somewhere

    @property
    def is_anywhere(self) -> bool:
        return bool(self.online or self.in_review or self.approved)


def version_places(found: VersionReleases) -> VersionPlaces:
    def at(*states: str) -> list[str]:
        return [where(r.target) for r in found.releases if r.state in states]

    return VersionPlaces(
        online=at(State.RELEASED),
        in_review=at(State.UNDER_REVIEW),
        approved=at(State.APPROVED),
        was_submitted=bool(found.releases),
    )


# --- after a submission -------------------------------------------------------------------------


def submitted_message(number: str, releases: list[Release]) -> tuple[int, str]:
    """The flash after a submission: where it went, and whether it is approved (outside
    production) or waiting for the tenant's review."""
    approved = [r for r in releases if r.state == State.APPROVED]
    waiting = [r for r in releases if r.state == State.UNDER_REVIEW]
    parts = []
    if approved:
        parts.append(
            gettext(
                "Version %(number)s is approved for %(where)s (approved automatically outside "
                "production): an Owner or Admin can publish it now."
            )
            % {
                "number": number,
                "where": get_text_list([where(r.target) for r in approved], gettext("and")),
            }
        )
    if waiting:
        tenants = sorted({r.target.host_app.workspace.name for r in waiting})
        parts.append(
            gettext(
                "Version %(number)s was submitted for %(where)s: it is waiting for the review of "
                "%(tenants)s."
            )
            % {
                "number": number,
                "where": get_text_list([where(r.target) for r in waiting], gettext("and")),
                "tenants": get_text_list(tenants, gettext("and")),
            }
        )
    return messages.SUCCESS, " ".join(parts)


def environment_help() -> dict[str, str]:
    """What choosing each environment means, for the submit form's radios."""
    automatic = gettext("Approved at once; an Owner or Admin then publishes it.")
    return {
        Env.DEVELOPMENT: automatic,
        Env.TEST: automatic,
        Env.SANDBOX: automatic
        + " "
        + gettext("(A host app may ask for a review of sandbox releases too.)"),
        Env.PRODUCTION: gettext(
            "Reviewed first by the tenant that owns each host app (its Owner, Admins and "
            "Reviewers); once approved, an Owner or Admin publishes it."
        ),
    }
