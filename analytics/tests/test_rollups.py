"""The T+1 rollups (analytics/rollups.py) on a small hand-computed data set.

Mini program A on two host apps, production, three days (all long past: on SQLite past the raw
retention but still holding their events; on PostgreSQL in partitions this test creates):

day 1  host 1 v1.0.0  u1 launch + 2 page views; u2 (phone-2) launch + page view + search;
                      the same phone-2 without a user id: a page view (another visitor)
       host 1 v1.1.0  u1 launch + page view (u1 on two versions: uv 1 each, 1 on all versions)
       host 2 v1.0.0  u3: launch, page view, favorite add + remove, 2 JSAPI calls (1 success),
                      4 HTTP requests (200, 302, 404, 0: 2 exceptions), 2 start-ups (1 success,
                      300 + 700 ms), a blank screen; device "u1" without a user id: a page view
                      (not the user u1); the user id u1 of host app 2 (not host app 1's u1:
                      a visitor belongs to one host app, all-host-apps uv = the sum)
day 2  host 1 v1.1.0  u1 launch + page view (returning: Total Users counts him again)
       host 2 v1.0.0  u3 launch
day 3  host 1 v1.0.0  u2 launch at 00:00:00 sharp (day 2 has no row of that key: Total Users
                      looks back to day 1)

plus mini program B on day 1 and events one microsecond before day 1 and at day 4's start,
which no day's rollup may count.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from analytics.models import DailyRollup, Event
from analytics.partitions import partition_name, partitions_ensure_days
from analytics.rollups import (
    RawEventsGone,
    rollup_day,
    rollup_delete_older_than,
    rollup_range,
    rollup_range_report,
    rollup_sql,
    today_utc,
)
from analytics.tasks import rollup_nightly, rollup_retention

pytestmark = pytest.mark.django_db

A, B = "2021000000000001", "2021000000000002"
D1, D2, D3 = date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)
ALL, ALL_HOSTS = DailyRollup.ALL, DailyRollup.ALL_HOST_APPS
FIGURES = (
    "pv",
    "uv",
    "uv_previous",
    "visits",
    "total_users",
    "favorites_added",
    "favorites_removed",
    "search_users",
    "startups",
    "startup_successes",
    "startup_duration_ms_sum",
    "jsapi_calls",
    "jsapi_successes",
    "http_requests",
    "http_exceptions",
    "blank_screens",
)


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=UTC)


def ev(
    when: datetime,
    type_: str,
    *,
    user: str = "",
    device: str = "",
    host: int = 1,
    version: str = "1.0.0",
    app: str = A,
    **fields,
) -> Event:
    return Event(
        occurred_at=when,
        event_id=uuid.uuid4(),
        host_app_id=host,
        app_id=app,
        environment="production",
        version=version,
        user_id=user,
        device_id=device or f"phone-{user}",
        type=type_,
        **fields,
    )


def data_set() -> None:
    partitions_ensure_days([D1 - timedelta(days=1), D1, D2, D3, D3 + timedelta(days=1)])
    t = at(D1)
    u1 = {"user": "u1"}
    u2 = {"user": "u2", "device": "phone-2"}
    u3 = {"user": "u3", "host": 2}
    Event.objects.bulk_create(
        [
            # day 1, host 1
            ev(t, "launch", **u1),
            ev(t, "page_view", **u1),
            ev(t, "page_view", **u1),
            ev(t, "launch", version="1.1.0", **u1),
            ev(t, "page_view", version="1.1.0", **u1),
            ev(t, "launch", **u2),
            ev(t, "page_view", **u2),
            ev(t, "search", keyword="tea", **u2),
            ev(t, "page_view", device="phone-2"),
            # day 1, host 2
            ev(t, "launch", **u3),
            ev(t, "page_view", **u3),
            ev(t, "favorite_add", **u3),
            ev(t, "favorite_remove", **u3),
            ev(t, "jsapi_call", name="getLocation", success=True, duration_ms=5, **u3),
            ev(t, "jsapi_call", name="scanCode", success=False, duration_ms=9, **u3),
            ev(t, "http_request", domain="a.example", status_code=200, duration_ms=1, **u3),
            ev(t, "http_request", domain="a.example", status_code=302, duration_ms=1, **u3),
            ev(t, "http_request", domain="a.example", status_code=404, duration_ms=1, **u3),
            ev(t, "http_request", domain="a.example", status_code=0, duration_ms=1, **u3),
            ev(t, "startup", success=True, duration_ms=300, **u3),
            ev(t, "startup", success=False, duration_ms=700, **u3),
            ev(t, "blank_screen", **u3),
            ev(t, "page_view", device="u1", host=2),
            ev(t, "page_view", user="u1", host=2),  # another host app's user u1
            # another mini program, and the edges of the days
            ev(t, "launch", app=B, **u1),
            ev(at(D1, 0) - timedelta(microseconds=1), "page_view", **u1),
            ev(at(D3 + timedelta(days=1), 0), "launch", **u1),
            # day 2
            ev(at(D2, 23, 59, 59, 999999), "launch", version="1.1.0", **u1),
            ev(at(D2), "page_view", version="1.1.0", **u1),
            ev(at(D2), "launch", **u3),
            # day 3
            ev(at(D3, 0), "launch", **u2),
        ]
    )


def rows(day: date, app: str = A) -> dict[tuple[int, str], dict[str, int | None]]:
    """``{(host_app_id, version): {figure: value}}`` of one day's rows of ``app``."""
    found = DailyRollup.objects.filter(day=day, app_id=app, environment="production")
    return {
        (row["host_app_id"], row["version"]): {name: row[name] for name in FIGURES}
        for row in found.values("host_app_id", "version", *FIGURES)
    }


