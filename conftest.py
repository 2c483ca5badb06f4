"""Project-wide pytest fixtures.

Tests that need a real service (Redis, a Celery worker, Chromium) call :func:`require_service`:
it skips on a laptop without the service and **fails** under ``MPP_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("MPP_REQUIRE_SERVICES") == "1"


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skip (locally) or fail (CI) when a service the test needs is missing."""
    if available:
        return
    reason = f"{name} is not available{': ' + why if why else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MPP_REQUIRE_SERVICES=1 requires it)")
    pytest.skip(f"{reason} (set MPP_REQUIRE_SERVICES=1 to make this a failure)")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes files to its own temporary storage."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
