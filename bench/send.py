"""Benchmark: subscription messages (issue 13) — the merchant backend's send
(``POST /open/v1/messages``) against a bare WSGI app, same run, and the delivery that follows.

1. Seeds a database of its own (``--database-url``, PostgreSQL: **everything in it is dropped**;
   the ``--redis-url`` database is emptied): a tenant with a host app, one mini program released
   to it with an AppSecret, a long-term My Template of 3 keywords, the host app's message
   endpoint (plain HTTP on the loopback: the local endpoint below) and ``--users`` users with an
   accepted long-term subscription (5 messages a UTC day each). The subscriptions are
   bulk-created: a benchmark needs the rows, not the services' audit trail.
2. Starts a local message endpoint (asyncio, in this process: answers every POST with a 200 at
   once), the console (``console.wsgi``) with the Docker image's server (Granian, 2 × cores + 1
   processes of one request at a time, ``--workers``; ``wrk`` keeps twice as many kept-alive
   connections), under production's settings
   (``bench.settings_send``; ``bench/resolve_wsgi.py`` adds a header naming the
   worker; the send's fast path, ``miniprograms.subscriptions.fastsend``, answers the ordinary
   202s, unless ``--no-fast-path`` sends everything through the full Django stack, to compare),
   a real Celery worker on the ``notifications`` queue (``--concurrency 2``) with the
   Redis broker, and the bare app (``bench/send_bare.py``: orjson, a 202 of the same size made
   from a real answer) with the same server options. Everything runs on the same cores.
3. Gets an app accessToken from ``POST /oauth/v1/token`` (``grant_type=client_credentials``),
   sends one message and one with an ``Idempotency-Key`` twice (202, then the 200 duplicate),
   and waits until the endpoint got the first: the whole chain works.
4. Drives both servers with ``wrk`` (``bench/send.lua``), alternately, ``--rounds`` ×
   ``--duration``: the bare app, then the real endpoint — the users in turn from where the last
   run stopped, so nobody exceeds the daily quota; one request in ``--keyed`` (10) with a fresh
   ``Idempotency-Key``. After each real run it polls the database until every message is
   ``delivered``: the drain time after the send phase, and the delivery rate (messages / first
   to last ``delivered_at``) against the send rate (messages / first to last ``created_at``).
   Every answer is counted by status: anything but a 202 is reported. The CPU time used by the
   web workers, the Celery worker's processes and the database's server processes (``/proc``)
   during each run and its drain, per message, gives what 2 idle cores could do — this
   machine is shared, so rates alone say little.

Targets (issue 13): ≥ 1,000 accepted sends a second on the 2 cores, p99 of the send ≤ 50 ms,
no refusal, delivery at least as fast as the sends. A missed target is printed MISSED; the exit
status is 1 only on errors (a server that fails, the chain that does not deliver) and 2 when
``wrk`` is missing.

    .venv/bin/python bench/send.py --database-url postgres://postgres@127.0.0.1:5432/mpp_bench \\
        --redis-url redis://127.0.0.1:6379/9 [--rounds 3] [--duration 10] [--workers 5] \\
        [--connections 10] [--no-fast-path]

Needs ``wrk`` (Debian: ``apt-get install wrk``), PostgreSQL, Redis and Linux (``/proc``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.resolve import (  # noqa: E402
    Figure,
    Server,
    _children,
    _free_port,
    _ms,
    django_setup,
    fresh_database,
    seed_miniprograms,
    seed_workspace,
    start_server,
    summary,
)

VAR = ROOT / "var" / "bench"
PATH = "/open/v1/messages"
DAILY = 5  # long-term messages per user per UTC day

# A process (one request at a time) waits for each send's commit: 2 × cores + 1 of them keep
# the cores busy meanwhile (both servers get the same number).
WORKERS = 2 * len(os.sched_getaffinity(0)) + 1

TARGET_SENDS = 1000.0
TARGET_P99_MS = 50.0
# Delivery keeps up: its rate (first to last delivery) against the sends' (first to last send) —
# windows that differ by the last batch in flight, so a hair under 1.0x is noise — and every
# message delivered within this long after the last send (a growing backlog would not be).
KEEPS_UP_RATIO = 0.98
KEEPS_UP_DRAIN_SECONDS = 1.0


# --- seeding ---------------------------------------------------------------------------------


@dataclass
class Seeded:
    app_id: str
    app_secret: str
    template_id: str
    keywords: list[str]
    open_ids: list[str]


def seed(*, users: int, endpoint_url: str, batch: int = 5000) -> Seeded:
    """The benchmark's data set (see the module doc), in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from miniprograms.models import MiniProgram
    from miniprograms.secrets.models import ACCESS_TOKEN_TTL_MAX, AppSecret
    from miniprograms.secrets.oauth import open_user_id
    from miniprograms.secrets.services import appsecret_generate
    from miniprograms.subscriptions.models import MessageEndpoint, PublicTemplate, Subscription
    from miniprograms.subscriptions.selectors import library_workspace_ids
    from miniprograms.subscriptions.services import my_template_create, template_library_ensure
    from workspaces.models import Membership

    now = timezone.now()
    with transaction.atomic():
        workspace, apps = seed_workspace(host_apps=1)
        host_app_id = apps[0][0]
        (app_id,) = seed_miniprograms(
            workspace_id=workspace.pk, host_app_ids=[host_app_id], count=1
        )
        owner = Membership.objects.get(workspace=workspace)
        miniprogram = MiniProgram.objects.get(app_id=app_id)
        _row, app_secret = appsecret_generate(actor=owner, miniprogram=miniprogram)
        # the token outlives the benchmark
        AppSecret.objects.filter(miniprogram=miniprogram).update(
            access_token_ttl=ACCESS_TOKEN_TTL_MAX
        )
        template_library_ensure(workspace=workspace)
        public = (
            PublicTemplate.objects.filter(workspace=workspace, kind="long_term")
            .order_by("id")
            .first()
        )
        if public is None:
            raise RuntimeError("the seeded library has no long-term template")
        template = my_template_create(
            actor=owner,
            miniprogram=miniprogram,
            public_template=public,
            keywords=list(public.keywords[:3]),
            library_workspace_ids=library_workspace_ids(miniprogram=miniprogram),
        )
        MessageEndpoint.objects.create(
            host_app_id=host_app_id,
            url=endpoint_url,
            secret_salt=secrets.token_hex(32),
            secret_rotated_at=now,
        )
        open_ids = []
        for first in range(0, users, batch):
            rows = []
            for n in range(first, min(first + batch, users)):
                user_id = f"user-{n}"
                open_id = open_user_id(app_id=app_id, host_app_id=host_app_id, user_id=user_id)
                open_ids.append(open_id)
                rows.append(
                    Subscription(
                        my_template=template,
                        miniprogram=miniprogram,
                        host_app_id=host_app_id,
                        user_id=user_id,
                        open_user_id=open_id,
                        kind="long_term",
                        status="accepted",
                        decided_at=now,
                    )
                )
            Subscription.objects.bulk_create(rows)
    return Seeded(
        app_id=app_id,
        app_secret=app_secret,
        template_id=template.template_id,
        keywords=list(template.keywords),
        open_ids=open_ids,
    )


