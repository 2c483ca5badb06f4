"""Benchmark: SDK event ingestion end to end (HTTP batches → Redis stream → PostgreSQL through
the drain) against a raw ``COPY`` of the same rows, in the same run.

1. Migrates a database of its own (``--database-url``, PostgreSQL: **everything in it is
   dropped**; its ``--redis-url`` database is emptied) and creates a tenant with a host app.
2. Builds ``--events`` events (unique ids, the last hour, a realistic mix: page views, launches,
   JSAPI calls, HTTP requests, start-ups, searches, favorites and ~10 % log lines) as request
   bodies of ``--batch`` events sharing one device's ``context``, as the SDK sends them; and
   the very rows they become, as ``COPY`` text with real timestamps (not timed).
3. Alternately, ``--rounds`` times (tables truncated before each measurement):
   * **COPY**: the rows written with one ``COPY`` per table straight into the partitioned
     tables, committed — the baseline;
   * **end to end**: the Docker image's server (Granian, ``--workers`` processes, production
     settings) serves ``POST /runtime/v1/events``; ``--clients`` threads (2: one per worker, so
     requests do not queue) send every body; ``--drains`` ``manage.py analytics_drain``
     processes (1) write the stream; the clock stops when the stream is empty and nothing is
     pending (every row committed), and the row count is checked. A few requests warm the
     servers up first.
4. Prints the best round of each, the ratio (target ≥ 0.25× COPY) and the web latency per
   batch (p50/p99 over every request of every round, target p99 ≤ 50 ms). A missed target is
   printed MISSED; the exit status is 1 only on errors.

    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:5432/mpp_bench \\
        --redis-url redis://127.0.0.1:6379/9 [--events 200000] [--rounds 2] [--gzip]

Server logs: ``var/bench/server-ingest.log`` and ``var/bench/drain-<n>.log``.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.resolve import (  # noqa: E402 (after the path)
    VAR,
    django_setup,
    fresh_database,
    seed_workspace,
    server_env,
    start_server,
)

PATH = "/runtime/v1/events"
TARGET_RATIO = 0.25
TARGET_P99_MS = 50.0
PAGES = [f"pages/{name}/{name}" for name in ("index", "goods", "cart", "pay", "me", "search")]
JSAPIS = ("getLocation", "request", "chooseImage", "getStorage", "setStorage", "scanCode")
DOMAINS = ("api.shop.example.com", "img.cdn.example.com", "pay.example.com")
PLATFORMS = {"android": ("12", "13", "14"), "ios": ("16.7.2", "17.4.1", "18.1")}


@dataclass
class Workload:
    bodies: list[bytes]
    events: int
    logs: int
    copy_events: bytes  # the same rows, COPY text with ISO timestamps (the baseline)
    copy_logs: bytes


@dataclass
class EndToEnd:
    seconds: float
    sent: float = 0.0  # seconds until the last request was answered
    latencies_ms: list[float] = field(default_factory=list)
    throttled: int = 0


def _event(rng: random.Random, now_ms: int, app_ids: list[str]) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "ts": now_ms - rng.randrange(3_600_000),
        "app_id": rng.choice(app_ids),
    }
    roll = rng.random()
    if roll < 0.45:
        event.update(type="page_view", page=rng.choice(PAGES))
    elif roll < 0.55:
        event.update(type="launch", page=PAGES[0])
    elif roll < 0.70:
        event.update(
            type="jsapi_call",
            name=rng.choice(JSAPIS),
            success=rng.random() < 0.97,
            duration_ms=rng.randrange(1, 300),
        )
    elif roll < 0.80:
        event.update(
            type="http_request",
            domain=rng.choice(DOMAINS),
            status=rng.choice((200, 200, 200, 304, 404, 500)),
            duration_ms=rng.randrange(5, 2000),
        )
    elif roll < 0.84:
        event.update(
            type="startup", success=rng.random() < 0.99, duration_ms=rng.randrange(200, 4000)
        )
    elif roll < 0.87:
        event.update(type="search", keyword=rng.choice(("tea", "shoes", "phone case")))
    elif roll < 0.90:
        event.update(type=rng.choice(("favorite_add", "favorite_remove", "blank_screen")))
    else:
        event.update(
            type="log",
            level=rng.choice(("debug", "info", "info", "warn", "error")),
            message=f"request {rng.randrange(10**6)} took {rng.randrange(900)} ms\tretrying",
            page=rng.choice(PAGES),
            guid=f"g-{rng.randrange(10**9)}",
        )
    return event


def build_workload(*, events: int, batch: int, host_app_id: int, use_gzip: bool) -> Workload:
    from analytics.batch import EVENT_COLUMNS, LOG_COLUMNS, batch_parse, copy_text, ms_datetime

    rng = random.Random(14)  # noqa: S311 - test data, the same on every run
    now_ms = int(time.time() * 1000)
    app_ids = [f"20210000{n:08d}" for n in range(1, 201)]
    bodies, event_rows, log_rows = [], [], []
    for start in range(0, events, batch):
        platform = rng.choice(sorted(PLATFORMS))
        context = {
            "env": "production",
            "version": rng.choice(("1.0.0", "1.1.0", "1.2.3")),
            "device_id": f"d-{rng.randrange(10**9)}",
            "user_id": f"u-{rng.randrange(10**7)}",
            "platform": platform,
            "os_version": rng.choice(PLATFORMS[platform]),
            "client_version": rng.choice(("10.5.3", "10.6.0")),
            "base_version": rng.choice(("2.9.1", "3.0.0")),
        }
        items = [_event(rng, now_ms, app_ids) for _ in range(min(batch, events - start))]
        body = orjson.dumps({"context": context, "events": items})
        parsed = batch_parse(orjson.loads(body), host_app_id=host_app_id, now_ms=now_ms)
        if parsed.errors:
            raise RuntimeError(f"the workload has invalid events: {parsed.errors[:3]}")
        event_rows += parsed.events
        log_rows += parsed.logs
        bodies.append(gzip.compress(body, 5) if use_gzip else body)

    def with_time(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [(ms_datetime(row[0]).isoformat(), *row[1:]) for row in rows]

    assert EVENT_COLUMNS[0] == LOG_COLUMNS[0] == "occurred_at"
    return Workload(
        bodies=bodies,
        events=len(event_rows),
        logs=len(log_rows),
        copy_events=copy_text(with_time(event_rows)),
        copy_logs=copy_text(with_time(log_rows), LOG_COLUMNS),
    )


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE analytics_event, analytics_logline")


def count_rows() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM analytics_event)"
            " + (SELECT count(*) FROM analytics_logline)"
        )
        return int(cursor.fetchone()[0])


def raw_copy(workload: Workload) -> float:
    """Seconds to COPY every row straight into the tables and commit (the baseline)."""
    from django.db import connection, transaction

    from analytics.batch import EVENT_COLUMNS, LOG_COLUMNS

    truncate()
    started = time.perf_counter()
    with transaction.atomic():
        cursor = connection.connection.cursor()
        for table, columns, data in (
            ("analytics_event", EVENT_COLUMNS, workload.copy_events),
            ("analytics_logline", LOG_COLUMNS, workload.copy_logs),
        ):
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for offset in range(0, len(data), 1 << 20):
                    copy.write(data[offset : offset + (1 << 20)])
    seconds = time.perf_counter() - started
    if count_rows() != workload.events + workload.logs:
        raise RuntimeError("the baseline COPY did not write every row")
    return seconds


def _send(
    port: int,
    key: str,
    secret: str,
    bodies: list[bytes],
    use_gzip: bool,
    out: EndToEnd,
    lock: threading.Lock,
    errors: list[str],
) -> None:
    headers = {
        "Content-Type": "application/json",
        "X-MPP-App-Key": key,
        "Authorization": f"Bearer {secret}",
        "X-Forwarded-Proto": "https",
    }
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    latencies, throttled = [], 0
    for body in bodies:
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            started = time.perf_counter()
            try:
                connection.request("POST", PATH, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            finally:
                connection.close()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status == 429:
                throttled += 1
                time.sleep(float(response.getheader("Retry-After") or 1))
                continue
            if response.status != 202 or orjson.loads(payload)["rejected"]:
                errors.append(f"{response.status}: {payload[:300]!r}")
                return
            break
    with lock:
        out.latencies_ms += latencies
        out.throttled += throttled


def end_to_end(
    workload: Workload,
    *,
    port: int,
    key: str,
    secret: str,
    args: argparse.Namespace,
    check: bool = True,
) -> EndToEnd:
    """Seconds from the first request to the last row committed, with the web latencies."""
    import redis

    from analytics.stream import stream_key

    truncate()
    client = redis.Redis.from_url(args.redis_url)
    stream = stream_key()
    result, lock, errors = EndToEnd(seconds=0.0), threading.Lock(), []
    shares = [workload.bodies[n :: args.clients] for n in range(args.clients)]
    threads = [
        threading.Thread(
            target=_send, args=(port, key, secret, share, args.gzip, result, lock, errors)
        )
        for share in shares
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    result.sent = time.perf_counter() - started
    while True:  # every entry written, committed and acknowledged (then deleted)
        if client.xlen(stream) == 0:
            groups = client.xinfo_groups(stream)
            if all(group["pending"] == 0 for group in groups):
                break
        time.sleep(0.005)
    result.seconds = time.perf_counter() - started
    rows = count_rows()
    if check and rows != workload.events + workload.logs:
        raise RuntimeError(f"end to end wrote {rows:,} rows of {workload.events + workload.logs:,}")
    return result


def start_drains(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    drains = []
    for number in range(count):
        log = (VAR / f"drain-{number}.log").open("wb")
        drains.append(
            subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "analytics_drain", "--consumer", f"bench-{number}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return drains


def _mark(met: bool) -> str:
    return "" if met else "   MISSED"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--database-url",
        required=True,
        help="PostgreSQL, a database of its own: EVERYTHING IN IT IS DROPPED",
    )
    add("--redis-url", required=True, help="a Redis database of its own: it is emptied")
    add("--events", type=int, default=200_000)
    add("--batch", type=int, default=500, help="events per request")
    add("--rounds", type=int, default=2)
    add("--workers", type=int, default=2, help="web server processes (one request at a time each)")
    add(
        "--clients",
        type=int,
        default=2,
        help="concurrent senders (one per web worker: no queueing)",
    )
    add("--drains", type=int, default=1, help="analytics_drain processes")
    add("--gzip", action="store_true", help="send the bodies gzipped")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print(
            "bench/ingest.py measures PostgreSQL COPY: give a postgres:// --database-url",
            file=sys.stderr,
        )
        return 2
    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    env["ANALYTICS_STREAM_MAX_LENGTH"] = str(max(2000, args.events // args.batch + 10))
    django_setup(env)
    from django.db import connection

    fresh_database(args.redis_url)
    _workspace, [(host_app_id, key, secret)] = seed_workspace(host_apps=1)
    started = time.perf_counter()
    workload = build_workload(
        events=args.events, batch=args.batch, host_app_id=host_app_id, use_gzip=args.gzip
    )
    size = sum(len(b) for b in workload.bodies) / len(workload.bodies) / 1024
    database = connection.settings_dict["NAME"]
    print(f"database: {database} ({connection.vendor}); Redis: {args.redis_url}")
    print(
        f"workload: {workload.events:,} events + {workload.logs:,} log lines in "
        f"{len(workload.bodies):,} requests of {args.batch} "
        f"({size:.0f} KB{' gzipped' if args.gzip else ''}), built in "
        f"{time.perf_counter() - started:.1f} s; {args.workers} web workers, "
        f"{args.clients} clients, {args.drains} drain(s)"
    )
    total = workload.events + workload.logs
    server = start_server("ingest", "console.wsgi", env, args.workers)
    drains = start_drains(env, args.drains)
    copies, runs = [], []
    try:
        warm = argparse.Namespace(**{**vars(args), "clients": args.workers})
        warm_up = Workload(workload.bodies[: 4 * args.workers], 0, 0, b"", b"")
        end_to_end(warm_up, port=server.port, key=key, secret=secret, args=warm, check=False)
        for round_ in range(1, args.rounds + 1):
            copies.append(raw_copy(workload))
            runs.append(end_to_end(workload, port=server.port, key=key, secret=secret, args=args))
            print(
                f"round {round_}: COPY {total / copies[-1]:,.0f} events/s ({copies[-1]:.2f} s); "
                f"end to end {total / runs[-1].seconds:,.0f} events/s ({runs[-1].seconds:.2f} s, "
                f"the last request answered after {runs[-1].sent:.2f} s), "
                f"{runs[-1].throttled} × 429"
            )
            for drain in drains:
                if drain.poll() is not None:
                    raise RuntimeError(
                        f"a drain exited ({drain.returncode}); see {VAR}/drain-*.log"
                    )
    finally:
        for drain in drains:
            drain.terminate()
        for drain in drains:
            drain.wait(timeout=30)
        server.stop()
    copy_rate = total / min(copies)
    e2e_rate = total / min(run.seconds for run in runs)
    latencies = sorted(ms for run in runs for ms in run.latencies_ms)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    ratio = e2e_rate / copy_rate
    print()
    print(f"raw COPY (best of {args.rounds}):        {copy_rate:,.0f} events/s")
    print(f"end to end (best of {args.rounds}):      {e2e_rate:,.0f} events/s")
    print(
        f"ratio:                          {ratio:.2f}× (target >= {TARGET_RATIO}×)"
        + _mark(ratio >= TARGET_RATIO)
    )
    print(
        f"web latency per batch:          p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"(target p99 <= {TARGET_P99_MS:g} ms){_mark(p99 <= TARGET_P99_MS)}"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