def figures(**values: int | None) -> dict[str, int | None]:
    return {name: values.get(name, None if name == "uv_previous" else 0) for name in FIGURES}


HOST2_DAY1 = {
    "pv": 3,
    "uv": 3,
    "visits": 1,
    "total_users": 1,
    "favorites_added": 1,
    "favorites_removed": 1,
    "startups": 2,
    "startup_successes": 1,
    "startup_duration_ms_sum": 1000,
    "jsapi_calls": 2,
    "jsapi_successes": 1,
    "http_requests": 4,
    "http_exceptions": 2,
    "blank_screens": 1,
}
DAY1 = {
    (1, "1.0.0"): figures(pv=4, uv=3, visits=2, total_users=2, search_users=1),
    (1, "1.1.0"): figures(pv=1, uv=1, visits=1, total_users=1),
    (1, ALL): figures(pv=5, uv=3, visits=3, total_users=3, search_users=1),
    (2, "1.0.0"): figures(**HOST2_DAY1),
    (2, ALL): figures(**HOST2_DAY1),
    (ALL_HOSTS, ALL): figures(
        **{**HOST2_DAY1, "pv": 8, "uv": 6, "visits": 4, "total_users": 4}, search_users=1
    ),
}
DAY2 = {
    (1, "1.1.0"): figures(pv=1, uv=1, uv_previous=1, visits=1, total_users=2),
    (1, ALL): figures(pv=1, uv=1, uv_previous=3, visits=1, total_users=4),
    (2, "1.0.0"): figures(uv=1, uv_previous=3, visits=1, total_users=2),
    (2, ALL): figures(uv=1, uv_previous=3, visits=1, total_users=2),
    (ALL_HOSTS, ALL): figures(pv=1, uv=2, uv_previous=6, visits=2, total_users=6),
}
DAY3 = {
    (1, "1.0.0"): figures(uv=1, visits=1, total_users=3),  # day 2 has no row: back to day 1
    (1, ALL): figures(uv=1, uv_previous=1, visits=1, total_users=5),
    (ALL_HOSTS, ALL): figures(uv=1, uv_previous=2, visits=1, total_users=7),
}


def test_the_definitions_on_a_hand_computed_data_set():
    data_set()

    written = rollup_range(D1, D3)

    assert rows(D1) == DAY1
    assert rows(D2) == DAY2
    assert rows(D3) == DAY3
    assert rows(D1, app=B) == {
        (1, "1.0.0"): figures(uv=1, visits=1, total_users=1),
        (1, ALL): figures(uv=1, visits=1, total_users=1),
        (ALL_HOSTS, ALL): figures(uv=1, visits=1, total_users=1),
    }
    assert written == len(DAY1) + len(DAY2) + len(DAY3) + 3
    assert DailyRollup.objects.count() == written  # nothing of the days around


def _snapshot() -> list[tuple]:
    return list(
        DailyRollup.objects.order_by("day", "app_id", "host_app_id", "version").values_list(
            "day", "app_id", "host_app_id", "environment", "version", *FIGURES
        )
    )


def test_a_rerun_gives_the_same_rows_and_recomputes_them():
    data_set()
    rollup_range(D1, D3)
    before = _snapshot()
    first_computed = DailyRollup.objects.get(day=D1, app_id=A, host_app_id=0).computed_at

    assert rollup_range(D1, D3) == len(before)
    assert rollup_day(D2) == len(DAY2)

    assert _snapshot() == before
    assert DailyRollup.objects.get(day=D1, app_id=A, host_app_id=0).computed_at > first_computed


