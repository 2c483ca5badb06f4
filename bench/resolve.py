"""Benchmark: the runtime API (``POST /runtime/v1/resolve``) against a bare WSGI app, same run.

1. Seeds a database of its own (SQLite under var/bench/ unless ``--database-url``; everything
   in it is dropped first, and the ``--redis-url`` database is emptied): 1,000 mini programs ×
   2 host apps × 4 environments, each with an online release of a built version (artifact
   rows: complete, main, two subpackages, index; no package files: the runtime never opens
   them), and 100 delivering grayscale tasks on production targets — every tenth with a
   10,000-account list, the others with percentages, version, platform and network
   conditions and user limits. Rows are bulk-created: a benchmark needs the data, not the
   services' audit trail.
2. Serves the console (``console.wsgi``) with the Docker image's server
   (Granian, 2 processes of one request at a time), under production's
   settings (``bench.settings_resolve``; ``bench/resolve_wsgi.py`` adds a header naming the
   worker), and the bare app (``bench/resolve_bare.py``: orjson, a body of the same size) with
   the same server options.
3. Builds a pool of varied launches (host app, environment, device, account, platform, OS and
   app version, network, language; 20 App IDs each, two of them with a grayscale task), sends
   each once to the real endpoint to check it and keep its ETag, then drives both servers
   with ``wrk`` (``bench/resolve.lua``), alternately, ``--rounds`` × ``--duration``: the bare
   app, the real endpoint (200 path), the real endpoint with ``If-None-Match`` (304 path).
4. Bumps the runtime revision and polls until every worker answers with the new one.
5. Adds mini programs up to ``--snapshot-miniprograms`` (10,000) and times the snapshot build
   in a fresh process: wall time, resident memory growth and tracemalloc's count.

Targets (issue 11): throughput ≥ 0.6 × the bare app, p99 ≤ 15 ms, the 304 path at least as
fast as the 200 path, a 10,000-program snapshot in ≤ 1 s and ≤ 100 MB, a change visible in
every worker in ≤ 2 s. A missed target is printed MISSED; the exit status is 1 only on errors
(a server that fails, answers that are errors) and 2 when ``wrk`` is missing.

    .venv/bin/python bench/resolve.py [--rounds 3] [--duration 10] [--connections 4]
        [--database-url postgres://…/mpp_bench] [--redis-url redis://127.0.0.1:6379/9]
    .venv/bin/python bench/resolve.py --snapshot-only [--snapshot-miniprograms 10000]

Needs ``wrk`` (Debian: ``apt-get install wrk``) and Linux (``/proc``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PATH = "/runtime/v1/resolve"
ENVIRONMENTS = ("development", "test", "sandbox", "production")
APPS_PER_REQUEST = 20
TEMPLATE_ANSWERS = 100  # the bare app answers with the results of this many real answers

TARGET_RATIO = 0.6
TARGET_P99_MS = 15.0
TARGET_304_RATIO = 1.0
TARGET_SNAPSHOT_S = 1.0
TARGET_SNAPSHOT_MB = 100.0
TARGET_VISIBLE_S = 2.0

# The devices of the request pool.
PLATFORMS = {
    "android": ("10", "12", "13", "14", "15"),
    "ios": ("15.8", "16.7.2", "17.4.1", "18.1"),
    "harmonyos": ("4.0", "4.2"),
}
HOST_APP_VERSIONS = ("7.9.0", "8.0.0", "8.2.1", "8.3.0", "9.0.3")
NETWORKS = ("wifi", "wifi", "5g", "4g", "3g", "unknown", "")
LANGUAGES = ("en", "en", "zh-Hans", "zh-Hant-HK", "ja", "id", "")
ACCOUNTS = 1_000_000  # accounts are "user-<n>", n below this; grayscale lists draw from them


# --- seeding (needs Django set up; also run by releases/tests/test_bench_resolve_seed.py) --------


@dataclass
class Seeded:
    """What the seeding made that the load needs: host apps (id, key, secret) and App IDs."""

    host_apps: list[tuple[int, str, str]]
    app_ids: list[str]
    grayscale_app_ids: list[str] = field(default_factory=list)
    grayscale: str = "grayscale: not available"
    # (App ID, account) pairs where the account is on the list of that program's task.
    listed: list[tuple[str, str]] = field(default_factory=list)


def seed(
    *,
    miniprograms: int = 1000,
    host_apps: int = 2,
    grayscale_tasks: int = 100,
    list_size: int = 10_000,
    rng_seed: int = 11,
) -> Seeded:
    """The benchmark's data set in the current database (see the module doc), in one
    transaction; returns the host apps' secrets and the App IDs."""
    from django.db import transaction

    rng = random.Random(rng_seed)  # noqa: S311 - test data, the same on every run
    with transaction.atomic():
        workspace, apps = seed_workspace(host_apps=host_apps)
        app_ids = seed_miniprograms(
            workspace_id=workspace.pk, host_app_ids=[pk for pk, _k, _s in apps], count=miniprograms
        )
        gray = seed_grayscale(app_ids=app_ids, tasks=grayscale_tasks, list_size=list_size, rng=rng)
    seeded = Seeded(host_apps=apps, app_ids=app_ids)
    if gray is not None:
        seeded.grayscale_app_ids, seeded.grayscale, seeded.listed = gray
    return seeded


