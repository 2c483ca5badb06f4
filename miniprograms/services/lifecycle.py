"""On/off shelf, taking a mini program offline from one host app, and deleting it.

* Off shelf: no host app gets the mini program and nothing can be published; versions can
  still be submitted for review (the release services ask :func:`miniprogram_can_publish`).
* Offline from one host app: that host app stops getting it; data is kept and it can be
  released there again (``miniprogram_set_host_apps``).
* Delete: irreversible, confirmed by typing the name; rows go in one transaction and the files
  are removed from storage by a task after commit.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from console.outbox import outbox_enqueue
from miniprograms.extensions import taking_offline
from miniprograms.models import MiniProgram, MiniProgramHostApp
from miniprograms.profile import draft_profile
from miniprograms.services.host_apps import target_transition
from miniprograms.transitions import SHELF_ALLOWED
from workspaces import authz
from workspaces.authz import Cap
from workspaces.models import Membership
from workspaces.services.audit import audit_record
from workspaces.transitions import transition_needed

REASON_MAX = 200


def _clean_reason(reason: str, *, required: bool, what: str) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise ValidationError({"reason": f"Give a reason for {what}: members see it."})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": f"The reason is {len(reason)} characters; keep it to {REASON_MAX}."}
        )
    return reason


@transaction.atomic
def miniprogram_shelf_transition(
    *, actor: Membership | None, miniprogram_id: int, to: str, reason: str = ""
) -> tuple[MiniProgram, bool]:
    """The one door for ``shelf_status`` (STYLE.md P2): returns (mini program, changed)."""
    mp = MiniProgram.objects.select_for_update().get(pk=miniprogram_id)
    if not transition_needed(SHELF_ALLOWED, mp.shelf_status, to):
        return mp, False  # a double submit
    previous = mp.shelf_status
    mp.shelf_status, mp.shelf_reason, mp.shelf_changed_at = to, reason, timezone.now()
    mp.save(update_fields=["shelf_status", "shelf_reason", "shelf_changed_at", "updated_at"])
    audit_record(
        actor=actor.user if actor else None,
        verb="miniprogram.off_shelf" if to == MiniProgram.Shelf.OFF else "miniprogram.on_shelf",
        workspace=mp.workspace,
        target=mp,
        before={"shelf_status": previous},
        after={"shelf_status": to, "reason": reason},
    )
    return mp, True


def miniprogram_set_shelf(
    *, actor: Membership, miniprogram: MiniProgram, on_shelf: bool, reason: str = ""
) -> MiniProgram:
    """Put the mini program on or off shelf. Needs MANAGE; taking it off needs a reason."""
    authz.require(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    to = MiniProgram.Shelf.ON if on_shelf else MiniProgram.Shelf.OFF
    reason = _clean_reason(reason, required=not on_shelf, what="taking it off shelf")
    mp, _changed = miniprogram_shelf_transition(
        actor=actor, miniprogram_id=miniprogram.pk, to=to, reason=reason
    )
    return mp


def miniprogram_can_publish(miniprogram: MiniProgram) -> tuple[bool, str]:
    """Whether a new release may be published (the release issue's publish service asks)."""
    if not miniprogram.is_on_shelf:
        return False, "The mini program is off shelf: put it on shelf before publishing."
    return True, ""


@transaction.atomic
def miniprogram_take_offline(
    *, actor: Membership, miniprogram: MiniProgram, host_app_id: int, reason: str = ""
) -> MiniProgramHostApp:
    """Stop one host app from getting the mini program; data is kept. Needs MANAGE.

    Releasing it there again is adding the host app back (``miniprogram_set_host_apps``).
    What the apps above have in flight there is cancelled first, in this transaction (the
    ``register_take_offline`` hooks: releases cancels open reviews and approved releases).
    """
    authz.require(actor, Cap.MANAGE_MINIPROGRAM, miniprogram)
    reason = _clean_reason(reason, required=False, what="taking it offline")
    target = (
        MiniProgramHostApp.objects.select_for_update(of=("self",))
        .select_related("host_app", "miniprogram")
        .filter(miniprogram=miniprogram, host_app_id=host_app_id)
        .first()
    )
    if target is None:
        raise ValidationError("The mini program is not released to this host app.")
    if not target.is_active:
        raise ValidationError(f"The mini program is already offline in {target.host_app.name}.")
    taking_offline(actor=actor, target=target, reason=reason)  # cancels reviews in flight there
    target_transition(
        actor=actor, target=target, to=MiniProgramHostApp.Status.OFFLINE, reason=reason
    )
    return target


def miniprogram_storage_keys(miniprogram: MiniProgram) -> list[str]:
    """Every storage key that belongs to the mini program (logos now; packages later)."""
    keys = {miniprogram.logo.name if miniprogram.logo else ""}
    keys.add((miniprogram.released_profile or {}).get("logo") or "")
    return sorted(k for k in keys if k)


@transaction.atomic
def miniprogram_delete(*, actor: Membership, miniprogram: MiniProgram, confirm_name: str) -> str:
    """Delete the mini program for good. Needs DELETE; ``confirm_name`` must be its name.

    Rows (languages, host apps, testers, grants) go now; the files are removed by the
    ``miniprograms.delete_files`` task after commit, through the outbox (retried until done).
    The App ID stays allocated, so it is never issued again. Returns the App ID.
    """
    authz.require(actor, Cap.DELETE_MINIPROGRAM, miniprogram)
    mp = (
        MiniProgram.objects.select_for_update(of=("self",))
        .select_related("industry__parent")
        .get(pk=miniprogram.pk)
    )
    if (confirm_name or "").strip() != mp.name:
        raise ValidationError(
            {"confirm_name": f"Type the name “{mp.name}” exactly to confirm the deletion."}
        )
    keys = miniprogram_storage_keys(mp)
    before = {
        **draft_profile(mp),
        "app_id": mp.app_id,
        "kind": mp.kind,
        "shelf_status": mp.shelf_status,
        "host_apps": sorted(t.host_app.name for t in mp.targets.select_related("host_app")),
        "testers": mp.testers.count(),
    }
    app_id = mp.app_id
    audit_record(
        actor=actor.user,
        verb="miniprogram.delete",
        workspace=actor.workspace,
        target=mp,
        before=before,
    )
    mp.delete()
    if keys:
        outbox_enqueue(task="miniprograms.delete_files", kwargs={"keys": keys})
    return app_id


def miniprogram_released_at_set(*, miniprogram_id: int, released_at: datetime | None) -> None:
    """Store the mini program's derived "last released" time (``released_at``).

    The releases app derives it from its production releases (one service there computes it)
    and calls this after every publish or rollback; nothing else writes it by hand.
    """
    MiniProgram.objects.filter(pk=miniprogram_id).update(
        released_at=released_at, updated_at=timezone.now()
    )
