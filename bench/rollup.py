"""Benchmark: the T+1 rollup of one day (``analytics.rollups.rollup_day``) against one
hand-written ``GROUP BY`` over the same events, in the same run.

1. Migrates a PostgreSQL database of its own (``--database-url``: **everything in it is
   dropped**).
2. Generates ``--events`` events (10,000,000) of yesterday (UTC) in SQL: one ``INSERT … SELECT …
   FROM generate_series`` into a table of the day's shape, then ``ATTACH PARTITION`` (the
   indexes are built once, not row by row). The spread: 200 mini programs, 3 host apps,
   three versions, 500,000 visitors (a fifth of them without a user id), each on one host app
   and using three mini programs, mostly on one version of each; 95 % production, 5 % sandbox;
   the type mix of ``bench/ingest.py`` (45 % page views, 11 % launches, 17 % JSAPI calls,
   11 % HTTP requests, 4 % start-ups, 3 % searches, 3 % favorites and blank screens).
3. Alternately, ``--rounds`` times (``--warm-up``: after one run of each; the day just
   generated is in the page cache already):
   * **baseline**: one ``SELECT app_id, host_app_id, environment, version, count(*) FILTER
     (…) …, count(DISTINCT visitor), count(DISTINCT visitor) FILTER (search) … GROUP BY`` over
     the day — every figure of the rollup at its finest grain, nothing written; run under
     the rollup's ``work_mem`` (the same session settings for both);
   * **rollup**: ``rollup_day`` — the three grains, DoD and Total Users, upserted, committed.
4. Prints each round, the best of each and the ratio (target ≤ 1.5×; MISSED when over), then
   checks the rollup's per-version rows against the baseline's figures. The day's events and
   rollup rows are dropped at the end (``--keep`` keeps them).

    .venv/bin/python bench/rollup.py --database-url postgres://postgres@127.0.0.1:5432/mpp_bench \\
        [--events 10000000] [--rounds 3] [--keep]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.resolve import django_setup, fresh_database, server_env  # noqa: E402 (after the path)

TARGET_RATIO = 1.5
APPS = 200
HOST_APPS = 3
VISITORS = 500_000
VISITOR = "CASE WHEN user_id <> '' THEN 'u:' || user_id ELSE 'd:' || device_id END"

# Per generated row: i (1..N), v (the visitor), t and w (uniform draws).
GENERATE = """
INSERT INTO {table} (occurred_at, event_id, host_app_id, app_id, version, environment,
    user_id, device_id, platform, os_version, client_version, base_version,
    type, page, name, domain, keyword, status_code, success, duration_ms)
SELECT
    %(start)s::timestamptz + (w * 86399999)::bigint * interval '1 millisecond',
    md5(i::text)::uuid,
    1 + v %% {hosts},
    '20210000' || lpad(a::text, 8, '0'),
    (ARRAY['1.0.0', '1.1.0', '1.2.3'])[1 + (v + a + (w < 0.05)::int) %% 3],
    CASE WHEN v %% 20 = 0 THEN 'sandbox' ELSE 'production' END,
    CASE WHEN v %% 5 = 0 THEN '' ELSE 'u-' || v END,
    'd-' || v,
    CASE WHEN v %% 2 = 0 THEN 'ios' ELSE 'android' END,
    '17.4.1', '10.6.0', '3.0.0',
    kind,
    CASE WHEN kind IN ('page_view', 'launch') THEN 'pages/index/index' ELSE '' END,
    CASE WHEN kind = 'jsapi_call' THEN 'getLocation' ELSE '' END,
    CASE WHEN kind = 'http_request' THEN 'api.shop.example.com' ELSE '' END,
    CASE WHEN kind = 'search' THEN 'tea' ELSE '' END,
    CASE WHEN kind = 'http_request'
         THEN (ARRAY[200, 200, 200, 304, 404, 500, 0])[1 + (i %% 7)] END,
    CASE WHEN kind IN ('jsapi_call', 'startup') THEN w > 0.03 END,
    CASE WHEN kind IN ('jsapi_call', 'http_request', 'startup') THEN (i %% 2000)::int END
