"""Submit a ready version to host apps, apply the review's decision, publish, roll back.

A release's state changes only through :func:`release_transition` (the table is
``releases/transitions.py``). Production releases are reviewed by the tenant that owns the host
app through the generic approvals core (kind :data:`REVIEW_KIND`, registered from
``releases/apps.py``); other environments are approved automatically. Every operation on a
target locks its :class:`ReleaseTarget` row first, so two publishes, a publish and a rollback,
or two submissions on one target are ordered (and the partial unique constraints back it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from console.text import clean_display_text
from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.services.lifecycle import miniprogram_can_publish, miniprogram_released_at_set
from miniprograms.services.profile import miniprogram_profile_release
from releases.models import Release, ReleaseTarget, Version
from releases.transitions import RELEASE_ALLOWED
from workspaces import authz
from workspaces.authz import Cap, CapabilityDenied
from workspaces.models import ApprovalRequest, Membership, User
from workspaces.services.approvals import approval_request_open, approval_withdraw
from workspaces.services.audit import audit_record
from workspaces.transitions import transition_needed

# The approval kind of a production release review (codes are letters, digits and '_').
REVIEW_KIND = "release_review"
NOTES_MAX = 1000
TWO_ROLLBACKS = "Two rollbacks in a row are not allowed: a new release must happen first."

State = Release.State
Env = ReleaseTarget.Environment

# Who acts when the approvals core moves a release's request (withdraw from this module): the
# kind's ``on_decided`` hook receives only the request, so the withdrawing member rides along.
_ACTING: ContextVar[User | None] = ContextVar("release_acting_user", default=None)


@contextmanager
def _acting(user: User) -> Iterator[None]:
    token = _ACTING.set(user)
    try:
        yield
    finally:
        _ACTING.reset(token)


def _where(target: ReleaseTarget) -> str:
    return f"{target.host_app.name} ({target.get_environment_display()})"


def _snapshot(release: Release) -> dict[str, object]:
    return {
        "state": release.state,
        "kind": release.kind,
        "version": release.version.number,
        "host_app": release.target.host_app.name,
        "environment": release.target.environment,
    }


def _require_on(actor: Membership, cap: Cap, miniprogram: MiniProgram) -> None:
    """``cap`` on the mini program, as a member of the mini program's own workspace."""
    if actor.workspace_id != miniprogram.workspace_id:
        raise CapabilityDenied(cap=cap, member=actor)
    authz.require(actor, cap, miniprogram)


def _locked_target(target_id: int) -> ReleaseTarget:
    return (
        ReleaseTarget.objects.select_for_update(of=("self",))
        .select_related("miniprogram__workspace", "host_app")
        .get(pk=target_id)
    )


@transaction.atomic
def release_transition(
    *, actor: User | None, release_id: int, to: str, note: str = "", **fields: object
) -> tuple[Release, bool]:
    """The one door for ``Release.state``: returns (release, changed).

    Locks the row; a same-state request is a no-op (a double click, a redelivered decision);
    anything the table does not allow raises :class:`InvalidTransition`. ``fields`` are saved
    with it (``published_by``, ``published_at``, ``replaces``, ``archived_at``). Audited in the
    mini program's workspace as ``release.<state>`` with ``note``. Callers apply the rules first.
    """
    release = (
        Release.objects.select_for_update(of=("self",))
        .select_related("version", "target__miniprogram__workspace", "target__host_app")
        .get(pk=release_id)
    )
    if not transition_needed(RELEASE_ALLOWED, release.state, to):
        return release, False
    before = _snapshot(release)
    release.state = to
    for name, value in fields.items():
        setattr(release, name, value)
    release.save(update_fields=["state", "updated_at", *fields])
    audit_record(
        actor=actor,
        verb=f"release.{to}",
        workspace=release.target.miniprogram.workspace,
        target=release,
        before=before,
        after={**_snapshot(release), "note": note[:500]},
    )
    return release, True


# --- submit -----------------------------------------------------------------------------------


def _active_host_targets(
    *, miniprogram: MiniProgram, host_app_ids: Iterable[int]
) -> list[MiniProgramHostApp]:
    wanted = sorted({int(pk) for pk in host_app_ids})
    if not wanted:
        raise ValidationError({"host_app_ids": "Choose at least one host app to release to."})
    rows = {
        row.host_app_id: row
        for row in MiniProgramHostApp.objects.filter(
            miniprogram=miniprogram, host_app_id__in=wanted
        ).select_related("host_app__workspace")
    }
    for pk in wanted:
        row = rows.get(pk)
        if row is None:
            raise ValidationError(
                {
                    "host_app_ids": "One of the chosen host apps is not a host app this mini "
                    "program is released to: add it under “Release to” first."
                }
            )
        if not row.is_active:
            raise ValidationError(
                {
                    "host_app_ids": f"The mini program was taken offline from "
                    f"{row.host_app.name}: release it there again under “Release to” first."
                }
            )
    return [rows[pk] for pk in wanted]


