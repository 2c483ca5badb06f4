"""The runtime revision (issue 11): a counter bumped in the same transaction as every change
that affects what the runtime API answers, read by every web process at most once a second.

``runtime_revision_bump()`` is one ``UPDATE … SET n = n + 1`` on the singleton row inside the
caller's transaction: concurrent bumps serialise on the row lock, none is lost, and a rolled
back change rolls its bump back too. The per-second check of a web process is one primary-key
lookup of that row: cheap enough that no second copy (and no way for one to drift) is needed.
"""

from __future__ import annotations

import threading
import time

from django.db import transaction
from django.db.models import F

from releases.runtime.models import RuntimeRevision
from releases.runtime.snapshot import Snapshot, snapshot_build


def runtime_revision_bump() -> None:
    """Move the runtime revision by one, inside the caller's transaction (atomic, no lost
    updates). Every process rebuilds its snapshot within two seconds of the commit."""
    updated = RuntimeRevision.objects.filter(pk=1).update(n=F("n") + 1)
    if not updated:  # the migration creates the row; a database built without it starts here
        with transaction.atomic():
            _, created = RuntimeRevision.objects.select_for_update().get_or_create(
                pk=1, defaults={"n": 1}
            )
            if not created:
                RuntimeRevision.objects.filter(pk=1).update(n=F("n") + 1)
    # This process looks again at its next request (the others within CHECK_SECONDS): a sync
    # worker's next request comes after this transaction committed.
    runtime_snapshot_expire()


def runtime_revision_current() -> int:
    """The committed revision (one primary-key lookup of one row)."""
    n = RuntimeRevision.objects.filter(pk=1).values_list("n", flat=True).first()
    return int(n or 0)


# --- the per-process snapshot --------------------------------------------------------------
# Every process checks the committed revision at most once per CHECK_SECONDS (one primary-key
# lookup) and rebuilds its snapshot when it moved: a change is seen by every process within
# CHECK_SECONDS plus one build (under 2 s).

CHECK_SECONDS = 1.0
clock = time.monotonic  # tests freeze it


class _Holder:
    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()


_holder = _Holder()


def runtime_snapshot() -> Snapshot:
    """This process's snapshot, checked against the committed revision at most once a second."""
    snapshot = _holder.snapshot
    if snapshot is not None and clock() - _holder.checked_at < CHECK_SECONDS:
        return snapshot
    with _holder.lock:
        snapshot = _holder.snapshot
        if snapshot is not None and clock() - _holder.checked_at < CHECK_SECONDS:
            return snapshot  # another thread checked while this one waited
        revision = runtime_revision_current()
        if snapshot is None or snapshot.revision != revision:
            snapshot = snapshot_build(revision=revision)
            _holder.snapshot = snapshot
        _holder.checked_at = clock()
        return snapshot


def runtime_snapshot_expire() -> None:
    """Make the next call check the revision (after this process committed a change)."""
    _holder.checked_at = float("-inf")


def runtime_snapshot_forget() -> None:
    """Drop this process's snapshot (tests; the next call rebuilds)."""
    with _holder.lock:
        _holder.snapshot = None
        _holder.checked_at = float("-inf")
