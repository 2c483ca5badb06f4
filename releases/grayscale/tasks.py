"""Celery entry point of the grayscale room: the beat's tick (every minute, ``console/settings``).

Starts pending tasks whose start time came, ends tasks whose end time passed or whose users
reached the limit, advances staged schedules. Every task is locked and checked again before it
moves (``services.grayscale_tick``), so a re-run changes nothing more.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="releases.grayscale_tick", soft_time_limit=50, time_limit=60)
def grayscale_tick() -> dict[str, int]:
    from releases.grayscale.services import grayscale_tick as tick

    counts = tick()
    if any(counts.values()):
        logger.info("grayscale_tick: %s", counts)
    return counts
