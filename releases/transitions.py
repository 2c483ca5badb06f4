"""The version lifecycle as data (STYLE.md §11 P1). No ORM calls here.

Scanning covers the scan and the build: a version is ``ready`` once its package passed the scan
and both delivery forms are stored. The quality review runs after that and never blocks.
"""

from __future__ import annotations

from releases.models import Version

S = Version.Status

ALLOWED: dict[str, frozenset[str]] = {
    S.UPLOADED: frozenset({S.SCANNING}),
    S.SCANNING: frozenset({S.READY, S.SCAN_FAILED}),
    S.SCAN_FAILED: frozenset({S.SCANNING}),  # the developer may re-run a failed scan
    S.READY: frozenset(),
}


class InvalidTransition(Exception):
    """A status change the table does not allow (a programming error, not user input)."""
