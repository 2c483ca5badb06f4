"""The tenant's review of a release, from the release's side: apply a decision of the approvals
core (``on_decided`` of ``REVIEW_KIND``), withdraw, and cancel what is in flight on a host app
the mini program is taken offline from."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from miniprograms.models import MiniProgramHostApp
from releases.models import Release, ReleaseTarget
from releases.release.state import State, acting, acting_user, release_transition
from workspaces.models import ApprovalRequest, Membership, User
from workspaces.services.approvals import approval_cancel, approval_withdraw

_DECISION_STATES: dict[str, str] = {
    ApprovalRequest.State.APPROVED: State.APPROVED,
    ApprovalRequest.State.REJECTED: State.REJECTED,
    ApprovalRequest.State.WITHDRAWN: State.WITHDRAWN,
    ApprovalRequest.State.CANCELLED: State.CANCELLED,
}


def release_review_decided(
    *, request: ApprovalRequest, state: str, actor: User | None = None
) -> None:
    """Apply a release review's decision to its release (``on_decided`` of ``REVIEW_KIND``,
    inside the deciding transaction: an error here undoes the decision). ``actor`` is who acted
    when the approvals core passes it; else the decider, or the member this room named
    (:func:`acting`) for a withdrawal or a cancellation."""
    release_id = request.payload.get("release_id")
    if release_id is None:
        raise ValidationError("This request names no release.")
    if actor is None:
        actor = request.decided_by if state in ("approved", "rejected") else acting_user()
    release_transition(
        actor=actor, release_id=int(release_id), to=_DECISION_STATES[state], note=request.reason
    )


def release_withdraw(*, actor: Membership, release_id: int) -> Release:
    """Withdraw a release under review (its approval request): the submitter, or an admin of
    the requesting workspace (the approvals core applies who may). A repeat is a no-op."""
    release = Release.objects.select_related("target__miniprogram").get(pk=release_id)
    if release.approval_id is None or release.state not in (State.UNDER_REVIEW, State.WITHDRAWN):
        raise ValidationError("Only a release waiting for review can be withdrawn.")
    with acting(actor.user):
        approval_withdraw(actor=actor, request_id=release.approval_id)
    release.refresh_from_db()
    return release


def offline_reason(*, host_app_name: str, reason: str = "") -> str:
    """Why a release is cancelled when its mini program is taken offline from a host app."""
    said = f"Taken offline from {host_app_name}"
    return f"{said}: {reason}" if reason else said


@transaction.atomic
def release_cancel_offline(
    *, actor: Membership, target: MiniProgramHostApp, reason: str = ""
) -> list[Release]:
    """Cancel what is in flight where the mini program is being taken offline from a host app
    (every environment): a release under review through its approval request (``approval_cancel``,
    so the tenant's request is cancelled too), an approved release not yet published through
    the state door. Returns the cancelled releases; audited by both doors.

    Registered with ``miniprograms.extensions.register_take_offline``: called inside
    ``miniprogram_take_offline``'s transaction, which already checked MANAGE on the mini program
    and holds the (mini program, host app) row locked.
    """
    why = offline_reason(host_app_name=target.host_app.name, reason=reason)
    targets = list(
        ReleaseTarget.objects.select_for_update(of=("self",))
        .filter(miniprogram_id=target.miniprogram_id, host_app_id=target.host_app_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    in_flight = Release.objects.filter(target_id__in=targets, state__in=Release.OPEN_STATES)
    cancelled: list[Release] = []
    for release_id, approval_id in in_flight.order_by("pk").values_list("pk", "approval_id"):
        if approval_id is not None:
            # The request first, then the release: the order a decision locks them in, so a
            # reviewer approving at this moment waits (or is waited for) instead of deadlocking.
            request = ApprovalRequest.objects.select_for_update(of=("self",)).get(pk=approval_id)
            if request.is_open:
                with acting(actor.user):
                    approval_cancel(actor_user=actor.user, request_id=approval_id, reason=why)
        release = Release.objects.select_for_update(of=("self",)).get(pk=release_id)
        if release.state not in Release.OPEN_STATES and release.state != State.CANCELLED:
            continue  # decided in the meantime (rejected, withdrawn): nothing in flight
        # An approved release (approved at once, or its review approved a moment ago), or one
        # whose request was cancelled just above (then this is a no-op): the release's door.
        release, _ = release_transition(
            actor=actor.user, release_id=release.pk, to=State.CANCELLED, note=why
        )
        cancelled.append(release)
    return cancelled
