"""Submit a ready version to host apps, apply the review's decision, publish, roll back.

The room's services, importable from here (the implementation is split by concern):

* ``state`` — :func:`release_transition`, the one door for ``Release.state`` (the table is
  ``releases/transitions.py``), and the room's constants;
* ``submit`` — :func:`release_submit` (production, and sandbox where the host app asks for it,
  reviewed by the tenant that owns the host app through the approvals core, kind
  :data:`REVIEW_KIND`, registered from ``releases/apps.py``; other environments approved at once);
* ``review`` — the review's decision (:func:`release_review_decided`), :func:`release_withdraw`,
  and :func:`release_cancel_offline` (take offline cancels what is in flight first);
* ``publish`` — :func:`release_publish`, :func:`release_rollback`, :func:`release_state_refresh`;
* ``events`` and ``notify`` — webhooks and emails for every release change (SPEC §11).

Every operation on a target locks its :class:`ReleaseTarget` row first, so two publishes, a
publish and a rollback, or two submissions on one target are ordered (and the partial unique
constraints back it).
"""

from __future__ import annotations

from releases.release.events import release_event
from releases.release.publish import release_publish, release_rollback, release_state_refresh
from releases.release.review import (
    offline_reason,
    release_cancel_offline,
    release_review_decided,
    release_withdraw,
)
from releases.release.state import (
    NOTES_MAX,
    REVIEW_KIND,
    TWO_ROLLBACKS,
    Env,
    State,
    release_transition,
)
from releases.release.submit import release_needs_review, release_submit

__all__ = [
    "NOTES_MAX",
    "REVIEW_KIND",
    "TWO_ROLLBACKS",
    "Env",
    "State",
    "offline_reason",
    "release_cancel_offline",
    "release_event",
    "release_needs_review",
    "release_publish",
    "release_review_decided",
    "release_rollback",
    "release_state_refresh",
    "release_submit",
    "release_transition",
    "release_withdraw",
]