def test_rerolling_an_earlier_day_fixes_the_later_totals_and_drops_keys_without_events():
    data_set()
    rollup_range(D1, D3)
    # A late launch of u1 on day 1 (v1.0.0, host 1); host 2's only event of day 2 was wrong.
    Event.objects.bulk_create([ev(at(D1, 20), "launch", user="u1")])
    Event.objects.filter(occurred_at__date=D2, host_app_id=2).delete()

    rollup_day(D1)  # re-chains days 2 and 3 from the stored rows

    assert rows(D1)[(1, "1.0.0")]["total_users"] == 3
    assert rows(D1)[(ALL_HOSTS, ALL)]["total_users"] == 5
    assert rows(D2)[(ALL_HOSTS, ALL)]["total_users"] == 7
    assert rows(D3)[(1, "1.0.0")]["total_users"] == 4
    assert rows(D3)[(ALL_HOSTS, ALL)]["total_users"] == 8
    assert (2, "1.0.0") in rows(D2)  # day 2 was not rolled up again: its rows stay

    report = rollup_range_report(D2, D2)

    assert report.days[0].deleted == 2  # host 2's rows of day 2 (v1.0.0 and all versions)
    assert report.rechained == [D3]
    assert set(rows(D2)) == {(1, "1.1.0"), (1, ALL), (ALL_HOSTS, ALL)}
    assert rows(D2)[(ALL_HOSTS, ALL)] == figures(pv=1, uv=1, uv_previous=6, visits=1, total_users=6)
    assert rows(D3)[(ALL_HOSTS, ALL)]["total_users"] == 7
    # The same as rolling every day up from scratch.
    fixed = _snapshot()
    DailyRollup.objects.all().delete()
    rollup_range(D1, D3)
    assert _snapshot() == fixed


def test_a_day_whose_raw_events_are_gone_keeps_its_rows():
    """Past the raw retention (PostgreSQL: no partition; SQLite: no event left) a day is not
    rolled up: an empty result would wipe its figures."""
    gone = date(2025, 1, 5)
    kept = DailyRollup.objects.create(
        day=gone,
        app_id=A,
        host_app_id=1,
        environment="production",
        version="1.0.0",
        pv=9,
        uv=3,
        visits=4,
        total_users=40,
        computed_at=timezone.now(),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [partition_name("analytics_event", gone)])
            assert cursor.fetchone()[0] is None

    with pytest.raises(RawEventsGone, match="the raw events are gone"):
        rollup_day(gone)
    report = rollup_range_report(gone - timedelta(days=1), gone)

    assert [result.day for result in report.skipped] == [gone - timedelta(days=1), gone]
    assert report.rows == 0
    assert list(DailyRollup.objects.values_list("pk", "pv", "total_users")) == [(kept.pk, 9, 40)]


def test_a_recent_day_without_events_ends_up_empty():
    """Within the raw retention no event means none happened: its stale rows go."""
    day = today_utc() - timedelta(days=1)
    DailyRollup.objects.create(
        day=day,
        app_id=A,
        host_app_id=1,
        environment="production",
        version="1.0.0",
        pv=1,
        computed_at=timezone.now(),
    )

    assert rollup_day(day) == 0

    assert not DailyRollup.objects.exists()