def send_body(seeded: Seeded, n: int) -> bytes:
    """The send to user number ``n``: every keyword filled, a page with an order number."""
    values = (f"SO-{20260000 + n}", f"Parcel {n % 97} of order {n}", "SF Express, Hangzhou hub")
    return orjson.dumps(
        {
            "template_id": seeded.template_id,
            "to_user_id": seeded.open_ids[n],
            "page": f"pages/order/detail?id={n}",
            "data": {name: values[i % len(values)] for i, name in enumerate(seeded.keywords)},
        }
    )


# --- the local message endpoint ----------------------------------------------------------------


class Endpoint:
    """A fast HTTP server on the loopback (asyncio, a thread of this process): every request is
    answered 200 with an empty body as soon as its body is read; counts them."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.received = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-endpoint", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mpp/messages"

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the local message endpoint did not start")

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=1024)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                self.received += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()


# --- HTTP, the worker, wrk -----------------------------------------------------------------------


def request(
    port: int, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            method,
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
                **{k.replace("_", "-"): v for k, v in headers.items()},
            },
        )
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def start_worker(env: dict[str, str], concurrency: int) -> subprocess.Popen:
    log = VAR / "celery-send.log"
    return subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "console",
            "worker",
            "-Q",
            "notifications",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Run:
    label: str
    rps: float  # accepted (202) answers a second; every answer for the bare app
    p50_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]


def run_wrk(
    args: argparse.Namespace, label: str, port: int, pool: Path, *, start: int, seconds: float
) -> Run:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "send.lua"),
        f"http://127.0.0.1:{port}{PATH}",
        "--",
        str(pool),
        str(start),
        secrets.token_hex(4),
        str(args.keyed),
        str(args.threads),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({label}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("RESULT "))
    errors = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    if errors or data["requests"] == 0:
        raise RuntimeError(f"{label}: {errors} errors in {data['requests']} requests: {data}")
    statuses = {k: data[k] for k in ("s202", "s200", "s429", "other") if data[k]}
    return Run(
        label=label,
        rps=data["s202"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        statuses=statuses,
    )


# --- delivery ------------------------------------------------------------------------------------


@dataclass
class Drain:
    messages: int  # messages created during the run
    backlog: int  # not yet delivered when the send phase ended
    seconds: float  # from the end of the send phase until every message was delivered
    rate: float  # delivered a second: messages / (last delivered_at - first delivered_at)
    send_rate: float  # accepted a second, the same way: messages / (last - first created_at)
    failed: int


def drain(started: datetime, ended: float, timeout: float) -> Drain:
    """Poll until no message is queued or sending; the figures of the messages since
    ``started`` (a database time) — ``ended`` is the monotonic time the send phase ended."""
    from django.db import connection
    from django.db.models import Count, Max, Min

    from miniprograms.subscriptions.models import Message

    backlog = None
    while True:
        pending = Message.objects.filter(state__in=("queued", "sending")).count()
        if backlog is None:
            backlog = pending
        if pending == 0:
            done = time.monotonic()
            break
        if time.monotonic() - ended > timeout:
            raise RuntimeError(f"{pending} messages still undelivered {timeout:g} s after the run")
        time.sleep(0.05)
    rows = Message.objects.filter(created_at__gte=started)
    figures = rows.aggregate(
        n=Count("id"),
        first=Min("delivered_at"),
        last=Max("delivered_at"),
        first_sent=Min("created_at"),
        last_sent=Max("created_at"),
    )
    failed = rows.filter(state="failed").count()
    connection.close()

    def rate(first: datetime | None, last: datetime | None) -> float:
        span = (last - first).total_seconds() if first and last else 0.0
        return figures["n"] / span if span > 0 else 0.0

    return Drain(
        messages=figures["n"],
        backlog=backlog,
        seconds=done - ended,
        rate=rate(figures["first"], figures["last"]),
        send_rate=rate(figures["first_sent"], figures["last_sent"]),
        failed=failed,
    )


def db_now() -> datetime:
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    connection.close()
    return now


def autovacuum_on() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        on = cursor.fetchone()[0] == "on"
    connection.close()
    return on


def vacuum_instead() -> None:
    """VACUUM (ANALYZE) the two tables a send writes, as the server's autovacuum would have:
    the messages table asks for it after every 10,000 dead rows (miniprograms migration 0009),
    and each message leaves two dead versions."""
    from django.db import connection

    from miniprograms.subscriptions.models import Message, Subscription

    with connection.cursor() as cursor:
        for model in (Message, Subscription):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
    connection.close()


# --- CPU accounting (a machine shared with other work: rates alone say little) ------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


def backends() -> list[int]:
    """The PostgreSQL server processes of this database, but this script's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


