"""Status tables of the workspaces app, as data (STYLE.md §11 P1). No ORM calls here.

The one door for each table is its ``*_transition`` service (``services/invitations.py``,
``services/members.py``, ``services/approvals.py``): it locks the row, treats a same-state request
as a no-op, refuses anything not listed here and writes the audit row.
"""

from __future__ import annotations

from workspaces.models import ApprovalRequest, Invitation, Membership, WebhookDelivery

InvitationStatus = Invitation.Status
MembershipStatus = Membership.Status
ApprovalState = ApprovalRequest.State
DeliveryState = WebhookDelivery.State

# An invitation is used once or closed (withdrawn by an admin, or closed once expired, which is
# recorded as withdrawn: expiry itself is read from the clock, ``Invitation.display_status``).
INVITATION_ALLOWED: dict[str, frozenset[str]] = {
    InvitationStatus.PENDING: frozenset({InvitationStatus.ACCEPTED, InvitationStatus.WITHDRAWN}),
    InvitationStatus.ACCEPTED: frozenset(),
    InvitationStatus.WITHDRAWN: frozenset(),
}

# A member is blocked (no access at all, data kept) and unblocked. Leaving or being removed
# deletes the membership: that is not a status.
MEMBERSHIP_ALLOWED: dict[str, frozenset[str]] = {
    MembershipStatus.ACTIVE: frozenset({MembershipStatus.BLOCKED}),
    MembershipStatus.BLOCKED: frozenset({MembershipStatus.ACTIVE}),
}

# An approval request is decided once: approved or rejected by the deciding workspace, withdrawn
# by the requesting one, or cancelled by the system (the subject went away: a version deleted, a
# mini program taken offline). Every decision is final; asking again is a new request.
APPROVAL_ALLOWED: dict[str, frozenset[str]] = {
    ApprovalState.PROCESSING: frozenset(
        {
            ApprovalState.APPROVED,
            ApprovalState.REJECTED,
            ApprovalState.WITHDRAWN,
            ApprovalState.CANCELLED,
        }
    ),
    ApprovalState.APPROVED: frozenset(),
    ApprovalState.REJECTED: frozenset(),
    ApprovalState.WITHDRAWN: frozenset(),
    ApprovalState.CANCELLED: frozenset(),
}


# A webhook delivery is pending while attempts are left (a failed attempt keeps it pending and
# is retried), then delivered (a 2xx answer) or failed (out of attempts, or its URL refused).
WEBHOOK_DELIVERY_ALLOWED: dict[str, frozenset[str]] = {
    DeliveryState.PENDING: frozenset({DeliveryState.DELIVERED, DeliveryState.FAILED}),
    DeliveryState.DELIVERED: frozenset(),
    DeliveryState.FAILED: frozenset(),
}


class InvalidTransition(Exception):
    """A status change the table does not allow (a programming error, not user input)."""


def transition_needed(table: dict[str, frozenset[str]], current: str, to: str) -> bool:
    """The check every door makes first (STYLE.md P2), for every app's tables: ``False`` when
    the row is already in ``to`` (a double submit, a redelivered task: the door does nothing),
    ``True`` when ``table`` allows ``current → to``; anything else raises InvalidTransition."""
    if current == to:
        return False
    if to not in table[current]:
        raise InvalidTransition(f"{current} -> {to}")
    return True