@transaction.atomic
def release_submit(
    *,
    actor: Membership,
    version: Version,
    host_app_ids: Iterable[int],
    environment: str,
    notes: str = "",
) -> list[Release]:
    """Submit a ready version for release to some of the mini program's host apps in one
    environment; returns the new releases, by host app. Needs DEVELOP on the mini program.

    Outside production each release is approved at once (audited as such); in production it
    waits for the review of the tenant that owns the host app (an approval request is opened
    and linked). Refused (nothing created anywhere): a version that is not ready, a host app the
    mini program is not released to (or was taken offline from), a target that already has a
    release in progress. Off shelf is allowed: publishing is what is refused.
    """
    miniprogram = version.miniprogram
    _require_on(actor, Cap.DEVELOP_MINIPROGRAM, miniprogram)
    if version.status != Version.Status.READY:
        raise ValidationError(
            f"Version {version.number} is not ready: only a version that passed the scan and "
            "the build can be submitted for release."
        )
    if environment not in Env.values:
        raise ValidationError({"environment": "Choose development, test, sandbox or production."})
    notes = clean_display_text(notes or "", label="The notes", field="notes", multiline=True)
    if len(notes) > NOTES_MAX:
        raise ValidationError(
            {"notes": f"The notes are {len(notes)} characters; keep them to {NOTES_MAX}."}
        )
    production = environment == Env.PRODUCTION
    releases: list[Release] = []
    for row in _active_host_targets(miniprogram=miniprogram, host_app_ids=host_app_ids):
        target, _ = ReleaseTarget.objects.get_or_create(
            miniprogram=miniprogram, host_app=row.host_app, environment=environment
        )
        target = _locked_target(target.pk)
        busy = ValidationError(
            f"{_where(target)} already has a release in progress: withdraw it or publish it "
            "before submitting another version there.",
            code="open",
        )
        if Release.objects.filter(target=target, state__in=Release.OPEN_STATES).exists():
            raise busy
        release = Release(
            target=target,
            version=version,
            state=State.UNDER_REVIEW if production else State.APPROVED,
            notes=notes,
            submitted_by=actor.user,
        )
        try:
            with transaction.atomic():
                release.save()
        except IntegrityError as exc:
            raise busy from exc
        audit_record(
            actor=actor.user,
            verb="release.submit",
            workspace=miniprogram.workspace,
            target=release,
            after={**_snapshot(release), "notes": notes},
        )
        if production:
            request = approval_request_open(
                actor=actor,
                kind=REVIEW_KIND,
                deciding_workspace=target.host_app.workspace,
                subject_key=f"release:{release.pk}",
                summary=f"Version {version.number} of {miniprogram.name} to "
                f"{target.host_app.name} (production)",
                notes=notes,
                payload={
                    "release_id": release.pk,
                    # Facets the approvals hub filters by (the core knows no releases).
                    "environment": environment,
                    "host_app_id": target.host_app_id,
                    "host_app": target.host_app.name,
                    "app_id": miniprogram.app_id,
                    "version": version.number,
                },
            )
            release.approval = request
            release.save(update_fields=["approval", "updated_at"])
        else:
            audit_record(
                actor=None,
                verb="release.auto_approve",
                workspace=miniprogram.workspace,
                target=release,
                after=_snapshot(release),
            )
        releases.append(release)
    return releases


# --- the review's decision (the approval kind's hook) ----------------------------------------

_DECISION_STATES: dict[str, str] = {
    ApprovalRequest.State.APPROVED: State.APPROVED,
    ApprovalRequest.State.REJECTED: State.REJECTED,
    ApprovalRequest.State.WITHDRAWN: State.WITHDRAWN,
    ApprovalRequest.State.CANCELLED: State.CANCELLED,
}


def release_review_decided(*, request: ApprovalRequest, state: str) -> None:
    """Apply a release review's decision to its release (``on_decided`` of :data:`REVIEW_KIND`,
    inside the deciding transaction: an error here undoes the decision)."""
    release_id = request.payload.get("release_id")
    if release_id is None:
        raise ValidationError("This request names no release.")
    actor = request.decided_by if state in ("approved", "rejected") else _ACTING.get()
    release_transition(
        actor=actor, release_id=int(release_id), to=_DECISION_STATES[state], note=request.reason
    )


def release_withdraw(*, actor: Membership, release_id: int) -> Release:
    """Withdraw a release under review (its approval request): the submitter, or an admin of
    the requesting workspace (the approvals core applies who may). A repeat is a no-op."""
    release = Release.objects.select_related("target__miniprogram").get(pk=release_id)
    if release.approval_id is None or release.state not in (State.UNDER_REVIEW, State.WITHDRAWN):
        raise ValidationError("Only a release waiting for review can be withdrawn.")
    with _acting(actor.user):
        approval_withdraw(actor=actor, request_id=release.approval_id)
    release.refresh_from_db()
    return release