FROM (
    SELECT i, v, w, 1 + (v * 37 + (i %% 3) * 11) %% {apps} AS a,
        CASE WHEN t < 0.45 THEN 'page_view' WHEN t < 0.56 THEN 'launch'
             WHEN t < 0.73 THEN 'jsapi_call' WHEN t < 0.84 THEN 'http_request'
             WHEN t < 0.88 THEN 'startup' WHEN t < 0.91 THEN 'search'
             WHEN t < 0.94 THEN 'favorite_add' WHEN t < 0.96 THEN 'favorite_remove'
             ELSE 'blank_screen' END AS kind
    FROM (
        SELECT i, (random() * {visitors})::int AS v, random() AS t, random() AS w
        FROM generate_series(1, %(events)s) AS i
    ) draws
) rows
"""

BASELINE = f"""
SELECT app_id, host_app_id, environment, version,
    count(*) FILTER (WHERE type = 'page_view') AS pv,
    count(DISTINCT {VISITOR}) AS uv,
    count(*) FILTER (WHERE type = 'launch') AS visits,
    count(*) FILTER (WHERE type = 'favorite_add') AS favorites_added,
    count(*) FILTER (WHERE type = 'favorite_remove') AS favorites_removed,
    count(DISTINCT {VISITOR}) FILTER (WHERE type = 'search') AS search_users,
    count(*) FILTER (WHERE type = 'startup') AS startups,
    count(*) FILTER (WHERE type = 'startup' AND success) AS startup_successes,
    coalesce(sum(duration_ms) FILTER (WHERE type = 'startup'), 0) AS startup_duration_ms_sum,
    count(*) FILTER (WHERE type = 'jsapi_call') AS jsapi_calls,
    count(*) FILTER (WHERE type = 'jsapi_call' AND success) AS jsapi_successes,
    count(*) FILTER (WHERE type = 'http_request') AS http_requests,
    count(*) FILTER (WHERE type = 'http_request'
                     AND (status_code = 0 OR status_code >= 400)) AS http_exceptions,
    count(*) FILTER (WHERE type = 'blank_screen') AS blank_screens
