"""Status tables of the workspaces app, as data (STYLE.md §11 P1). No ORM calls here.

The one door for each table is its ``*_transition`` service (``services/invitations.py``,
``services/members.py``): it locks the row, treats a same-state request as a no-op, refuses
anything not listed here and writes the audit row.
"""

from __future__ import annotations

from workspaces.models import Invitation, Membership

InvitationStatus = Invitation.Status
MembershipStatus = Membership.Status

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


class InvalidTransition(Exception):
    """A status change the table does not allow (a programming error, not user input)."""