# --- publish and roll back --------------------------------------------------------------------


def _last_released_at(miniprogram_id: int) -> datetime | None:
    """When a version last went online in production (the mini program's "last released")."""
    found: datetime | None = Release.objects.filter(
        target__miniprogram_id=miniprogram_id,
        target__environment=Env.PRODUCTION,
        state__in=(State.RELEASED, State.ARCHIVED),
    ).aggregate(at=Max("published_at"))["at"]
    return found


def release_state_refresh(*, miniprogram_id: int) -> None:
    """Recompute what the mini program derives from its releases (``released_at``)."""
    miniprogram_released_at_set(
        miniprogram_id=miniprogram_id, released_at=_last_released_at(miniprogram_id)
    )


def _online(target: ReleaseTarget) -> Release | None:
    return (
        Release.objects.select_related("version", "replaces__version")
        .filter(target=target, state=State.RELEASED)
        .first()
    )


def _require_can_publish(miniprogram: MiniProgram) -> None:
    allowed, reason = miniprogram_can_publish(miniprogram)
    if not allowed:
        raise ValidationError(reason, code="off_shelf")


@transaction.atomic
def release_publish(*, actor: Membership, release_id: int) -> Release:
    """Put an approved release online on its target; the previous online release is archived.
    Needs MANAGE on the mini program (an Owner/Admin of its workspace).

    Refused: a mini program off shelf (``miniprogram_can_publish``'s sentence), a release that
    is not approved. Publishing a release that is already online is a no-op (a double click).
    In production the staged profile is copied to what host apps show.
    """
    found = Release.objects.select_related("target__miniprogram").get(pk=release_id)
    miniprogram = found.target.miniprogram
    _require_on(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    target = _locked_target(found.target_id)
    _require_can_publish(target.miniprogram)
    release = Release.objects.select_for_update(of=("self",)).get(pk=release_id)
    if release.state == State.RELEASED:
        return release
    # Grayscale (next issue) will publish from its own states here as well.
    if release.state != State.APPROVED:
        raise ValidationError(
            f"Only an approved release can be published; this one is "
            f"{release.get_state_display().lower()}.",
            code="state",
        )
    now = timezone.now()
    previous = _online(target)
    if previous is not None:
        release_transition(
            actor=actor.user, release_id=previous.pk, to=State.ARCHIVED, archived_at=now
        )
    release, _ = release_transition(
        actor=actor.user,
        release_id=release.pk,
        to=State.RELEASED,
        published_by=actor.user,
        published_at=now,
        replaces=previous,
    )
    if target.is_production:
        miniprogram_profile_release(miniprogram_id=miniprogram.pk, actor=actor)
        release_state_refresh(miniprogram_id=miniprogram.pk)
    return release


@transaction.atomic
def release_rollback(*, actor: Membership, target_id: int, note: str = "") -> Release:
    """Put the previously online version of a target back online, as a new ``rollback``
    release; the current one is archived. Needs MANAGE on the mini program.

    Refused: nothing online, an online release that replaced nothing (the first release), an
    online release that is itself a rollback (:data:`TWO_ROLLBACKS`), the mini program off
    shelf.
    """
    found = ReleaseTarget.objects.select_related("miniprogram").get(pk=target_id)
    _require_on(actor, Cap.MANAGE_MINIPROGRAM, found.miniprogram)
    target = _locked_target(target_id)
    _require_can_publish(target.miniprogram)
    note = clean_display_text(note or "", label="The note", field="note", multiline=True)
    if len(note) > NOTES_MAX:
        raise ValidationError({"note": f"Keep the note to {NOTES_MAX} characters."})
    current = _online(target)
    if current is None:
        raise ValidationError(
            f"Nothing is online on {_where(target)}: there is nothing to roll back."
        )
    if current.kind == Release.Kind.ROLLBACK:
        raise ValidationError(TWO_ROLLBACKS, code="two_rollbacks")
    if current.replaces is None:
        raise ValidationError(
            f"Version {current.version.number} is the first release on {_where(target)}: there "
            "is no earlier version to go back to."
        )
    now = timezone.now()
    release_transition(
        actor=actor.user, release_id=current.pk, to=State.ARCHIVED, note=note, archived_at=now
    )
    rollback = Release.objects.create(
        target=target,
        version=current.replaces.version,
        state=State.RELEASED,
        kind=Release.Kind.ROLLBACK,
        replaces=current,
        notes=note,
        submitted_by=actor.user,
        published_by=actor.user,
        published_at=now,
    )
    audit_record(
        actor=actor.user,
        verb="release.rollback",
        workspace=target.miniprogram.workspace,
        target=rollback,
        before={"version": current.version.number},
        after={**_snapshot(rollback), "note": note},
    )
    if target.is_production:
        release_state_refresh(miniprogram_id=target.miniprogram_id)
    return rollback