def seed_workspace(*, host_apps: int) -> tuple[Any, list[tuple[int, str, str]]]:
    """A tenant workspace with its owner and ``host_apps`` host apps (random key and secret)."""
    from workspaces import keys
    from workspaces.models import HostApp, HostAppPlatform, Membership, User, Workspace

    user = User.objects.create_user(
        email=f"bench-{secrets.token_hex(4)}@example.com", password=None, name="Bench"
    )
    workspace = Workspace.objects.create(
        slug=f"bench-resolve-{secrets.token_hex(4)}", name="Bench Resolve", kind="tenant"
    )
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.OWNER)
    apps = []
    for number in range(1, host_apps + 1):
        secret = keys.random_secret()
        app = HostApp.objects.create(
            workspace=workspace,
            name=f"Bench host app {number}",
            app_key=keys.random_string(length=20, alphabet=keys.PREFIX_ALPHABET),  # as issued
            secret_hash=keys.keyed_hash(secret),
        )
        HostAppPlatform.objects.bulk_create(
            HostAppPlatform(host_app=app, platform=platform, bundle_id=f"com.bench.app{number}")
            for platform in ("android", "ios", "harmonyos")
        )
        apps.append((app.pk, app.app_key, secret))
    return workspace, apps


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_miniprograms(
    *, workspace_id: int, host_app_ids: list[int], count: int, start: int = 0, batch: int = 1000
) -> list[str]:
    """``count`` mini programs numbered from ``start``, released to every host app in every
    environment: versions 1.0.0 (online in production) and 1.1.0 (online elsewhere, and the
    version of the grayscale tasks), each with its five artifact rows. Returns the App IDs."""
    from django.utils import timezone

    from miniprograms.models import AppIdAllocation, Industry, MiniProgram, MiniProgramHostApp
    from releases.models import Artifact, Release, ReleaseTarget, Version, VersionFloor

    industry = Industry.objects.filter(parent__isnull=False).select_related("parent").first()
    if industry is None:  # a database without the industries' data migration
        industry = Industry.objects.create(code="bench", name="Bench")
    now = timezone.now()
    app_ids: list[str] = []
    for first in range(start, start + count, batch):
        numbers = range(first, min(first + batch, start + count))
        programs = []
        for n in numbers:
            app_id = f"9000{n + 1:012d}"
            profile = {
                "default_language": "en",
                "name": f"Bench program {n}",
                "tagline": f"Bench tagline number {n}",
                "description": f"A mini program seeded by bench/resolve.py, number {n}.",
                "logo": f"miniprogram-logos/{n:032x}.png",
                "industry": industry.code,
                "industry_name": industry.path,
                "service_phone": "0571-8888888",
                "service_email": f"service{n}@bench.example.com",
                "languages": {}
                if n % 2
                else {
                    "zh-Hans": {
                        "name": f"基准小程序{n}",
                        "tagline": "用于基准测试的小程序",
                        "description": "由基准测试脚本生成的小程序，用来测量运行时接口。",
                    }
                },
            }
            programs.append(
                MiniProgram(
                    workspace_id=workspace_id,
                    app_id=app_id,
                    kind=MiniProgram.Kind.TENANT,
                    name=profile["name"],
                    tagline=profile["tagline"],
                    description=profile["description"],
                    logo=profile["logo"],
                    industry=industry,
                    service_phone=profile["service_phone"],
                    service_email=profile["service_email"],
                    released_profile=profile,
                    released_at=now,
                )
            )
        AppIdAllocation.objects.bulk_create(AppIdAllocation(app_id=p.app_id) for p in programs)
        programs = MiniProgram.objects.bulk_create(programs)
        app_ids.extend(p.app_id for p in programs)
        MiniProgramHostApp.objects.bulk_create(
            MiniProgramHostApp(miniprogram=p, host_app_id=h) for p in programs for h in host_app_ids
        )
        VersionFloor.objects.bulk_create(
            VersionFloor(miniprogram=p, major=1, minor=1, patch=0, has_any=True) for p in programs
        )
        versions = Version.objects.bulk_create(
            Version(
                workspace_id=workspace_id,
                miniprogram=p,
                number=f"1.{minor}.0",
                major=1,
                minor=minor,
                patch=0,
                status=Version.Status.READY,
                package=f"packages/be/{_sha(f'{p.app_id}-{minor}')[:32]}.zip",
                package_size=1_048_576 + minor,
                package_sha256=_sha(f"{p.app_id}-{minor}-package"),
                scan_summary={
                    "root_prefix": "",
                    "file_count": 40,
                    "total_size": 1_048_576,
                    "pages": ["pages/index/index", "pages/cart/index"],
                    "main": {"size": 524_288, "file_count": 20},
                    "subpackages": [
                        {
                            "root": root,
                            "pages": [f"{root}pages/a"],
                            "size": 262_144,
                            "file_count": 10,
                        }
                        for root in ("packageA/", "packageB/")
                    ],
                },
            )
            for p in programs
            for minor in (0, 1)
        )
        Artifact.objects.bulk_create(
            Artifact(
                version=v,
                kind=kind,
                root=root,
                file=f"artifacts/{v.pk}/bench/{root.strip('/') or kind}.{suffix}",
                size=size,
                sha256=_sha(f"{v.pk}-{kind}-{root}"),
            )
            for v in versions
            for kind, root, size, suffix in (
                ("complete", "", 1_000_000, "zip"),
                ("main", "", 500_000, "zip"),
                ("subpackage", "packageA/", 250_000, "zip"),
                ("subpackage", "packageB/", 250_000, "zip"),
                ("index", "", 600, "json"),
            )
        )
        by_program = {(v.miniprogram_id, v.minor): v for v in versions}
        targets = ReleaseTarget.objects.bulk_create(
            ReleaseTarget(miniprogram=p, host_app_id=h, environment=environment)
            for p in programs
            for h in host_app_ids
            for environment in ENVIRONMENTS
        )
        Release.objects.bulk_create(
            Release(
                target=t,
                version=by_program[(t.miniprogram_id, 0 if t.environment == "production" else 1)],
                state=Release.State.RELEASED,
                published_at=now,
            )
            for t in targets
        )
    return app_ids


