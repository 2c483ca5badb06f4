"""The analytics tasks on the beat schedule."""

from __future__ import annotations

import pytest

from analytics.tasks import drain_stream, partitions_drop_task, partitions_ensure_task
from console.celery import app


def test_the_beat_schedules_the_drain_and_the_partitions(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    wanted = {"analytics.drain_stream", "analytics.partitions_ensure", "analytics.partitions_drop"}
    assert wanted <= schedule
    assert wanted <= set(app.tasks)
    assert settings.CELERY_BEAT_SCHEDULE["analytics-drain-stream"]["schedule"].total_seconds() <= 5


@pytest.mark.django_db
def test_without_redis_the_drain_has_nothing_to_do_and_maintenance_runs(embedded):
    assert drain_stream() == 0
    assert partitions_ensure_task() >= 0
    assert partitions_drop_task() == 0