class CPU:
    """CPU seconds used between ``start()`` and ``stop()`` by the web server's workers, the Celery
    worker's processes and the database's server processes (each group's processes as seen at
    both ends: a process that came and went in between is missed)."""

    def __init__(self, web: Server, worker: subprocess.Popen | None) -> None:
        self.web, self.worker = web, worker
        self.before: dict[str, dict[int, float]] = {}

    def _sample(self) -> dict[str, dict[int, float]]:
        groups = {
            "web": self.web.workers(),
            "worker": [self.worker.pid, *descendants(self.worker.pid)] if self.worker else [],
            "database": backends(),
        }
        return {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        used = {}
        for name, pids in after.items():
            earlier = self.before.get(name, {})
            used[name] = sum(max(0.0, t - earlier.get(pid, 0.0)) for pid, t in pids.items())
        return used


# --- the phases ----------------------------------------------------------------------------------


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings' environment, with throwaway secrets (made anew each run)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_send",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "HASH_PEPPER": secrets.token_hex(32),
        "RUNTIME_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "smtp://mail.invalid:25",  # production requires one; nothing is sent
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(VAR / "media"),
        "SITE_URL": "https://mpp.example.com",
        "WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1",  # the local message endpoint
        "BENCH_SEND_FAST_PATH": "0" if args.no_fast_path else "1",
    }