def seed_grayscale(
    *, app_ids: list[str], tasks: int, list_size: int, rng: random.Random
) -> tuple[list[str], str, list[tuple[str, str]]] | None:
    """``tasks`` delivering grayscale tasks offering 1.1.0 on production targets of distinct
    mini programs (host apps alternating): every tenth targets ``list_size`` accounts, the
    others mix percentages, app-version, platform and network conditions, and user limits
    (some small enough to fill up). None when the grayscale models are not there."""
    try:
        from releases.grayscale.models import GrayscaleTargetList, GrayscaleTask
    except ImportError:
        return None
    from django.utils import timezone

    from releases.models import ReleaseTarget, Version

    tasks = min(tasks, len(app_ids))
    if tasks <= 0:
        return [], "grayscale: 0 tasks", []
    step = max(1, len(app_ids) // tasks)
    chosen = [app_ids[i * step] for i in range(tasks)]
    host_app_ids = sorted(
        set(
            ReleaseTarget.objects.filter(miniprogram__app_id=chosen[0]).values_list(
                "host_app_id", flat=True
            )
        )
    )
    targets = {
        (app_id, host_app_id): pk
        for pk, app_id, host_app_id in ReleaseTarget.objects.filter(
            miniprogram__app_id__in=chosen, environment="production"
        ).values_list("pk", "miniprogram__app_id", "host_app_id")
    }
    versions = dict(
        Version.objects.filter(miniprogram__app_id__in=chosen, number="1.1.0").values_list(
            "miniprogram__app_id", "pk"
        )
    )
    now = timezone.now()
    rows, lists, listed = [], [], []
    for index, app_id in enumerate(chosen):
        big = index % 10 == 0
        kind = index % 5
        rows.append(
            GrayscaleTask(
                target_id=targets[(app_id, host_app_ids[index % len(host_app_ids)])],
                version_id=versions[app_id],
                name=f"Bench task {index}",
                state=GrayscaleTask.State.DELIVERING,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=30),
                max_users=1_000_000 if big or kind != 3 else 50,
                host_app_version_min="8.0.0" if kind in (1, 2) else "",
                host_app_version_max="9.0.0" if kind == 2 else "",
                platforms={"android": ["12", ""], "ios": ["16.0", ""]} if kind == 2 else {},
                networks=["wifi", "5g", "4g"] if kind == 4 else [],
                percentage=None if big else (10, 25, 50, 5, 100)[kind],
            )
        )
    created = GrayscaleTask.objects.bulk_create(rows)
    for index, task in enumerate(created):
        if index % 10 == 0:
            accounts = sorted({f"user-{rng.randrange(ACCOUNTS)}" for _ in range(list_size)})
            lists.append(
                GrayscaleTargetList(
                    task=task,
                    kind=GrayscaleTargetList.Kind.ACCOUNT,
                    values="\n".join(accounts),
                    count=len(accounts),
                )
            )
            app_id = chosen[index]
            listed.extend(
                (app_id, account) for account in rng.sample(accounts, min(100, len(accounts)))
            )
        elif index % 10 == 5:  # a few device lists too
            devices = sorted({f"device-{rng.randrange(100_000)}" for _ in range(100)})
            lists.append(
                GrayscaleTargetList(
                    task=task,
                    kind=GrayscaleTargetList.Kind.DEVICE_ID,
                    values="\n".join(devices),
                    count=len(devices),
                )
            )
    GrayscaleTargetList.objects.bulk_create(lists)
    summary = (
        f"grayscale: {len(created)} delivering tasks, {len({a for a, _ in listed})} with "
        f"{list_size:,}-account lists,"
        " the others with percentages, version/platform/network conditions and user limits"
    )
    return chosen, summary, listed


