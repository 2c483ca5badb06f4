"""The one door for a release's state, and what every module of the room shares.

A release's state changes only through :func:`release_transition` (the table is
``releases/transitions.py``); the door also announces the change (``events.release_changed``:
webhooks, and the emails of a decision or a publish), so no path can move a release silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction

from miniprograms.models import MiniProgram
from miniprograms.services.lifecycle import miniprogram_can_publish
from releases.models import Release, ReleaseTarget
from releases.release import events
from releases.transitions import RELEASE_ALLOWED
from workspaces import authz
from workspaces.authz import Cap, CapabilityDenied
from workspaces.models import Membership, User
from workspaces.services.audit import audit_record
from workspaces.transitions import transition_needed

# The approval kind of a release review (codes are letters, digits and '_').
REVIEW_KIND = "release_review"
NOTES_MAX = 1000
TWO_ROLLBACKS = "Two rollbacks in a row are not allowed: a new release must happen first."

State = Release.State
Env = ReleaseTarget.Environment

# Who acts when the approvals core moves a release's request (withdraw, cancel on take offline):
# the kind's ``on_decided`` hook receives only the request, so the acting member rides along.
_ACTING: ContextVar[User | None] = ContextVar("release_acting_user", default=None)


@contextmanager
def acting(user: User | None) -> Iterator[None]:
    """Make ``user`` the actor of the release changes the approvals core triggers inside."""
    token = _ACTING.set(user)
    try:
        yield
    finally:
        _ACTING.reset(token)


def acting_user() -> User | None:
    return _ACTING.get()


def where(target: ReleaseTarget) -> str:
    return f"{target.host_app.name} ({target.get_environment_display()})"


def snapshot(release: Release) -> dict[str, object]:
    return {
        "state": release.state,
        "kind": release.kind,
        "version": release.version.number,
        "host_app": release.target.host_app.name,
        "environment": release.target.environment,
    }


def require_on(actor: Membership, cap: Cap, miniprogram: MiniProgram) -> None:
    """``cap`` on the mini program, as a member of the mini program's own workspace."""
    if actor.workspace_id != miniprogram.workspace_id:
        raise CapabilityDenied(cap=cap, member=actor)
    authz.require(actor, cap, miniprogram)


def require_can_publish(miniprogram: MiniProgram) -> None:
    """Off shelf, nothing new goes online: no publish, rollback or grayscale task (the
    sentence is ``miniprogram_can_publish``'s)."""
    allowed, reason = miniprogram_can_publish(miniprogram)
    if not allowed:
        raise ValidationError(reason, code="off_shelf")


def locked_target(target_id: int) -> ReleaseTarget:
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
    mini program's workspace as ``release.<state>`` with ``note``, then announced
    (:func:`events.release_changed`: webhooks and emails, queued in this transaction). Callers
    apply the rules first.
    """
    release = (
        Release.objects.select_for_update(of=("self",))
        .select_related(
            "version", "target__miniprogram__workspace", "target__host_app", "submitted_by"
        )
        .get(pk=release_id)
    )
    if not transition_needed(RELEASE_ALLOWED, release.state, to):
        return release, False
    before = snapshot(release)
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
        after={**snapshot(release), "note": note[:500]},
    )
    events.release_changed(release=release, actor=actor, note=note)
    return release, True