def check_chain(real: Server, seeded: Seeded, token: str, timeout: float = 60) -> dict[str, Any]:
    """Users 0 and 1: a send (202), a keyed send twice (202, then the 200 duplicate); wait until
    the endpoint got them. Returns the first answer (body and headers) for the bare app."""
    from miniprograms.subscriptions.models import Message

    auth = {"Authorization": f"Bearer {token}"}
    status, headers, answer = request(real.port, "POST", PATH, send_body(seeded, 0), **auth)
    if status != 202:
        raise RuntimeError(f"send: HTTP {status}: {answer[:300]!r} (its log: {real.log})")
    keyed = {**auth, "Idempotency-Key": "bench-check-1"}
    for expected in (202, 200):
        got, _h, body = request(real.port, "POST", PATH, send_body(seeded, 1), **keyed)
        if got != expected:
            raise RuntimeError(f"keyed send: HTTP {got} (expected {expected}): {body[:300]!r}")
    deadline = time.monotonic() + timeout
    while Message.objects.exclude(state="delivered").exists():
        if time.monotonic() > deadline:
            states = list(Message.objects.values_list("state", "last_error"))
            raise RuntimeError(
                f"the worker did not deliver in {timeout:g} s: {states} "
                f"(its log: {VAR / 'celery-send.log'})"
            )
        time.sleep(0.1)
    return {"body": orjson.loads(answer), "headers": headers}


def app_token(port: int, seeded: Seeded) -> str:
    body = orjson.dumps(
        {
            "grant_type": "client_credentials",
            "app_id": seeded.app_id,
            "app_secret": seeded.app_secret,
        }
    )
    status, _headers, answer = request(port, "POST", "/oauth/v1/token", body)
    if status != 200:
        raise RuntimeError(f"/oauth/v1/token: HTTP {status}: {answer[:300]!r}")
    return orjson.loads(answer)["access_token"]


