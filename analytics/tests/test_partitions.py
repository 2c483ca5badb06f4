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


def test_retention_keeps_3_days_partitions_on_postgresql_rows_on_sqlite():
    """One behaviour, two mechanisms: PostgreSQL creates daily partitions ahead and drops whole
    days past 3; SQLite has one table and deletes the rows of those days."""
    postgresql = connection.vendor == "postgresql"
    day = datetime(2030, 1, 9, tzinfo=UTC).date()
    created = partitions_ensure(days_ahead=2, today=day)
    if postgresql:
        assert len(created) == 12  # 3 days back, today, 2 ahead: both tables
        assert partitions_ensure(days_ahead=2, today=day + timedelta(days=1)) == [
            "analytics_event_p20300112",
            "analytics_logline_p20300112",
        ]
        assert partitions_ensure(days_ahead=2, today=day + timedelta(days=1)) == []
    else:
        assert created == []  # nothing to create: one plain table
    Event.objects.bulk_create(
        [_event(datetime(2030, 1, 6, 23, 59, tzinfo=UTC)), _event(datetime(2030, 1, 7, tzinfo=UTC))]
    )

    dropped = partitions_drop_older_than(days=3, now=datetime(2030, 1, 10, 12, tzinfo=UTC))

    if postgresql:
        assert _partitions("analytics_event_p2030") == [
            f"analytics_event_p203001{d:02d}" for d in range(7, 13)
        ]
        assert _partitions("analytics_logline_p2030")[0] == "analytics_logline_p20300107"
    else:
        assert dropped == 1  # the row of Jan 6
    assert list(Event.objects.values_list("occurred_at", flat=True)) == [
        datetime(2030, 1, 7, tzinfo=UTC)
    ]
