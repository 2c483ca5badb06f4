"""The version lifecycle as data (STYLE.md §11 P1). No ORM calls here.

Scanning covers the scan and the build: a version is ``ready`` once its package passed the scan
and both delivery forms are stored. The quality review runs after that and never blocks.
"""

from __future__ import annotations

from releases.models import GrayscaleTask, Release, Version
from workspaces.transitions import InvalidTransition as InvalidTransition  # one for all

S = Version.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.UPLOADED: frozenset({S.SCANNING}),
    S.SCANNING: frozenset({S.READY, S.SCAN_FAILED}),
    S.SCAN_FAILED: frozenset({S.SCANNING}),  # the developer may re-run a failed scan
    S.READY: frozenset(),
}


R = Release.State

# A release's lifecycle (Alipay+): created under review (or approved outside production), then
# one decision; an approved release is published or cancelled; a newer release archives it.
# Grayscale states will slot between APPROVED and RELEASED. UNDER_REVIEW → CANCELLED: the
# approval was cancelled because its subject went away (taken offline from the host app).
RELEASE_ALLOWED: dict[str, frozenset[str]] = {
    R.UNDER_REVIEW: frozenset({R.APPROVED, R.REJECTED, R.WITHDRAWN, R.CANCELLED}),
    R.APPROVED: frozenset({R.RELEASED, R.CANCELLED}),
    R.RELEASED: frozenset({R.ARCHIVED}),
    R.REJECTED: frozenset(),
    R.WITHDRAWN: frozenset(),
    R.CANCELLED: frozenset(),
    R.ARCHIVED: frozenset(),
}


G = GrayscaleTask.State

# A grayscale task (SPEC §6): pending until its start time, then delivering; a member suspends
# and resumes it; it ends for good (by a member, its end time, its user limit, or a publish of
# the same or a higher version). Ending is final: a new task is a new row.
GRAYSCALE_ALLOWED: dict[str, frozenset[str]] = {
    G.PENDING: frozenset({G.DELIVERING, G.ENDED}),
    G.DELIVERING: frozenset({G.SUSPENDED, G.ENDED}),
    G.SUSPENDED: frozenset({G.DELIVERING, G.ENDED}),
    G.ENDED: frozenset(),
}
