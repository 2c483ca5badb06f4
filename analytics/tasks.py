"""Celery entry points of analytics (on the beat schedule in ``console/settings/base.py``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from analytics import stream
from analytics.partitions import partitions_drop_older_than, partitions_ensure
from analytics.rollups import (
    RETENTION_DAYS,
    rollup_delete_older_than,
    rollup_range_report,
    today_utc,
)

logger = logging.getLogger(__name__)

DRAIN_SECONDS_DEFAULT = 4.0


@shared_task(name="analytics.drain_stream", soft_time_limit=60, time_limit=90)
def drain_stream() -> int:
    """Every few seconds: write what the events stream holds, for at most
    ``ANALYTICS_DRAIN_SECONDS`` (a run that overlaps the next is another consumer of the same
    group: they share the entries). Nothing to do without ``REDIS_URL`` (the web process
    writes the batches itself). Returns the entries written."""
    if not stream.is_enabled():
        return 0
    seconds = float(getattr(settings, "ANALYTICS_DRAIN_SECONDS", DRAIN_SECONDS_DEFAULT))
    result = stream.stream_drain(max_seconds=seconds)
    if result.entries or result.dead:
        logger.info(
            "drain_stream: %d entries, %d new rows, %d reclaimed, %d dead",
            result.entries,
            result.rows,
            result.reclaimed,
            result.dead,
        )
    return result.entries


@shared_task(name="analytics.partitions_ensure")
def partitions_ensure_task() -> int:
    """Hourly: the raw tables' daily partitions exist from 3 days back to 2 days ahead."""
    return len(partitions_ensure(days_ahead=2))


@shared_task(name="analytics.partitions_drop")
def partitions_drop_task() -> int:
    """Hourly: raw events and log lines older than 3 days are dropped (whole partitions)."""
    return partitions_drop_older_than(days=3)


@shared_task(name="analytics.rollup_nightly", soft_time_limit=3000, time_limit=3300)
def rollup_nightly() -> int:
    """Nightly (00:20 UTC): roll up yesterday and roll the day before up again (ingestion
    accepts events up to 3 days old: the late ones of that day count too). Re-runnable: the
    days are recomputed and upserted. Returns the rows written."""
    yesterday = today_utc() - timedelta(days=1)
    report = rollup_range_report(yesterday - timedelta(days=1), yesterday)
    for skipped in report.skipped:  # only after an outage longer than the raw retention
        logger.warning("rollup_nightly: %s skipped: %s", skipped.day, skipped.skipped)
    return report.rows


@shared_task(name="analytics.rollup_retention")
def rollup_retention() -> int:
    """Daily: rollup rows older than 90 days are deleted (see ``analytics.rollups``)."""
    return rollup_delete_older_than(days=RETENTION_DAYS)