def load_phase(args: argparse.Namespace, env: dict[str, str], seeded: Seeded) -> list[Figure]:
    servers: list[Server] = []
    worker = start_worker(env, args.worker_concurrency)
    try:
        real = start_server("send-real", "bench.resolve_wsgi:application", env, args.workers)
        servers.append(real)
        token = app_token(real.port, seeded)
        template = check_chain(real, seeded, token)
        pool = VAR / "send-pool.tsv"
        with pool.open("w") as fh:
            for n in range(len(seeded.open_ids)):
                fh.write(f"{token}\t{send_body(seeded, n).decode()}\n")
        answer = VAR / "send-answer.json"
        answer.write_bytes(orjson.dumps(template))
        bare_env = {**env, "SEND_BARE_TEMPLATE": str(answer)}
        bare = start_server("send-bare", "bench.send_bare:application", bare_env, args.workers)
        servers.append(bare)
        sizes = (
            len(
                request(bare.port, "POST", PATH, send_body(seeded, 2), Authorization="Bearer x")[2]
            ),
            len(orjson.dumps(template["body"])),
        )
        print(
            f"the chain works: token, a send (202), a keyed send twice (202, 200), both "
            f"delivered; answer size real {sizes[1]} B, bare {sizes[0]} B"
        )
        start = 2  # users 0 and 1 sent to already
        for label, server in (("bare", bare), ("real", real)):  # warm up, not counted
            run = run_wrk(args, label, server.port, pool, start=start, seconds=args.warmup)
            if label == "real":
                start += run.requests
        drain(db_now(), time.monotonic(), args.drain_timeout)
        print(
            f"wrk -t{args.threads} -c{args.connections}: {args.rounds} rounds × "
            f"{args.duration:g} s, alternating; Granian: {args.workers} processes each; "
            f"Celery worker: -Q notifications --concurrency {args.worker_concurrency}; "
            f"{len(seeded.open_ids):,} users, an Idempotency-Key on 1 request in {args.keyed}; "
            f"the send's fast path {'OFF' if args.no_fast_path else 'on'}"
        )
        vacuum = not autovacuum_on()
        if vacuum:
            print(
                "  (this PostgreSQL server runs with autovacuum off: the messages and "
                "subscriptions tables are vacuumed before each real round, as the messages "
                "table's autovacuum settings would have done — after every 10,000 dead rows)"
            )
        runs: dict[str, list[Run]] = {"bare": [], "real": []}
        drains: list[Drain] = []
        refused: dict[str, int] = {}
        costs: dict[str, list[dict[str, float]]] = {"bare": [], "real": []}
        bare_cpu, real_cpu = CPU(bare, None), CPU(real, worker)
        for number in range(1, args.rounds + 1):
            bare_cpu.start()
            run = run_wrk(args, "bare", bare.port, pool, start=start, seconds=args.duration)
            cost = {"web": bare_cpu.stop()["web"] * 1000 / run.requests}
            costs["bare"].append(cost)
            runs["bare"].append(run)
            print(
                f"  round {number}  bare  {run.rps:8,.0f} req/s   p50 {_ms(run.p50_ms):>8s}   "
                f"p99 {_ms(run.p99_ms):>8s}   CPU {cost['web']:.2f} ms a request"
            )
            if vacuum:  # what autovacuum does on a production server (see vacuum_instead)
                vacuum_instead()
            began = db_now()
            real_cpu.start()
            run = run_wrk(args, "real", real.port, pool, start=start, seconds=args.duration)
            ended = time.monotonic()
            start += run.requests
            if start > len(seeded.open_ids) * DAILY:
                raise RuntimeError("the users' daily quota ran out: seed more (--users)")
            runs["real"].append(run)
            for status, count in run.statuses.items():
                if status != "s202":
                    refused[status] = refused.get(status, 0) + count
            result = drain(began, ended, args.drain_timeout)
            used = real_cpu.stop()
            cost = {name: sec * 1000 / max(result.messages, 1) for name, sec in used.items()}
            costs["real"].append(cost)
            drains.append(result)
            print(
                f"  round {number}  real  {run.rps:8,.0f} sends/s accepted   "
                f"p50 {_ms(run.p50_ms):>8s}   p99 {_ms(run.p99_ms):>8s}   answers {run.statuses}"
                f"\n           delivery: {result.messages:,} messages, {result.backlog:,} not yet "
                f"delivered at the end of the sends, all delivered {result.seconds:.2f} s later; "
                f"{result.rate:,.0f} delivered/s (first to last delivery) against "
                f"{result.send_rate:,.0f} sent/s (first to last send); {result.failed} failed"
                f"\n           CPU a message, sent and delivered: "
                + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cost.items())
                + f" = {sum(cost.values()):.2f} ms"
            )
        return figures(runs, drains, refused, costs)
    finally:
        for server in servers:
            server.stop()
        stop_process(worker)