def test_the_day_selection_reads_only_that_days_events():
    """Both databases: the events of the day before and after are not counted. PostgreSQL:
    the plan reads the day's partition only (pruned at planning)."""
    data_set()
    rollup_day(D2)

    assert set(DailyRollup.objects.values_list("day", flat=True)) == {D2}
    if connection.vendor != "postgresql":
        return
    sql = rollup_sql(connection)
    params = [at(D2, 0), at(D3, 0), D2, D1, D2, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = set(re.findall(r"analytics_event_p[0-9]{8}", plan))
    assert scanned == {partition_name("analytics_event", D2)}, plan


def test_the_range_must_be_ordered_and_not_in_the_future():
    with pytest.raises(ValueError, match="empty"):
        rollup_range(D2, D1)
    with pytest.raises(ValueError, match="in the future"):
        rollup_range(D1, today_utc() + timedelta(days=1))


def test_retention_deletes_only_rows_older_than_90_days_but_keeps_the_carrier_of_a_total():
    today = date(2025, 6, 1)
    old, edge = today - timedelta(days=91), today - timedelta(days=90)

    def row(day: date, version: str, app: str = A) -> DailyRollup:
        return DailyRollup.objects.create(
            day=day,
            app_id=app,
            host_app_id=1,
            environment="production",
            version=version,
            total_users=5,
            computed_at=timezone.now(),
        )

    row(old, "1.0.0")
    row(old, ALL)
    kept = [row(edge, "1.0.0").pk, row(edge, ALL).pk, row(today, ALL).pk]
    idle_version = row(old, "0.9.0", app=B)
    carrier = row(old, ALL, app=B).pk  # B's newest all-versions row: its total lives on

    assert rollup_delete_older_than(days=90, today=today) == 3
    assert sorted(DailyRollup.objects.values_list("pk", flat=True)) == sorted([*kept, carrier])
    assert not DailyRollup.objects.filter(pk=idle_version.pk).exists()
    assert rollup_delete_older_than(days=90, today=today) == 0


def test_the_nightly_task_rolls_yesterday_and_the_day_before_twice_the_same():
    yesterday = today_utc() - timedelta(days=1)
    partitions_ensure_days([yesterday - timedelta(days=1), yesterday])
    Event.objects.bulk_create(
        [
            ev(at(yesterday - timedelta(days=1)), "launch", user="u1"),
            ev(at(yesterday), "launch", user="u1"),
            ev(at(yesterday), "page_view", user="u2"),
        ]
    )

    assert rollup_nightly() == 6
    first = _snapshot()
    assert rollup_nightly() == 6

    assert _snapshot() == first
    latest = DailyRollup.objects.get(day=yesterday, host_app_id=ALL_HOSTS)
    assert (latest.uv, latest.uv_previous, latest.total_users) == (2, 1, 2)


def test_the_retention_task_runs_on_real_dates():
    DailyRollup.objects.create(
        day=today_utc() - timedelta(days=91),
        app_id=A,
        host_app_id=1,
        environment="production",
        version="1.0.0",
        computed_at=timezone.now(),
    )

    assert rollup_retention() == 1
    assert rollup_retention() == 0


def test_the_beat_schedules_the_rollup_and_its_retention(settings):
    from celery.schedules import crontab

    from console.celery import app

    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    nightly = entries["analytics.rollup_nightly"]["schedule"]
    assert isinstance(nightly, crontab)
    assert (nightly.hour, nightly.minute) == ({0}, {20})
    assert isinstance(entries["analytics.rollup_retention"]["schedule"], crontab)
    assert {"analytics.rollup_nightly", "analytics.rollup_retention"} <= set(app.tasks)


def _command(*args: str) -> str:
    out = StringIO()
    call_command("analytics_rollup", *args, stdout=out)
    return out.getvalue()


def test_the_command_backfills_a_range_and_says_what_it_did():
    data_set()
    gone = D1 - timedelta(days=2)  # no partition / no event left

    output = _command("--from", gone.isoformat(), "--to", D2.isoformat())

    assert f"{gone}: skipped, rows kept" in output
    assert f"{D1}: {len(DAY1) + 3} rows" in output
    assert f"{D2}: {len(DAY2)} rows" in output
    assert "3 day(s) rolled up" in output  # the day before day 1 has a page view
    assert rows(D2) == DAY2

    output = _command("--from", D1.isoformat(), "--to", D1.isoformat())

    assert "re-chained total users and DoD of 1 later day(s)" in output


def test_the_command_defaults_to_yesterday():
    output = _command()

    yesterday = today_utc() - timedelta(days=1)
    assert f"{yesterday}: 0 rows" in output
    assert "1 day(s) rolled up, 0 rows written." in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-02-30"], "--from '2025-02-30' is not a date (YYYY-MM-DD)."),
        (["--to", "yesterday"], "--to 'yesterday' is not a date (YYYY-MM-DD)."),
        (["--from", "2025-03-11", "--to", "2025-03-10"], "--from 2025-03-11 is after --to"),
        (["--to", "TODAY"], "is not over yet: the newest day that can be rolled up is yesterday"),
        (["--from", "TOMORROW"], "--from TOMORROW is not over yet"),
    ],
)
def test_the_command_refuses_bad_dates_and_days_not_over(args, message):
    today = today_utc()
    args = [
        arg.replace("TODAY", today.isoformat()).replace(
            "TOMORROW", (today + timedelta(days=1)).isoformat()
        )
        for arg in args
    ]
    message = message.replace("TOMORROW", (today + timedelta(days=1)).isoformat())

    with pytest.raises(CommandError, match=re.escape(message)):
        _command(*args)
    assert not DailyRollup.objects.exists()
