"""Project-wide pytest fixtures.

Tests that need a real service (Redis, a Celery worker, Chromium) call :func:`require_service`:
it skips on a laptop without the service and **fails** under ``MPP_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import pytest

REQUIRE_SERVICES = os.environ.get("MPP_REQUIRE_SERVICES") == "1"


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skip (locally) or fail (CI) when a service the test needs is missing."""
    if available:
        return
    reason = f"{name} is not available{': ' + why if why else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MPP_REQUIRE_SERVICES=1 requires it)")
    pytest.skip(f"{reason} (set MPP_REQUIRE_SERVICES=1 to make this a failure)")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes files to its own temporary storage."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _industry_taxonomy(request):
    """Put back the industry taxonomy (migration data) when an earlier test flushed it.

    A ``transaction=True`` test (live server, real worker, browser) ends with a flush that
    empties every table, migration data included; the tests after it still need the list that
    mini programs choose from. Re-seeding inside a normal test's transaction is rolled back
    with it, so this costs one query per database test while nothing was flushed.
    """
    marker = request.node.get_closest_marker("django_db")
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if marker is None and not uses_db:
        return
    request.getfixturevalue("_django_db_helper")  # database access as the test asked for it
    from importlib import import_module

    from django.apps import apps

    from miniprograms.models import Industry

    if not Industry.objects.exists():
        import_module("miniprograms.migrations.0002_industries").seed(apps, None)


# --- SQLite: a file test database, so a worker process can share it -------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """On SQLite, put the test database in a file instead of memory.

    An in-memory database lives inside the pytest process; a real Celery worker (the
    ``live_worker`` fixture) runs in another process and must read the rows a
    ``transactional_db`` test committed. The name is unique per run (pid) and per xdist worker
    because several test runs may share this checkout; Django deletes the file afterwards.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    name: Path | None = None
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        xdist = getattr(request.config, "workerinput", {}).get("workerid", "main")
        name = Path(tempfile.gettempdir()) / f"mpp-test-{os.getpid()}-{xdist}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(name)
    yield
    if name is not None:  # Django removes the file; SQLite's WAL side files can outlive it
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)


# --- A real HTTP server that receives webhooks and messages -----------------------------------


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 recording what it receives and answering by its
    ``script`` (``workspaces/tests/webhook_receiver.py``), stopped after the test."""
    from workspaces.tests.webhook_receiver import start_receiver

    server = start_receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


# --- A real Celery worker ---------------------------------------------------------------------


def _worker_queues() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(settings.CELERY_QUEUES_ALL)


def own_redis_url(database: int) -> str:
    """A suite's own Redis database on the local server: ``database`` plus the pytest-xdist
    worker's index (``console.settings.test``), so parallel workers never share one."""
    from django.conf import settings

    return f"redis://127.0.0.1:6379/{database + settings.XDIST_INDEX}"


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _require_redis() -> str:
    from django.conf import settings

    redis_url = settings.REDIS_URL
    require_service("Redis", bool(redis_url), "REDIS_URL is not set")
    require_service("Redis", _redis_answers(redis_url), f"{redis_url} does not answer")
    return redis_url


def _database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database pytest created (for processes we start)."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise NotImplementedError(settings_dict["ENGINE"])
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