# --- the request pool ------------------------------------------------------------------------


def request_pool(seeded: Seeded, *, size: int, rng: random.Random) -> list[tuple[str, str, bytes]]:
    """``size`` launches: (app key, secret, JSON body), each with 20 App IDs (two of them with a
    grayscale task when there are some) and a device of its own; one in five by a user on the
    account list of one of those two programs' tasks, three in five by another user, one in
    five with no account."""
    pool = []
    gray = seeded.grayscale_app_ids
    for n in range(size):
        _pk, key, secret = seeded.host_apps[n % len(seeded.host_apps)]
        environment = "production" if rng.random() < 0.7 else rng.choice(ENVIRONMENTS[:3])
        platform = rng.choice(tuple(PLATFORMS))
        roll = rng.random()
        account = f"user-{rng.randrange(ACCOUNTS)}" if roll < 0.8 else ""
        picked = rng.sample(gray, min(2, len(gray))) if gray else []
        if seeded.listed and roll < 0.2:  # a user on the list of one of the programs asked for
            listed_app_id, account = rng.choice(seeded.listed)
            picked = [listed_app_id, *(a for a in picked if a != listed_app_id)][:2]
        others = [
            a
            for a in rng.sample(seeded.app_ids, min(len(seeded.app_ids), APPS_PER_REQUEST + 2))
            if a not in picked
        ]
        app_ids = (picked + others)[:APPS_PER_REQUEST]
        rng.shuffle(app_ids)
        body = {
            "environment": environment,
            "context": {
                "host_app_version": rng.choice(HOST_APP_VERSIONS),
                "platform": platform,
                "os_version": rng.choice(PLATFORMS[platform]),
                "guid": f"{rng.getrandbits(128):032x}",
                "device_id": f"device-{rng.randrange(100_000)}",
                "user_account": account,
                "network": rng.choice(NETWORKS),
                "language": rng.choice(LANGUAGES),
                "subpackages": rng.random() < 0.8,
            },
            "miniprograms": [
                {"app_id": app_id, "preset_version": "1.0.0"}
                if rng.random() < 0.5
                else {"app_id": app_id}
                for app_id in app_ids
            ],
        }
        pool.append((key, secret, orjson.dumps(body)))
    return pool


# --- HTTP, servers, wrk ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent pid
            found.append(int(stat.parent.name))
    return found