FROM analytics_event
WHERE occurred_at >= %s AND occurred_at < %s
GROUP BY app_id, host_app_id, environment, version
"""  # noqa: S608 - constants only; the range is parameters
FIGURES = (
    "pv",
    "uv",
    "visits",
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


def day_start(day: date) -> datetime:
    return datetime.combine(day, dtime.min, tzinfo=UTC)


def generate(day: date, events: int) -> float:
    """Fill the day's partition with ``events`` events; returns the seconds it took."""
    from django.db import connection, transaction

    from analytics.partitions import partition_name

    name = partition_name("analytics_event", day)
    start, end = day_start(day), day_start(day + timedelta(days=1))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SELECT setseed(0.14)")
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute(f'CREATE TABLE "{name}" (LIKE analytics_event INCLUDING DEFAULTS)')
        cursor.execute(
            GENERATE.format(table=f'"{name}"', hosts=HOST_APPS, apps=APPS, visitors=VISITORS),
            {"start": start, "events": events},
        )
        cursor.execute(  # the range check lets ATTACH skip its validating scan
            f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_day" CHECK '
            f"(occurred_at >= '{start.isoformat()}' AND occurred_at < '{end.isoformat()}')"
        )
        cursor.execute(
            f'ALTER TABLE analytics_event ATTACH PARTITION "{name}" '
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
        cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT "{name}_day"')
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{name}"')
    return time.perf_counter() - started


def baseline(day: date) -> tuple[float, list[tuple]]:
    """Seconds of the hand-written GROUP BY (under the rollup's work_mem), and its rows."""
    from django.db import connection, transaction

    from analytics.rollups import WORK_MEM

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        cursor.execute(BASELINE, [day_start(day), day_start(day + timedelta(days=1))])
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def rollup(day: date) -> tuple[float, int]:
    from analytics.rollups import rollup_day

    started = time.perf_counter()
    written = rollup_day(day)
    return time.perf_counter() - started, written


def check(baseline_rows: list[tuple]) -> int:
    """The rollup's per-version rows hold the baseline's figures; returns the rows compared."""
    from analytics.models import DailyRollup

    expected = {row[:4]: row[4:] for row in baseline_rows}
    found = {
        row[:4]: row[4:]
        for row in DailyRollup.objects.exclude(version=DailyRollup.ALL).values_list(
            "app_id", "host_app_id", "environment", "version", *FIGURES
        )
    }
    if found != expected:
        wrong = sorted(
            key for key in expected.keys() | found.keys() if found.get(key) != expected.get(key)
        )
        raise RuntimeError(f"{len(wrong)} rollup rows differ from the baseline, e.g. {wrong[:3]}")
    return len(found)


def drop(day: date) -> None:
    from django.db import connection

    from analytics.partitions import partition_name

    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{partition_name("analytics_event", day)}"')
        cursor.execute("TRUNCATE analytics_dailyrollup")


def plan(day: date) -> str:
    """EXPLAIN ANALYZE of the rollup's statement (rolled back), for ``--explain``."""
    from django.db import connection, transaction
    from django.utils import timezone

    from analytics.rollups import WORK_MEM, rollup_sql

    params = [
        day_start(day),
        day_start(day + timedelta(days=1)),
        day,
        day - timedelta(days=1),
        day,
        timezone.now(),
    ]
    lines = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        for sql, values in (
            (BASELINE, params[:2]),
            (rollup_sql(connection), params),
        ):
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", values)
            lines += [row[0] for row in cursor.fetchall()] + [""]
        transaction.set_rollback(True)
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--database-url",
        required=True,
        help="PostgreSQL, a database of its own: EVERYTHING IN IT IS DROPPED",
    )
    add("--events", type=int, default=10_000_000)
    add("--rounds", type=int, default=3)
    add("--keep", action="store_true", help="keep the generated events and rollup rows")
    add("--explain", action="store_true", help="print both plans (EXPLAIN ANALYZE) first")
    add(
        "--warm-up",
        action="store_true",
        help="run each once before the rounds (the generated day is in memory already)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print(
            "bench/rollup.py measures PostgreSQL: give a postgres:// --database-url",
            file=sys.stderr,
        )
        return 2
    django_setup(server_env(argparse.Namespace(database_url=args.database_url, redis_url="")))
    from django.db import connection

    fresh_database()
    day = datetime.now(UTC).date() - timedelta(days=1)
    seconds = generate(day, args.events)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size(%s))", [f"analytics_event_p{day:%Y%m%d}"]
        )
        size = cursor.fetchone()[0]
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor})")
    print(
        f"workload: {args.events:,} events of {day} ({size} with indexes), generated in "
        f"{seconds:.1f} s; {APPS} mini programs, {HOST_APPS} host apps, {VISITORS:,} visitors"
    )
    try:
        if args.explain:
            print(plan(day))
        if args.warm_up:
            baseline(day)
            rollup(day)
        baselines, rollups, written, rows = [], [], 0, []
        for round_ in range(1, args.rounds + 1):
            seconds, rows = baseline(day)
            baselines.append(seconds)
            seconds, written = rollup(day)
            rollups.append(seconds)
            print(
                f"round {round_}: baseline GROUP BY {baselines[-1]:.2f} s ({len(rows):,} rows); "
                f"rollup_day {rollups[-1]:.2f} s ({written:,} rows, 3 grains)"
            )
        compared = check(rows)
        best_baseline, best_rollup = min(baselines), min(rollups)
        ratio = best_rollup / best_baseline
        print(
            f"best: baseline {best_baseline:.2f} s ({args.events / best_baseline:,.0f} events/s), "
            f"rollup_day {best_rollup:.2f} s ({args.events / best_rollup:,.0f} events/s)"
        )
        print(
            f"ratio rollup / baseline: {ratio:.2f}× (target ≤ {TARGET_RATIO}×)"
            + ("" if ratio <= TARGET_RATIO else "   MISSED")
        )
        print(f"check: the rollup's {compared:,} per-version rows equal the baseline's figures")
    finally:
        if not args.keep:
            drop(day)
            print("bench data dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