@dataclass
class LiveWorker:
    """A ``celery -A console worker`` process consuming from the test's Redis broker.

    Emails it sends land as files in ``email_dir``; its log (Django's format, with the request
    id on every line) is ``log_path``; it stores files under ``media_root``, which the
    ``live_worker`` and ``spawn_worker`` fixtures also make the test's own storage.
    """

    process: subprocess.Popen
    hostname: str
    log_path: Path
    email_dir: Path
    media_root: Path
    database_url: str
    _log_offset: int = 0
    _log_file: IO[bytes] | None = None

    def log(self) -> str:
        """The worker's log since the current test started."""
        with self.log_path.open("rb") as fh:
            fh.seek(self._log_offset)
            return fh.read().decode("utf-8", "replace")

    def email_files(self) -> list[Path]:
        return sorted(p for p in self.email_dir.iterdir() if p.is_file())

    def emails(self) -> list[bytes]:
        """Every message the worker sent, one ``bytes`` each.

        Django's file backend appends to a file named after the second and the backend
        object's id, so two messages sent within one second can share a file: split on the
        separator line it writes after each message instead of counting files.
        """
        separator = b"\n" + b"-" * 79 + b"\n"
        messages: list[bytes] = []
        for path in self.email_files():
            messages += [m for m in path.read_bytes().split(separator) if m.strip()]
        return messages

    def wait_for(
        self, condition, *, timeout: float = 20.0, what: str = "the worker", interval: float = 0.1
    ):
        """Poll ``condition()`` until it returns something truthy; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited ({self.process.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}; log:\n{self.log()}")
            time.sleep(interval)

    def wait_for_emails(self, count: int, *, timeout: float = 20.0) -> list[bytes]:
        return self.wait_for(
            lambda: found if len(found := self.emails()) >= count else None,
            timeout=timeout,
            what=f"{count} email file(s) in {self.email_dir}",
        )

    def wait_for_log(self, text: str, *, timeout: float = 20.0) -> str:
        return self.wait_for(
            lambda: log if text in (log := self.log()) else None,
            timeout=timeout,
            what=f"{text!r} in the worker log",
        )

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would: no shutdown, no ack."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (the current task finishes), killed if that takes over 20 seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def start_worker(
    root: Path, *, media_root: Path | None = None, env: dict[str, str] | None = None
) -> LiveWorker:
    """Start ``celery -A console worker`` on the test database and ``REDIS_URL``; return it
    once it answers a ping (it is stopped again if it never does).

    Its log and email files live under ``root``, its stored files under ``media_root``
    (default ``root/media``); ``env`` adds environment variables (``PACKAGE_JOB_LEASE_SECONDS``).
    """
    from django.conf import settings
    from django.db import connection

    from console.celery import app as celery_app

    redis_url = _require_redis()
    email_dir, media_root = root / "mail", media_root or root / "media"
    email_dir.mkdir(parents=True)
    media_root.mkdir(parents=True, exist_ok=True)
    log_path = root / "worker.log"
    hostname = f"mpp-test-{uuid.uuid4().hex[:12]}@localhost"
    database_url = _database_url(connection.settings_dict)
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "console",
        "worker",
        "--pool=solo",
        f"--queues={','.join(_worker_queues())}",
        f"--hostname={hostname}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parent,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "console.settings.base",
            "REDIS_URL": redis_url,
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "0",  # no idle connection may outlive a test database
            "EMAIL_URL": f"filemail:///{email_dir}",  # environ drops one leading slash
            "MEDIA_ROOT": str(media_root),
            "SECRET_KEY": settings.SECRET_KEY,
            "HASH_PEPPER": settings.HASH_PEPPER,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        },
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    worker = LiveWorker(
        process=process,
        hostname=hostname,
        log_path=log_path,
        email_dir=email_dir,
        media_root=media_root,
        database_url=database_url,
        _log_file=log_file,
    )
    try:
        worker.wait_for_log(f"{hostname} ready.", timeout=60)
        # Ready in the log; the broker round trip proves the test process can reach it too.
        worker.wait_for(
            lambda: celery_app.control.ping(destination=[hostname], timeout=0.5),
            timeout=30,
            what="the worker to answer a ping",
        )
    except BaseException:
        worker.stop()
        raise
    return worker


_session_workers: list[LiveWorker] = []  # the live_worker_process, while it runs


@pytest.fixture(scope="session")
def live_worker_process(django_db_setup, tmp_path_factory):
    """Start one real Celery worker for the session (see :func:`live_worker`)."""
    _require_redis()
    worker = start_worker(tmp_path_factory.mktemp("celery-worker"))
    _session_workers.append(worker)
    try:
        yield worker
    finally:
        _session_workers.remove(worker)
        worker.stop()


@contextmanager
def _publishing(settings, media_root: Path):
    """Publish tasks through Redis instead of running them in-process, and make the workers'
    storage (``media_root``) the test's own, for the duration of the block."""
    from console.celery import app as celery_app

    settings.MEDIA_ROOT = str(media_root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        },
    }
    # Read before changing the Django setting: Celery's conf reads Django's settings live, so
    # reading it afterwards would "restore" False and leave every later test publishing.
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    if previous[1] != settings.REDIS_URL:
        pytest.fail(f"the Celery app publishes to {previous[1]}, not REDIS_URL")
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = settings.REDIS_URL
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous


@pytest.fixture
def live_worker(live_worker_process, settings):
    """A real worker, with tasks published through Redis instead of run in-process.

    The test settings run tasks eagerly; this switches the Celery app to publish for the
    duration of the test. Tests whose task reads rows must use ``transactional_db`` (the
    worker has its own connection and cannot see a test's uncommitted transaction). Email
    files and the log offset are reset per test; the test's storage is the worker's.

    Under pytest-xdist each worker process has a worker of its own on its own Redis database
    (``console.settings.test``): queues and the autouse cache clear (FLUSHDB) are never shared.
    """
    worker = live_worker_process
    if worker.process.poll() is not None:
        pytest.fail(f"the Celery worker exited ({worker.process.returncode}):\n{worker.log()}")
    for path in worker.email_files():
        path.unlink()
    worker._log_offset = worker.log_path.stat().st_size
    with _publishing(settings, worker.media_root):
        yield worker


@pytest.fixture
def broker_down(settings):
    """Celery publishes to a closed port, as when Redis is down; calling the fixture's value
    brings the broker "back" (tasks run in-process again). A refused connection fails a publish
    in under a second (kombu's default publish retry policy: three tries 0.2 s apart)."""
    from console.celery import app as celery_app

    down = "redis://127.0.0.1:1/0"
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    pools = (celery_app._pool, celery_app.amqp._producer_pool)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = down
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, down
    celery_app._pool = celery_app.amqp._producer_pool = None

    def back() -> None:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
        celery_app._pool, celery_app.amqp._producer_pool = pools
        settings.CELERY_TASK_ALWAYS_EAGER = True

    try:
        yield back
    finally:
        back()


@contextmanager
def _session_worker_paused():
    """The session's worker (if one runs) stops consuming for the block, then resumes."""
    from console.celery import app as celery_app

    paused = [w for w in _session_workers if w.process.poll() is None]

    def control(command, worker: LiveWorker, queue: str) -> None:
        replies = command(queue, destination=[worker.hostname], reply=True, timeout=5)
        if not replies:
            pytest.fail(f"the session's worker did not answer {command.__name__}({queue!r})")

    for worker in paused:
        for queue in _worker_queues():
            control(celery_app.control.cancel_consumer, worker, queue)
    try:
        yield
    finally:
        for worker in paused:
            for queue in _worker_queues():
                control(celery_app.control.add_consumer, worker, queue)


@pytest.fixture
def spawn_worker(django_db_setup, settings, tmp_path):
    """Start this test's own real workers: ``spawn_worker(env={...})`` returns a started
    :class:`LiveWorker`.

    For a test that kills a worker mid-task or needs one started with other environment
    variables. The workers share one storage, which is also the test's, and tasks are published
    as with ``live_worker`` (same rules: ``transactional_db``). While the test runs
    the session's worker, if ``live_worker`` started one, stops consuming, so only the test's
    workers take its tasks. Workers still running at the end are stopped.
    """
    _require_redis()
    media_root = tmp_path / "worker-media"
    media_root.mkdir()
    started: list[LiveWorker] = []

    def spawn(env: dict[str, str] | None = None) -> LiveWorker:
        root = tmp_path / f"worker-{len(started) + 1}"
        worker = start_worker(root, media_root=media_root, env=env)
        started.append(worker)
        return worker

    with _publishing(settings, media_root), _session_worker_paused():
        try:
            yield spawn
        finally:
            for worker in started:
                worker.stop()


# --- S3: a local S3-compatible server (moto's) --------------------------------------------------

S3_TEST_ENV = {
    "S3_REGION": "us-east-1",
    "S3_ACCESS_KEY_ID": "mpp-test-key",
    "S3_SECRET_ACCESS_KEY": "mpp-test-secret",
}


