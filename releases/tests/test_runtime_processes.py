"""A change committed in one process is seen by another process's snapshot (issue 11).

The other process is a real one (a Python subprocess on the same PostgreSQL database): it
builds its snapshot, the test commits a change, and the other process's first revision check
after the commit rebuilds it with the change. Checks happen at most once a second
(``revision.CHECK_SECONDS``): that bounds how late any process sees a change.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import require_service
from workspaces.services.hostapps import host_app_create

OTHER_PROCESS = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from releases.runtime import revision

    checks = [0]
    real = revision.runtime_revision_current
    def counted():
        checks[0] += 1
        return real()
    revision.runtime_revision_current = counted

    first = revision.runtime_snapshot()
    print("ready", first.revision, flush=True)
    key = sys.stdin.readline().strip()  # the test committed a new host app with this key
    checks[0] = 0
    started = time.monotonic()
    snapshot = first
    while time.monotonic() - started < 20 and snapshot.revision == first.revision:
        time.sleep(0.02)
        snapshot = revision.runtime_snapshot()
    print("seen", snapshot.revision, checks[0], key in snapshot.host_apps,
          round(time.monotonic() - started, 3), flush=True)
    """
)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_seen_by_another_process_at_its_next_revision_check(owner):
    if connection.vendor != "postgresql":
        require_service(
            "PostgreSQL", False, "two processes share the database (set DATABASE_URL=postgres://…)"
        )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "console.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "SECRET_KEY": settings.SECRET_KEY,
        "HASH_PEPPER": settings.HASH_PEPPER,
    }
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = other.stdout.readline().split()
        assert ready[0] == "ready", ready
        app, _secret = host_app_create(actor=owner, name="Late Wallet", platforms={"ios": "l.w"})
        other.stdin.write(app.app_key + "\n")
        other.stdin.flush()
        seen = other.stdout.readline().split()
    finally:
        other.kill()
        other.wait()
    _word, revision_seen, checks, has_key, elapsed = seen
    assert int(revision_seen) > int(ready[1])
    assert has_key == "True"  # rebuilt with the change, not only relabelled
    assert checks == "1"  # the first check after the commit saw it
    print(f"seen by the other process after {elapsed} s")  # at most CHECK_SECONDS + one build
