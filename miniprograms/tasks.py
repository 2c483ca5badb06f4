"""Celery entry points of the miniprograms app (STYLE.md §7)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.files.storage import default_storage

from console import outbox

logger = logging.getLogger(__name__)


@outbox.handler("miniprograms.delete_files")  # queued through the outbox (console/outbox.py)
@shared_task(
    name="miniprograms.delete_files",
    autoretry_for=(OSError, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def delete_files(keys: list[str]) -> int:
    """Remove a deleted mini program's files from storage. Safe to run twice: a key that is
    already gone is skipped. Returns how many files were removed this time."""
    removed = 0
    for key in keys:
        if not key or key.startswith("/") or ".." in key.split("/"):
            logger.warning("delete_files: refusing suspicious key %r", key)
            continue
        if default_storage.exists(key):
            default_storage.delete(key)
            removed += 1
    logger.info("delete_files: removed %d of %d file(s)", removed, len(keys))
    return removed