@dataclass
class S3Bucket:
    """The test's bucket: ``client`` is a plain boto3 client to look at it from outside MPP;
    ``storage_settings`` what ``console.settings.base`` made of the ``S3_*`` variables."""

    name: str
    endpoint_url: str
    client: Any
    storage_settings: dict[str, Any]

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def _storage_settings_from_env(env: dict[str, str]) -> dict[str, Any]:
    """``STORAGES["default"]`` as the base settings build it from ``env`` (in a fresh process,
    so the settings module reads the variables exactly as in a deployment)."""
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "console.settings.base", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])["default"]


@pytest.fixture(scope="session")
def s3_server():
    """A moto S3 server on a free loopback port for the session; yields its endpoint URL.

    moto is a Python package (requirements-dev.txt), so this never needs a system service.
    """
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_storage_settings(s3_server) -> dict[str, Any]:
    """The default storage the base settings configure for ``S3_*`` variables pointing at
    ``s3_server`` (computed once; each test gets its own bucket)."""
    return _storage_settings_from_env(
        {**S3_TEST_ENV, "S3_BUCKET": "mpp-settings-probe", "S3_ENDPOINT_URL": s3_server}
    )


@pytest.fixture
def s3_bucket(s3_server, s3_storage_settings, settings) -> S3Bucket:
    """The default storage is a new private bucket on ``s3_server``, configured exactly as the
    settings configure S3 from the environment; returns the :class:`S3Bucket`."""
    import boto3

    name = f"mpp-test-{uuid.uuid4().hex[:16]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=S3_TEST_ENV["S3_REGION"],
        aws_access_key_id=S3_TEST_ENV["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_TEST_ENV["S3_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name)
    storage = {
        **s3_storage_settings,
        "OPTIONS": {**s3_storage_settings["OPTIONS"], "bucket_name": name},
    }
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return S3Bucket(
        name=name, endpoint_url=s3_server, client=client, storage_settings=s3_storage_settings
    )


# --- A real browser: Playwright driving Debian's Chromium -------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium_browser(monkeypatch):
    """Chromium driven by Playwright (no `playwright install`: the system binary is used).

    Per test, not per session: while Playwright's sync API is active its event loop counts as
    running in this thread, and Django refuses ORM calls from such a thread unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set; that exemption must not leak into the other tests.
    """
    path = os.environ.get("MPP_CHROMIUM", "/usr/bin/chromium")
    require_service("Chromium", os.path.exists(path), f"no executable at {path}")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright is active run in another context and open their
            # own connection; close it, or PostgreSQL refuses to drop the test database.
            _close_db_connections()


@pytest.fixture
def page(live_server, chromium_browser):
    """A fresh browser context and page; relative URLs (``page.goto("/x/")``) hit live_server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where browser tests save screenshots (var/ is git-ignored)."""
    path = Path(__file__).resolve().parent / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _close_db_connections() -> None:
    from django.db import connections

    connections.close_all()


# --- Who and what most tests start from (workspaces, miniprograms and releases tests) ----------
# An app's tests/conftest.py (or a test module) overrides one of these where its tests need a
# different one; ``owner`` and ``mp`` then build on whichever ``tenant`` and ``owner`` apply.


@pytest.fixture
def tenant():
    """A tenant workspace: "Acme Super App", slug ``acme``."""
    from workspaces.tests.factories import WorkspaceFactory

    return WorkspaceFactory(kind="tenant", name="Acme Super App", slug="acme")


@pytest.fixture
def owner(tenant):
    """The Owner of ``tenant``."""
    from workspaces.tests.factories import MembershipFactory

    return MembershipFactory(workspace=tenant, role="owner")


@pytest.fixture
def admin(tenant):
    """An Admin of ``tenant``."""
    from workspaces.tests.factories import MembershipFactory

    return MembershipFactory(workspace=tenant, role="admin")


@pytest.fixture
def mp(owner):
    """A mini program of the owner's workspace, created through the service by ``owner``."""
    from miniprograms.tests.factories import create_miniprogram

    return create_miniprogram(owner)
