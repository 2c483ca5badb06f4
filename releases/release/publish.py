"""Publish an approved release, roll a target back, and what the mini program derives from its
releases (``released_at``)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from console.text import clean_display_text
from miniprograms.services.lifecycle import miniprogram_released_at_set
from miniprograms.services.profile import miniprogram_profile_release
from releases.models import Release, ReleaseTarget
from releases.release.events import release_event
from releases.release.selectors import release_online_get
from releases.release.state import (
    NOTES_MAX,
    TWO_ROLLBACKS,
    Env,
    State,
    locked_target,
    release_transition,
    require_can_publish,
    require_on,
    snapshot,
    where,
)
from workspaces.authz import Cap
from workspaces.models import Membership
from workspaces.services.audit import audit_record


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


@transaction.atomic
def release_publish(*, actor: Membership, release_id: int) -> Release:
    """Put an approved release online on its target; the previous online release is archived.
    Needs MANAGE on the mini program (an Owner/Admin of its workspace).

    Refused: a mini program off shelf (``miniprogram_can_publish``'s sentence), a release that
    is not approved. Publishing a release that is already online is a no-op (a double click).
    In production the staged profile is copied to what host apps show. The mini program's team
    is emailed and ``release.published`` emitted (by the state door).
    """
    found = Release.objects.select_related("target__miniprogram").get(pk=release_id)
    miniprogram = found.target.miniprogram
    require_on(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    target = locked_target(found.target_id)
    require_can_publish(target.miniprogram)
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
    previous = release_online_get(target=target)
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
    # A full release ends every grayscale task of this version or a lower one there (audited).
    from releases.grayscale.services import grayscale_end_published  # the room above this one

    grayscale_end_published(actor=actor.user, target=target, version=release.version)
    if target.is_production:
        miniprogram_profile_release(miniprogram_id=miniprogram.pk, actor=actor)
        release_state_refresh(miniprogram_id=miniprogram.pk)
    return release


@transaction.atomic
def release_rollback(*, actor: Membership, target_id: int, note: str = "") -> Release:
    """Put the previously online version of a target back online, as a new ``rollback``
    release; the current one is archived. Needs MANAGE on the mini program. The mini program's
    team is emailed and ``release.rolled_back`` emitted.

    Refused: nothing online, an online release that replaced nothing (the first release), an
    online release that is itself a rollback (:data:`TWO_ROLLBACKS`), the mini program off
    shelf.
    """
    found = ReleaseTarget.objects.select_related("miniprogram").get(pk=target_id)
    require_on(actor, Cap.MANAGE_MINIPROGRAM, found.miniprogram)
    target = locked_target(target_id)
    require_can_publish(target.miniprogram)
    note = clean_display_text(note or "", label="The note", field="note", multiline=True)
    if len(note) > NOTES_MAX:
        raise ValidationError({"note": f"Keep the note to {NOTES_MAX} characters."})
    current = release_online_get(target=target)
    if current is None:
        raise ValidationError(
            f"Nothing is online on {where(target)}: there is nothing to roll back."
        )
    if current.kind == Release.Kind.ROLLBACK:
        raise ValidationError(TWO_ROLLBACKS, code="two_rollbacks")
    if current.replaces is None:
        raise ValidationError(
            f"Version {current.version.number} is the first release on {where(target)}: there "
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
        after={**snapshot(rollback), "note": note},
    )
    release_event(release=rollback, verb="rolled_back", actor=actor.user, note=note)
    if target.is_production:
        release_state_refresh(miniprogram_id=target.miniprogram_id)
    return rollback