def post(
    port: int, key: str, secret: str, body: bytes, etag: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """One request as the SDK sends it (through a TLS-terminating proxy); a new connection."""
    headers = {
        "Content-Type": "application/json",
        "X-MPP-App-Key": key,
        "Authorization": f"Bearer {secret}",
        "X-Forwarded-Proto": "https",
    }
    if etag:
        headers["If-None-Match"] = etag
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def dockerfile_command() -> list[str]:
    """The Dockerfile's ``CMD`` (exec form), as the image runs it."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", "")
    match = re.search(r"^CMD (\[.*\])\s*$", text, re.MULTILINE)
    if match is None:
        raise RuntimeError("the Dockerfile has no CMD in exec form")
    return json.loads(match.group(1))


def server_command(app: str, port: int, workers: int, *, access_log: bool = False) -> list[str]:
    """The Docker image's web server (:func:`dockerfile_command`: Granian, WSGI, one request at
    a time a process) serving ``app`` (``module`` or ``module:attribute``) on
    ``127.0.0.1:port`` with ``workers`` processes; without the access log unless asked."""
    command = [p for p in dockerfile_command() if access_log or p != "--access-log"]
    command[0] = str(Path(sys.executable).with_name(command[0]))
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    command[-1:] = ["--workers", str(workers), app if ":" in app else f"{app}:application"]
    return command


def start_server(name: str, app: str, env: dict[str, str], workers: int) -> Server:
    """``app`` served as the Docker image serves the console (:func:`server_command`); returns
    once a worker answers."""
    port = _free_port()
    log = VAR / f"server-{name}.log"
    command = server_command(app, port, workers)
    process = subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(name=name, port=port, process=process, log=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            raise RuntimeError(f"the server ({name}) did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@dataclass
class Run:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    bytes_per_request: float


def run_wrk(
    args: argparse.Namespace, label: str, port: int, pool: Path, *, etag: bool, seconds: float
) -> Run:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "resolve.lua"),
        f"http://127.0.0.1:{port}{PATH}",
        "--",
        str(pool),
        *(["etag"] if etag else []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({label}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("RESULT "))
    errors = sum(data[k] for k in ("status_errors", "read_errors", "write_errors", "timeouts"))
    if errors or data["requests"] == 0:
        raise RuntimeError(f"{label}: {errors} errors in {data['requests']} requests: {data}")
    return Run(
        label=label,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        bytes_per_request=data["bytes"] / data["requests"],
    )


def write_pool(path: Path, pool: list[tuple[str, str, bytes]], etags: list[str]) -> None:
    with path.open("w") as fh:
        for (key, secret, body), etag in zip(pool, etags, strict=True):
            fh.write(f"{key}\t{secret}\t{etag}\t{body.decode()}\n")


# --- the phases ------------------------------------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_database(redis_url: str = "") -> None:
    """Drop everything in the benchmark's database and migrate it; empty its Redis database
    (grayscale cohorts of an earlier run would name the new run's task ids)."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.close()
        name = Path(connection.settings_dict["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0, interactive=False)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()


def prefetch(
    server: Server, pool: list[tuple[str, str, bytes]]
) -> tuple[list[str], dict[str, Any]]:
    """Send every pool request once: each must be a 200. Returns the ETags and what the answers
    held: sizes, statuses, sources, and the bare app's template (the first answer's headers
    and top level, the results of the first ``TEMPLATE_ANSWERS`` answers)."""
    etags, sizes = [], []
    statuses: dict[str, int] = {}
    sources: dict[str, int] = {}
    template: dict[str, Any] = {}
    for number, (key, secret, body) in enumerate(pool):
        status, headers, answer = post(server.port, key, secret, body)
        if status != 200:
            raise RuntimeError(
                f"{server.name}: HTTP {status}: {answer[:300]!r} (its log: {server.log})"
            )
        data = orjson.loads(answer)
        for result in data["results"]:
            statuses[result.get("status")] = statuses.get(result.get("status"), 0) + 1
            if result.get("source"):
                sources[result["source"]] = sources.get(result["source"], 0) + 1
        etags.append(headers.get("etag", ""))
        sizes.append(len(answer))
        if not template:
            template = {**data, "results": [], "headers": headers}
        if number < TEMPLATE_ANSWERS:
            template["results"].extend(data["results"])
    return etags, {"sizes": sizes, "statuses": statuses, "sources": sources, "template": template}


def measure_visibility(
    server: Server, pool: list[tuple[str, str, bytes]], workers: int
) -> tuple[float, float]:
    """Bump the runtime revision (committed), then poll until every worker answers with a new
    one. Returns (seconds to the first worker, seconds to the last)."""
    from django.db import connection, transaction

    from releases.runtime.models import RuntimeRevision
    from releases.runtime.revision import runtime_revision_bump

    key, secret, body = pool[0]
    with transaction.atomic():
        runtime_revision_bump()
    started = time.perf_counter()
    committed = RuntimeRevision.objects.values_list("n", flat=True).get(pk=1)
    connection.close()
    seen: dict[str, float] = {}
    while len(seen) < workers:
        status, headers, answer = post(server.port, key, secret, body)
        if status != 200:
            raise RuntimeError(f"visibility poll: HTTP {status}: {answer[:300]!r}")
        if orjson.loads(answer)["revision"] >= committed:
            seen.setdefault(headers.get("x-bench-worker", "?"), time.perf_counter() - started)
        if time.perf_counter() - started > 60:
            raise RuntimeError(f"the new revision reached {len(seen)} of {workers} workers in 60 s")
        time.sleep(0.002)
    return min(seen.values()), max(seen.values())


def snapshot_child() -> None:
    """In a fresh process: time the snapshot build and measure its memory; print JSON."""
    import gc
    import tracemalloc

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from releases.runtime.models import RuntimeRevision
    from releases.runtime.snapshot import snapshot_build

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS not in /proc/self/status")

    revision = RuntimeRevision.objects.filter(pk=1).values_list("n", flat=True).first() or 0
    connection.ensure_connection()
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    snapshot = snapshot_build(revision=revision)
    first = time.perf_counter() - started
    gc.collect()
    grown = rss_mb() - before
    # host app → App ID → link; (host app, environment) → App ID → build or grayscale target
    targets = [t for of_group in snapshot.targets.values() for t in of_group.values()]
    counts = {
        "links": sum(len(of_host) for of_host in snapshot.links.values()),
        "targets": len(targets),
        "grayscale_targets": sum(1 for t in targets if getattr(t, "candidate", None)),
    }
    del snapshot
    times = []
    for _ in range(3):
        gc.collect()
        started = time.perf_counter()
        snapshot = snapshot_build(revision=revision)
        times.append(time.perf_counter() - started)
        del snapshot
    gc.collect()
    tracemalloc.start()
    _kept = snapshot_build(revision=revision)  # held while counting what it keeps
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "first_s": first,
                "times_s": times,
                "rss_growth_mb": grown,
                "rss_mb": rss_mb(),
                "traced_mb": current / 2**20,
                "traced_peak_mb": peak / 2**20,
                "counts": counts,
            }
        )
    )