def figures(
    runs: dict[str, list[Run]],
    drains: list[Drain],
    refused: dict[str, int],
    costs: dict[str, list[dict[str, float]]],
) -> list[Figure]:
    medians = {
        label: (
            statistics.median(r.rps for r in items),
            statistics.median(r.p50_ms for r in items),
            statistics.median(r.p99_ms for r in items),
        )
        for label, items in runs.items()
    }
    print(f"\n{'median of the rounds':22s} {'req/s':>9s} {'p50':>9s} {'p99':>9s}")
    for label, (rps, p50, p99) in medians.items():
        print(f"{label:22s} {rps:9,.0f} {_ms(p50):>9s} {_ms(p99):>9s}")
    sends, p99 = medians["real"][0], medians["real"][2]
    ratio = statistics.median(d.rate / d.send_rate if d.send_rate else 0.0 for d in drains)
    rate = statistics.median(d.rate for d in drains)
    seconds = statistics.median(d.seconds for d in drains)
    failed = sum(d.failed for d in drains)
    others = sum(refused.values())
    cost = {name: statistics.median(c[name] for c in costs["real"]) for name in costs["real"][0]}
    total = sum(cost.values())
    bare_cost = statistics.median(c["web"] for c in costs["bare"])
    print(
        "\nCPU a message, sent and delivered (median): "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cost.items())
        + f" = {total:.2f} ms; the bare app {bare_cost:.2f} ms a request"
    )
    return [
        (
            f"CPU bound on 2 idle cores: about {2000 / total:,.0f} messages/s sent and delivered "
            f"(2,000 CPU ms a second / {total:.2f} ms a message; this machine's load: "
            f"{os.getloadavg()[0]:.1f})  (information)",
            None,
        ),
        (
            f"accepted sends: {sends:,.0f}/s  (target >= {TARGET_SENDS:,.0f}/s)",
            sends >= TARGET_SENDS,
        ),
        (f"p99 of the send: {_ms(p99)}  (target <= {TARGET_P99_MS:g} ms)", p99 <= TARGET_P99_MS),
        (f"throughput real/bare: {sends / medians['bare'][0]:.2f}x  (information)", None),
        (
            f"answers other than 202: {others} {refused or ''}  (target 0)",
            others == 0,
        ),
        (
            f"delivery: {rate:,.0f} delivered/s, {ratio:.2f}x the rate of the sends over the same "
            f"run; every message delivered {seconds:.2f} s after the sends ended (median); "
            f"{failed} failed  (target: delivery keeps up — delivery/s >= 0.98x sends/s, the "
            "two rates' windows differing by the last batch, and drained within 1 s — none failed)",
            ratio >= KEEPS_UP_RATIO and seconds <= KEEPS_UP_DRAIN_SECONDS and failed == 0,
        ),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--database-url",
        required=True,
        help="a PostgreSQL database of its own: EVERYTHING IN IT IS DROPPED",
    )
    add("--redis-url", required=True, help="a Redis database of its own: it is emptied")
    add("--users", type=int, default=30_000, help="users with a long-term subscription")
    add(
        "--workers",
        type=int,
        default=WORKERS,
        help="web server processes of each server (default: 2 × cores + 1)",
    )
    add("--worker-concurrency", type=int, default=2, help="Celery worker processes")
    add("--rounds", type=int, default=3)
    add("--duration", type=float, default=10, help="seconds of each wrk run")
    add("--warmup", type=float, default=3, help="seconds of warm-up of each server, not counted")
    add("--threads", type=int, default=1, help="wrk threads")
    add("--connections", type=int, help="wrk connections (default: 2 × workers)")
    add("--keyed", type=int, default=10, help="one request in this many has an Idempotency-Key")
    add("--drain-timeout", type=float, default=300, help="seconds to wait for the deliveries")
    add(
        "--no-fast-path",
        action="store_true",
        help="every send through the full Django stack (the fast path off), to compare",
    )
    args = parser.parse_args()
    if args.connections is None:
        args.connections = 2 * args.workers
    return args


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print(
            "bench/send.py needs wrk, the HTTP load generator: apt-get install wrk "
            "(Debian/Ubuntu), or build it from https://github.com/wg/wrk",
            file=sys.stderr,
        )
        return 2
    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    django_setup(env)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("bench/send.py needs PostgreSQL (--database-url postgres://…)")
    print(f"database: {connection.settings_dict['NAME']}; Redis: {args.redis_url}")
    started = time.perf_counter()
    fresh_database(args.redis_url)
    print(f"migrated a fresh database in {time.perf_counter() - started:.1f} s")
    endpoint = Endpoint()
    endpoint.start()
    try:
        started = time.perf_counter()
        seeded = seed(users=args.users, endpoint_url=endpoint.url)
        connection.close()
        print(
            f"seeded {len(seeded.open_ids):,} users with a long-term subscription "
            f"({DAILY} messages a day each) in {time.perf_counter() - started:.1f} s"
        )
        result = load_phase(args, env, seeded)
        print(f"the local endpoint received {endpoint.received:,} POSTs")
    finally:
        endpoint.stop()
    return summary(result)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
