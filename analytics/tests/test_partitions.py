"""Daily partitions on PostgreSQL: created ahead, dropped whole after 3 days (rows deleted on
SQLite)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from analytics.models import Event
from analytics.partitions import partitions_drop_older_than, partitions_ensure

pytestmark = pytest.mark.django_db


def _event(at: datetime) -> Event:
    return Event(
        occurred_at=at,
        event_id=uuid.uuid4(),
        host_app_id=1,
        app_id="2021000000000001",
        environment="production",
        device_id="d",
        type="launch",
    )


def _partitions(prefix: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s ORDER BY relname",
            [prefix + "%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_partitions_are_created_ahead_and_dropped_after_3_days():
    if connection.vendor != "postgresql":
        pytest.skip("daily partitions are PostgreSQL's (SQLite: see the next test)")
    day = datetime(2030, 1, 9, tzinfo=UTC).date()
    created = partitions_ensure(days_ahead=2, today=day)
    assert len(created) == 12  # 3 days back, today, 2 ahead: both tables
    assert partitions_ensure(days_ahead=2, today=day + timedelta(days=1)) == [
        "analytics_event_p20300112",
        "analytics_logline_p20300112",
    ]
    assert partitions_ensure(days_ahead=2, today=day + timedelta(days=1)) == []
    Event.objects.bulk_create(
        [_event(datetime(2030, 1, 6, 23, 59, tzinfo=UTC)), _event(datetime(2030, 1, 7, tzinfo=UTC))]
    )

    partitions_drop_older_than(days=3, now=datetime(2030, 1, 10, 12, tzinfo=UTC))

    assert _partitions("analytics_event_p2030") == [
        f"analytics_event_p203001{d:02d}" for d in range(7, 13)
    ]
    assert _partitions("analytics_logline_p2030")[0] == "analytics_logline_p20300107"
    assert list(Event.objects.values_list("occurred_at", flat=True)) == [
        datetime(2030, 1, 7, tzinfo=UTC)
    ]


def test_retention_deletes_the_rows_of_days_past_3_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL drops partitions (previous test)")
    now = datetime(2030, 1, 10, 12, tzinfo=UTC)
    Event.objects.bulk_create(
        [_event(datetime(2030, 1, 6, 23, 59, tzinfo=UTC)), _event(datetime(2030, 1, 7, tzinfo=UTC))]
    )
    assert partitions_ensure(today=now.date()) == []
    assert partitions_drop_older_than(days=3, now=now) == 1
    assert Event.objects.count() == 1
