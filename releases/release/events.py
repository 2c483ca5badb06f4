"""What a release change tells the world: webhooks and notification emails (SPEC §11).

:func:`release_event` is called for every change of a release — by the submit and rollback
services for the rows they create, and by the state door (``state.release_transition``, through
:func:`release_changed`) for every other move. Inside the caller's transaction it

* emits ``release.<verb>`` to the mini program's workspace (``webhook_emit``), and, for a
  reviewed release, ``approval.requested`` to the deciding tenant when the review opens and
  ``approval.decided`` to the requesting workspace when it is approved or rejected;
* queues the emails (``notify``): the deciders when a review opens, the submitter on a
  decision, the mini program's team on publish and rollback.

Both go through the outbox, so a rolled-back transaction sends nothing and nothing is sent
before the commit; a dead webhook endpoint or mail server never blocks a release.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from releases.models import Release
from releases.release import notify
from workspaces.models import ApprovalRequest, User
from workspaces.services import approval_notices
from workspaces.services.webhooks import webhook_emit

State = Release.State

# The verbs of ``release.<verb>`` events, in lifecycle order.
VERBS = ("submitted", "approved", "rejected", "withdrawn", "cancelled", "published", "rolled_back")
# The verb a move through the state door announces (archiving a replaced release is part of
# the next release's "published" or "rolled_back", not an event of its own).
STATE_VERBS: dict[str, str] = {
    State.APPROVED: "approved",
    State.REJECTED: "rejected",
    State.WITHDRAWN: "withdrawn",
    State.CANCELLED: "cancelled",
    State.RELEASED: "published",
}
_DECIDED = ("approved", "rejected")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def release_data(release: Release, *, actor: User | None, note: str = "") -> dict[str, Any]:
    """The JSON body of a ``release.*`` event (plain values only)."""
    target = release.target
    miniprogram = target.miniprogram
    replaces = release.replaces
    return {
        "release_id": release.pk,
        "state": str(release.state),
        "kind": str(release.kind),
        "app_id": miniprogram.app_id,
        "miniprogram": miniprogram.name,
        "version": release.version.number,
        "replaces_version": replaces.version.number if replaces is not None else None,
        "host_app_id": target.host_app_id,
        "host_app": target.host_app.name,
        "environment": str(target.environment),
        "reviewed": release.approval_id is not None,
        "approval_id": release.approval_id,
        "notes": release.notes,
        "reason": note,
        "actor": actor.email if actor is not None else None,
        "submitted_by": release.submitted_by.email if release.submitted_by else None,
        "submitted_at": _iso(release.created_at),
        "published_at": _iso(release.published_at),
        "occurred_at": _iso(timezone.now()),
    }


def approval_data(request: ApprovalRequest, *, release: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of an ``approval.*`` event about a release review."""
    return approval_notices.approval_data(request, subject_key="release", subject=release)


def _approval(release: Release) -> ApprovalRequest | None:
    if release.approval_id is None:
        return None
    return ApprovalRequest.objects.select_related(
        "requesting_workspace", "deciding_workspace", "requested_by", "decided_by"
    ).get(pk=release.approval_id)


def release_event(*, release: Release, verb: str, actor: User | None, note: str = "") -> None:
    """Announce that ``release`` was ``verb`` (one of :data:`VERBS`) by ``actor`` (``None``:
    the system), with ``note`` (a decision's reason, a cancellation's or rollback's note).
    Call inside the transaction that made the change, after saving it."""
    if verb not in VERBS:
        raise ValueError(f"Unknown release event {verb!r}.")
    miniprogram = release.target.miniprogram
    data = release_data(release, actor=actor, note=note)
    webhook_emit(workspace=miniprogram.workspace, event=f"release.{verb}", data=data)
    request = _approval(release)
    if verb == "submitted" and request is not None and request.is_open:
        webhook_emit(
            workspace=request.deciding_workspace,
            event="approval.requested",
            data=approval_data(request, release=data),
        )
        notify.review_requested(release=release, request=request)
    elif verb in _DECIDED and request is not None:
        webhook_emit(
            workspace=request.requesting_workspace,
            event="approval.decided",
            data=approval_data(request, release=data),
        )
        notify.review_decided(release=release, request=request)
    elif verb == "published":
        notify.release_online(release=release, actor=actor)
    elif verb == "rolled_back":
        notify.release_rolled_back(release=release, actor=actor)


def release_changed(*, release: Release, actor: User | None, note: str = "") -> None:
    """Announce a move through the state door (called by ``release_transition``)."""
    verb = STATE_VERBS.get(release.state)
    if verb is not None:
        release_event(release=release, verb=verb, actor=actor, note=note)