def measure_snapshot(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--snapshot-child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the snapshot measurement failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _mark(met: bool) -> str:
    return "" if met else "  MISSED"


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


Figure = tuple[str, bool | None]  # a line of the summary, and whether its target was met


def load_phase(args: argparse.Namespace, env: dict[str, str], seeded: Seeded) -> list[Figure]:
    """Serve both apps, check the answers, drive them with wrk, then measure visibility."""
    pool = request_pool(seeded, size=args.pool, rng=random.Random(7))  # noqa: S311 - test data, reproducible
    servers: list[Server] = []
    try:
        real = start_server("real", "bench.resolve_wsgi:application", env, args.workers)
        servers.append(real)
        if post(real.port, *pool[0])[0] == 404:
            return [("runtime API: not available (POST /runtime/v1/resolve answers 404)", None)]
        started = time.perf_counter()
        etags, seen = prefetch(real, pool)
        sizes = seen["sizes"]
        print(
            f"pool: {len(pool)} launches, each sent once in {time.perf_counter() - started:.1f} s;"
            f" answers {statistics.mean(sizes) / 1024:.1f} KB on average; results "
            f"{seen['statuses']}; sources {seen['sources']}"
        )
        pool_200 = VAR / "resolve-pool.tsv"
        write_pool(pool_200, pool, [""] * len(pool))
        pool_304 = VAR / "resolve-pool-304.tsv"
        can_304 = all(etags) and post(real.port, *pool[1], etags[1])[0] == 304
        if can_304:
            write_pool(pool_304, pool, etags)
        else:
            print("304 path: not measured (no ETag, or If-None-Match did not give a 304)")

        template = VAR / "resolve-answer.json"
        template.write_bytes(orjson.dumps(seen["template"]))
        bare_env = {**env, "RESOLVE_BARE_TEMPLATE": str(template)}
        bare = start_server("bare", "bench.resolve_bare:application", bare_env, args.workers)
        servers.append(bare)
        bare_sizes = [len(post(bare.port, *request)[2]) for request in pool[:100]]
        print(
            f"answer size, first 100 launches: real {statistics.mean(sizes[:100]) / 1024:.2f} KB,"
            f" bare {statistics.mean(bare_sizes) / 1024:.2f} KB"
        )

        plan = [("bare (200)", bare, pool_200, False), ("real (200)", real, pool_200, False)]
        if can_304:
            plan.append(("real (304)", real, pool_304, True))
        for label, server, path, etag in plan:  # warm up: code, snapshot, caches, admissions
            run_wrk(args, label, server.port, path, etag=etag, seconds=args.warmup)
        print(
            f"wrk -t{args.threads} -c{args.connections}: {args.rounds} rounds × "
            f"{args.duration:g} s, alternating; Granian: {args.workers} processes each"
        )
        runs: dict[str, list[Run]] = {label: [] for label, *_rest in plan}
        for number in range(1, args.rounds + 1):
            for label, server, path, etag in plan:
                run = run_wrk(args, label, server.port, path, etag=etag, seconds=args.duration)
                runs[label].append(run)
                print(
                    f"  round {number}  {label:11s} {run.rps:8,.0f} req/s   "
                    f"p50 {_ms(run.p50_ms):>8s}   p99 {_ms(run.p99_ms):>8s}   "
                    f"{run.bytes_per_request / 1024:5.1f} KB a response"
                )
        figures = throughput_figures(runs)
        workers = len(real.workers())
        first, last = measure_visibility(real, pool, workers)
        figures.append(
            (
                f"change visible in all {workers} workers: {last:.2f} s (the first "
                f"{first:.2f} s)  (target <= {TARGET_VISIBLE_S:g} s)",
                last <= TARGET_VISIBLE_S,
            )
        )
        return figures
    finally:
        for server in servers:
            server.stop()


def throughput_figures(runs: dict[str, list[Run]]) -> list[Figure]:
    """The medians table, and the throughput, p99 and 304 figures against their targets."""
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
    ratio = medians["real (200)"][0] / medians["bare (200)"][0]
    p99 = medians["real (200)"][2]
    figures: list[Figure] = [
        (
            f"throughput real/bare: {ratio:.2f}x  (target >= {TARGET_RATIO:g}x)",
            ratio >= TARGET_RATIO,
        ),
        (f"p99 latency, real: {_ms(p99)}  (target <= {TARGET_P99_MS:g} ms)", p99 <= TARGET_P99_MS),
    ]
    if "real (304)" in medians:
        ratio_304 = medians["real (304)"][0] / medians["real (200)"][0]
        figures.append(
            (
                f"304 path / 200 path: {ratio_304:.2f}x, p99 {_ms(medians['real (304)'][2])}  "
                f"(target >= {TARGET_304_RATIO:g}x: at least as fast)",
                ratio_304 >= TARGET_304_RATIO,
            )
        )
    return figures


def snapshot_figures(env: dict[str, str], programs: int) -> list[Figure]:
    """Measure the snapshot build in a fresh process (``--snapshot-child``)."""
    try:
        import releases.runtime.snapshot  # noqa: F401
    except ImportError:
        return [("snapshot: not available (releases/runtime/snapshot.py)", None)]
    measured = measure_snapshot(env)
    counts = measured["counts"]
    slowest = max(measured["first_s"], *measured["times_s"])
    print(
        f"snapshot of {programs:,} mini programs: {counts['targets']:,} targets "
        f"({counts['grayscale_targets']} with grayscale tasks), {counts['links']:,} links; builds "
        + ", ".join(f"{t:.2f} s" for t in (measured["first_s"], *measured["times_s"]))
        + f" (the first in a fresh process); resident memory +{measured['rss_growth_mb']:.0f} MB "
        f"(process {measured['rss_mb']:.0f} MB); tracemalloc: {measured['traced_mb']:.0f} MB "
        f"kept, {measured['traced_peak_mb']:.0f} MB peak during the build"
    )
    memory = max(measured["rss_growth_mb"], measured["traced_peak_mb"])
    return [
        (
            f"snapshot build, {programs:,} mini programs: {slowest:.2f} s (the slowest of 4)  "
            f"(target <= {TARGET_SNAPSHOT_S:g} s)",
            slowest <= TARGET_SNAPSHOT_S,
        ),
        (
            f"snapshot memory: {memory:.0f} MB (RSS growth or traced peak, the larger)  "
            f"(target <= {TARGET_SNAPSHOT_MB:g} MB)",
            memory <= TARGET_SNAPSHOT_MB,
        ),
    ]


def summary(figures: list[Figure]) -> int:
    print()
    for line, met in figures:
        print(line + ("" if met is None else _mark(met)))
    missed = sum(1 for _line, met in figures if met is False)
    measured = any(met is not None for _line, met in figures)
    print("targets:  " + (f"{missed} MISSED" if missed else "met" if measured else "none measured"))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--database-url",
        default=f"sqlite:///{VAR / 'resolve.sqlite3'}",
        help="a database of its own: EVERYTHING IN IT IS DROPPED (default: SQLite under var/bench)",
    )
    add(
        "--redis-url",
        default="",
        help="REDIS_URL for the servers, a database of its own: it is emptied (default: none)",
    )
    add("--miniprograms", type=int, default=1000)
    add("--host-apps", type=int, default=2)
    add("--grayscale-tasks", type=int, default=100)
    add("--list-size", type=int, default=10_000, help="accounts in every tenth task's list")
    add("--workers", type=int, default=2, help="web server processes of each server")
    add("--rounds", type=int, default=3)
    add("--duration", type=float, default=10, help="seconds of each wrk run")
    add("--warmup", type=float, default=3, help="seconds of warm-up of each server, not counted")
    add("--threads", type=int, default=1, help="wrk threads")
    add("--connections", type=int, default=4, help="wrk connections")
    add("--pool", type=int, default=1000, help="distinct launches the wrk script cycles through")
    add("--snapshot-miniprograms", type=int, default=10_000)
    add("--snapshot-only", action="store_true", help="seed and measure the snapshot build only")
    add("--no-snapshot", action="store_true", help="skip the snapshot measurement")
    add("--snapshot-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings' environment, with throwaway secrets (made anew each run)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_resolve",
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "HASH_PEPPER": secrets.token_hex(32),
        "RUNTIME_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "smtp://mail.invalid:25",  # production requires one; nothing is sent
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(VAR / "media"),
        "SITE_URL": "https://mpp.example.com",
    }
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def main() -> int:
    args = parse_args()
    if args.snapshot_child:
        snapshot_child()
        return 0
    if not args.snapshot_only and shutil.which("wrk") is None:
        print(
            "bench/resolve.py needs wrk, the HTTP load generator: apt-get install wrk "
            "(Debian/Ubuntu), or build it from https://github.com/wg/wrk",
            file=sys.stderr,
        )
        return 2
    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    django_setup(env)
    from django.db import connection, transaction

    print(
        f"database: {connection.vendor} ({connection.settings_dict['NAME']}); "
        f"Redis: {args.redis_url or 'none'}"
    )
    started = time.perf_counter()
    fresh_database(args.redis_url)
    print(f"migrated a fresh database in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    seeded = seed(
        miniprograms=args.snapshot_miniprograms if args.snapshot_only else args.miniprograms,
        host_apps=args.host_apps,
        grayscale_tasks=args.grayscale_tasks,
        list_size=args.list_size,
    )
    connection.close()
    print(
        f"seeded {len(seeded.app_ids):,} mini programs × {len(seeded.host_apps)} host apps × "
        f"{len(ENVIRONMENTS)} environments in {time.perf_counter() - started:.1f} s; "
        f"{seeded.grayscale}"
    )

    figures: list[Figure] = [] if args.snapshot_only else load_phase(args, env, seeded)
    if args.snapshot_only or not args.no_snapshot:
        extra = args.snapshot_miniprograms - len(seeded.app_ids)
        if extra > 0:
            started = time.perf_counter()
            with transaction.atomic():
                seed_miniprograms(
                    workspace_id=_workspace_id(),
                    host_app_ids=[pk for pk, _k, _s in seeded.host_apps],
                    count=extra,
                    start=len(seeded.app_ids),
                )
            connection.close()
            print(
                f"\nadded {extra:,} mini programs (no more grayscale tasks) in "
                f"{time.perf_counter() - started:.1f} s"
            )
        figures += snapshot_figures(env, max(args.snapshot_miniprograms, len(seeded.app_ids)))
    return summary(figures)


def _workspace_id() -> int:
    from workspaces.models import Workspace

    slug = Workspace.objects.filter(slug__startswith="bench-resolve-")
    return slug.values_list("pk", flat=True).get()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
