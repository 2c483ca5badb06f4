"""SDK authentication of the runtime API: the host app's key (``X-MPP-App-Key``) and secret
(``Authorization: Bearer <secret>``), checked against the stored keyed hash in constant time
(``workspaces.keys.keyed_hash_matches``).

A successful check is remembered in the snapshot, keyed by (key, SHA-256 of the secret), so a
launch pays one HMAC only the first time; the memory dies with the snapshot when the runtime
revision moves, and resetting a host app's secret moves it (``releases.runtime.invalidation``):
the old secret stops working at once, in every process, within the check window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from releases.runtime.snapshot import HostAppKey, Snapshot
from workspaces.keys import keyed_hash_matches
from workspaces.services.hostapps import sdk_credentials

MAX_CACHED = 10_000  # successful checks kept per snapshot (one per host app and secret)


def credentials(meta: Mapping[str, Any]) -> tuple[str, str]:
    """(app key, secret) as the request sends them (``meta``: the WSGI environ or
    ``request.META``); empty strings when missing."""
    return sdk_credentials(meta)


def authenticate(snapshot: Snapshot, *, key: str, secret: str) -> HostAppKey | None:
    """The host app these credentials belong to, or ``None``."""
    if not key or not secret:
        return None
    cache_key = (key, hashlib.sha256(secret.encode()).digest())
    found = snapshot.auth_cache.get(cache_key)
    if found is not None:
        return found
    host_app = snapshot.host_apps.get(key)
    if host_app is None or not keyed_hash_matches(secret, host_app.secret_hash):
        return None
    if len(snapshot.auth_cache) >= MAX_CACHED:
        snapshot.auth_cache.clear()
    snapshot.auth_cache[cache_key] = host_app
    return host_app
