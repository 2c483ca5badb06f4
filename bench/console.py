"""Benchmark: the console's main pages at 10,000 mini programs against the demo data, same run.

1. Seeds a database of its own (SQLite under var/bench/ unless ``--database-url``: EVERYTHING
   IN IT IS DROPPED first) with the demo data (``seed_demo``, through the services) and one
   tenant workspace at a real super app's scale, bulk-inserted through the models: 10,003 mini
   programs (half with a second language, one in 40 named "… Mall …"), two versions each
   (19,978 … 20,006) spread over 90 days, 204 members (1 Owner, 20 Admins, 33 Reviewers, 150
   Developers holding 50 develop grants each), two host apps, 20,026 audit events, and the
   T+1 analytics figures of the last 7 days (about 280,000 rollup rows).
2. Serves the console (``console.wsgi``) with the Docker image's server
   (Granian, 2 processes of one request at a time), under production's
   settings (``bench.settings_console``: production + an ``X-Bench-Queries`` header counting
   the request's SQL statements).
3. Times each main page as the Owner and as a Developer of both workspaces, the demo's and
   the big one's, alternating request by request (so the noise of a shared machine falls on
   both alike): overview, mini programs list page 1 / page 100 / search, one mini program's
   tabs (overview, versions, releases, members), workspace members, audit log (plain and
   filtered), the all-teams list, the API list. Prints p50/p95 per page and data set, the
   ratio of the p95s, the query counts and the page sizes.

Target (issue 16): every page's p95 at 10k ≤ 1.5 × its p95 on the demo data. A missed target
is printed MISSED; the exit status is 1 when one is missed or a page answers an unexpected
status, 0 otherwise.

    .venv/bin/python bench/console.py [--requests 100] [--warmup 3]
        [--database-url postgres://postgres@127.0.0.1:5432/mpp_bench] [--only overview,audit]

Needs Linux (``/proc``: the server helpers of bench/resolve.py).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.resolve import VAR, django_setup, fresh_database, start_server  # noqa: E402

TARGET_RATIO = 1.5
SCALE_SLUG = "bench-10k"
MINIPROGRAMS = 10_003
VERSIONS_PER_PROGRAM = 2
ADMINS, REVIEWERS, DEVELOPERS = 20, 33, 150
GRANTS_PER_DEVELOPER = 50
AUDIT_EVENTS = 20_026
DAYS = 90
ROLLUP_DAYS = 7  # days of T+1 analytics figures per mini program
WORDS = (
    "Coffee", "Taxi", "Parking", "Hotel", "Cinema", "Books", "Pharmacy", "Florist", "Bakery",
    "Tickets", "Fitness", "Laundry", "Pet", "Garden", "Music", "Travel", "Games", "News",
    "Weather", "Bank", "Insurance", "Grocery", "Pizza", "Sushi", "Noodles", "Tea", "Bike",
    "Rail", "Airline", "Clinic", "School", "Library", "Museum", "Zoo", "Theatre", "Market",
    "Fashion", "Shoes", "Sports",
)  # fmt: skip
AUDIT_VERBS = (
    "miniprogram.create", "miniprogram.update", "miniprogram.shelf_off", "miniprogram.shelf_on",
    "miniprogram.developer_assign", "miniprogram.developer_unassign", "miniprogram.testers_add",
    "version.upload", "version.ready", "release.submit", "release.publish",
    "membership.add", "membership.role_change", "invitation.create", "invitation.accept",
    "host_app.create", "host_app.update", "api_token.create",
)  # fmt: skip


# --- seeding (needs Django set up) --------------------------------------------------------------


@dataclass
class Scale:
    """What the page list needs of the big workspace."""

    slug: str
    owner_email: str
    developer_email: str
    owner_app_id: str  # one mini program of the workspace (the Owner's tabs)
    developer_app_id: str  # one the Developer is assigned to
    counts: dict[str, int] = field(default_factory=dict)


def _spread(model: Any, pks: list[int], *, now: Any, buckets: int, field_name: str) -> None:
    """``auto_now_add`` fields get the insert time: move rows back over ``DAYS`` days, newest
    last-inserted, in ``buckets`` updates (one per slice of primary keys)."""
    size = max(1, len(pks) // buckets)
    for index in range(0, len(pks), size):
        chunk = pks[index : index + size]
        age = timedelta(days=DAYS) * (1 - index / len(pks))
        model.objects.filter(pk__in=chunk).update(**{field_name: now - age})


def seed_scale(*, rng: random.Random, batch: int = 1000) -> Scale:
    """The big tenant workspace (see the module doc), in one transaction."""
    from django.contrib.auth.models import Permission
    from django.db import transaction
    from django.utils import timezone

    from miniprograms.models import (
        AppIdAllocation,
        Industry,
        MiniProgram,
        MiniProgramHostApp,
        MiniProgramLanguage,
        MiniProgramUserObjectPermission,
    )
    from releases.models import Version
    from workspaces import keys
    from workspaces.models import AuditEvent, HostApp, Membership, User, Workspace

    now = timezone.now()
    with transaction.atomic():
        workspace = Workspace.objects.create(slug=SCALE_SLUG, name="Bench 10k", kind="tenant")
        roles = (
            [Membership.Role.OWNER]
            + [Membership.Role.ADMIN] * ADMINS
            + [Membership.Role.REVIEWER] * REVIEWERS
            + [Membership.Role.DEVELOPER] * DEVELOPERS
        )
        users = User.objects.bulk_create(
            User(email=f"{role}{n}@bench.example.com", name=f"{role.title()} {n:03d}")
            for n, role in enumerate(roles)
        )
        for user in users:
            user.set_unusable_password()
        User.objects.bulk_update(users, ["password"])
        members = Membership.objects.bulk_create(
            Membership(
                user=user,
                workspace=workspace,
                role=role,
                status=Membership.Status.BLOCKED if n % 37 == 36 else Membership.Status.ACTIVE,
            )
            for n, (user, role) in enumerate(zip(users, roles, strict=True))
        )
        host_apps = [
            HostApp.objects.create(
                workspace=workspace,
                name=f"Bench host app {n}",
                app_key=keys.random_string(length=20, alphabet=keys.PREFIX_ALPHABET),
                secret_hash=keys.keyed_hash(keys.random_secret()),
            )
            for n in (1, 2)
        ]
        industry = Industry.objects.filter(parent__isnull=False).select_related("parent").first()
        if industry is None:
            industry = Industry.objects.create(code="bench", name="Bench")
        programs: list[Any] = []
        for first in range(0, MINIPROGRAMS, batch):
            chunk = []
            for n in range(first, min(first + batch, MINIPROGRAMS)):
                word = "Mall" if n % 40 == 7 else rng.choice(WORDS)
                name = f"{word} {rng.choice(WORDS)} {n}"[:30]
                released = n % 3 != 0
                profile = {  # what host apps show, as miniprogram_profile_release stores it
                    "default_language": "en",
                    "name": name,
                    "tagline": f"{word} near you",
                    "description": f"A mini program seeded by bench/console.py, number {n}.",
                    "logo": f"miniprogram-logos/{n:032x}.png",
                    "industry": industry.code,
                    "industry_name": industry.path,
                    "service_phone": "0571-8888888",
                    "service_email": f"service{n}@bench.example.com",
                    "languages": {}
                    if n % 2
                    else {
                        "zh-Hans": {
                            "name": f"小程序{n}",
                            "tagline": "基准测试",
                            "description": "由基准测试脚本生成。",
                        }
                    },
                }
                chunk.append(
                    MiniProgram(
                        workspace=workspace,
                        app_id=f"8100{n + 1:012d}",
                        kind=MiniProgram.Kind.TENANT,
                        name=name,
                        tagline=f"{word} near you",
                        description=f"A mini program seeded by bench/console.py, number {n}.",
                        logo=f"miniprogram-logos/{n:032x}.png",
                        industry=industry,
                        service_phone="0571-8888888",
                        service_email=f"service{n}@bench.example.com",
                        released_profile=profile if released else None,
                        released_at=now if released else None,
                        shelf_status=MiniProgram.Shelf.OFF if n % 50 == 0 else MiniProgram.Shelf.ON,
                        created_by=users[0],
                    )
                )
            AppIdAllocation.objects.bulk_create(AppIdAllocation(app_id=p.app_id) for p in chunk)
            chunk = MiniProgram.objects.bulk_create(chunk)
            programs.extend(chunk)
            MiniProgramLanguage.objects.bulk_create(
                MiniProgramLanguage(
                    miniprogram=p,
                    language="zh-Hans",
                    name=f"小程序{p.pk}",
                    tagline="基准测试",
                    description="由基准测试脚本生成的小程序。",
                )
                for i, p in enumerate(chunk)
                if i % 2 == 0
            )
            MiniProgramHostApp.objects.bulk_create(
                MiniProgramHostApp(miniprogram=p, host_app=h)
                for i, p in enumerate(chunk)
                for h in host_apps[: 1 + i % 2]
            )
            Version.objects.bulk_create(
                Version(
                    workspace=workspace,
                    miniprogram=p,
                    number=f"1.{minor}.0",
                    major=1,
                    minor=minor,
                    patch=0,
                    status=Version.Status.READY,
                    package=f"packages/bench/{p.app_id}-{minor}.zip",
                    package_size=1_048_576 + minor,
                    package_sha256=f"{p.pk:032x}{minor:032x}",
                    uploaded_by=users[len(roles) - 1 - (i % DEVELOPERS)],
                )
                for i, p in enumerate(chunk)
                for minor in range(VERSIONS_PER_PROGRAM)
            )
        _spread(
            MiniProgram, [p.pk for p in programs], now=now, buckets=200, field_name="created_at"
        )
        version_pks = list(
            Version.objects.filter(workspace=workspace).order_by("pk").values_list("pk", flat=True)
        )
        _spread(Version, version_pks, now=now, buckets=400, field_name="created_at")
        develop = Permission.objects.get(
            codename="develop_miniprogram", content_type__app_label="miniprograms"
        )
        developers = [m for m in members if m.role == Membership.Role.DEVELOPER]
        MiniProgramUserObjectPermission.objects.bulk_create(
            MiniProgramUserObjectPermission(
                user_id=m.user_id,
                permission=develop,
                content_object=programs[(d * 61 + g) % len(programs)],
            )
            for d, m in enumerate(developers)
            for g in range(GRANTS_PER_DEVELOPER)
        )
        for first in range(0, AUDIT_EVENTS, batch):
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    workspace=workspace,
                    actor=users[n % 21],
                    actor_label=users[n % 21].email,
                    verb=AUDIT_VERBS[n % len(AUDIT_VERBS)],
                    target_type="miniprograms.miniprogram",
                    target_id=str(programs[n % len(programs)].pk),
                    target_repr=programs[n % len(programs)].name,
                    after={"app_id": programs[n % len(programs)].app_id},
                    ip="10.0.0.1",
                    created_at=now - timedelta(days=DAYS) * (1 - n / AUDIT_EVENTS),
                )
                for n in range(first, min(first + batch, AUDIT_EVENTS))
            )
        _seed_rollups(programs, host_apps, rng=rng, batch=batch * 5)
    developer = developers[0]
    granted = MiniProgramUserObjectPermission.objects.filter(user_id=developer.user_id).first()
    return Scale(
        slug=workspace.slug,
        owner_email=users[0].email,
        developer_email=developer.user.email,
        owner_app_id=programs[len(programs) // 2].app_id,
        developer_app_id=granted.content_object.app_id,
        counts={
            "mini programs": MiniProgram.objects.filter(workspace=workspace).count(),
            "versions": Version.objects.filter(workspace=workspace).count(),
            "members": Membership.objects.filter(workspace=workspace).count(),
            "develop grants": MiniProgramUserObjectPermission.objects.filter(
                content_object__workspace=workspace
            ).count(),
            "audit events": AuditEvent.objects.filter(workspace=workspace).count(),
            "daily rollup rows": _rollup_count(programs),
        },
    )


def _seed_rollups(programs: list[Any], host_apps: list[Any], *, rng: Any, batch: int) -> None:
    """The T+1 figures of the last ``ROLLUP_DAYS`` complete days, as the nightly rollup writes
    them for production: per mini program and day one all-versions row per host app it is on
    (one or two), one for every host app together, and one row of its newest version per host
    app — what the Analytics pages read. Mini programs are on host app 1, odd ones also on 2."""
    from django.utils import timezone

    from analytics.models import DailyRollup
    from analytics.reports import last_complete_day

    last = last_complete_day()
    computed = timezone.now()
    rows: list[Any] = []

    def row(day: Any, app_id: str, host: int, version: str, pv: int, uv: int) -> Any:
        return DailyRollup(
            day=day, app_id=app_id, host_app_id=host, environment="production", version=version,
            pv=pv, uv=uv, uv_previous=max(uv - rng.randint(-20, 20), 0), visits=pv // 3,
            total_users=uv * 9, startups=pv // 3, startup_successes=pv // 3 - 1,
            startup_duration_ms_sum=pv * 300, jsapi_calls=pv * 2, jsapi_successes=pv * 2 - 3,
            http_requests=pv, computed_at=computed,
        )  # fmt: skip

    for n, program in enumerate(programs):
        hosts = host_apps[: 1 + n % 2]
        for back in range(ROLLUP_DAYS):
            day = last - timedelta(days=back)
            total_pv = total_uv = 0
            for host in hosts:
                pv, uv = rng.randint(0, 5000), rng.randint(0, 800)
                total_pv, total_uv = total_pv + pv, total_uv + uv
                rows.append(row(day, program.app_id, host.pk, DailyRollup.ALL, pv, uv))
                rows.append(row(day, program.app_id, host.pk, "1.1.0", pv, uv))
            rows.append(
                row(day, program.app_id, DailyRollup.ALL_HOST_APPS, DailyRollup.ALL, total_pv,
                    total_uv)
            )  # fmt: skip
        if len(rows) >= batch:
            DailyRollup.objects.bulk_create(rows)
            rows = []
    DailyRollup.objects.bulk_create(rows)


def _rollup_count(programs: list[Any]) -> int:
    from analytics.models import DailyRollup

    return DailyRollup.objects.filter(app_id__startswith=programs[0].app_id[:4]).count()


def seed_demo() -> Scale:
    """The demo data set (``seed_demo``), described like the big one."""
    from django.core.management import call_command
    from django.test import override_settings

    from miniprograms.models import MiniProgram, MiniProgramUserObjectPermission
    from workspaces.models import Membership

    # seed_demo refuses production (published passwords); this database is the bench's own.
    quiet_mail = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(MPP_ENVIRONMENT="development", EMAIL_BACKEND=quiet_mail):
        call_command("seed_demo", verbosity=0)
    developer = Membership.objects.get(workspace__slug="acme", user__email="developer@example.com")
    granted = MiniProgramUserObjectPermission.objects.filter(
        user_id=developer.user_id, content_object__workspace__slug="acme"
    ).first()
    return Scale(
        slug="acme",
        owner_email="owner@example.com",
        developer_email="developer@example.com",
        owner_app_id=MiniProgram.objects.filter(workspace__slug="acme")
        .order_by("created_at")
        .first()
        .app_id,
        developer_app_id=granted.content_object.app_id,
    )


def credentials(email: str) -> tuple[str, str]:
    """A signed-in session (cookie value) and an API token for ``email``."""
    from django.test import Client

    from workspaces.models import User
    from workspaces.services.tokens import token_create

    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    _token, raw = token_create(user=user, name=f"bench {secrets.token_hex(3)}")
    return client.cookies["sessionid"].value, raw


# --- the pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    status: int = 200
    api: bool = False


def pages(scale: Scale, role: str) -> list[Page]:
    """The main pages of ``scale``'s workspace as ``role`` ("Owner" or "Developer") opens them."""
    w = f"/w/{scale.slug}"
    app = scale.owner_app_id if role == "Owner" else scale.developer_app_id
    m = f"{w}/miniprograms/{app}"
    audit_status = 200 if role == "Owner" else 403
    return [
        Page("overview", f"{w}/"),
        Page("mini programs list", f"{w}/miniprograms/"),
        Page("list page 100", f"{w}/miniprograms/?page=100"),
        Page("search ?q=mall", f"{w}/miniprograms/?q=mall"),
        Page("mp overview", f"{m}/"),
        Page("mp versions", f"{m}/versions/"),
        Page("mp releases", f"{m}/releases/"),
        Page("mp members", f"{m}/members/"),
        Page("mp sending", f"{m}/subscriptions/sending/"),
        Page("mp delivery log", f"{m}/subscriptions/log/"),
        Page("mp analytics", f"{m}/analytics/"),
        Page("mp real-time", f"{m}/analytics/realtime/"),
        Page("mp logs", f"{m}/analytics/logs/"),
        Page("mp alerts", f"{m}/analytics/alerts/"),
        Page("members", f"{w}/members/"),
        Page("approvals hub", f"{w}/approvals/"),
        Page("analytics", f"{w}/analytics/"),
        Page("audit log", f"{w}/audit/", audit_status),
        Page("audit ?action=version.", f"{w}/audit/?action=version.", audit_status),
        Page("all-teams list", "/miniprograms/"),
        Page("API list", f"/api/v1/workspaces/{scale.slug}/miniprograms", api=True),
    ]


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)
    queries: int = -1
    size: int = 0
    status: int = 0

    def p(self, q: int) -> float:
        return statistics.quantiles(self.times, n=100, method="inclusive")[q - 1] * 1000


def fetch(port: int, page: Page, session: str, token: str) -> tuple[float, int, int, int]:
    """One GET on a new connection: (seconds, status, queries, bytes)."""
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    if page.api:
        headers["Authorization"] = f"Bearer {token}"
    else:
        headers["Cookie"] = f"sessionid={session}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request("GET", page.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        return elapsed, response.status, int(response.getheader("X-Bench-Queries", "-1")), len(body)
    finally:
        connection.close()


def measure(
    port: int, pair: tuple[Page, Page], logins: tuple[tuple[str, str], tuple[str, str]], args
) -> tuple[Timing, Timing]:
    """Both data sets' page, alternately: warm-up requests, then ``--requests`` timed each."""
    timings = (Timing(), Timing())
    for round_ in range(args.warmup + args.requests):
        for side in (0, 1) if round_ % 2 == 0 else (1, 0):
            elapsed, status, queries, size = fetch(port, pair[side], *logins[side])
            timing = timings[side]
            timing.status, timing.queries, timing.size = status, queries, size
            if round_ >= args.warmup:
                timing.times.append(elapsed)
    return timings


def report(rows: list[tuple[str, str, Page, Timing, Timing]]) -> int:
    failures = 0
    print()
    print(
        "| page | role | demo p50/p95 ms | 10k p50/p95 ms | p95 ratio | queries demo/10k "
        "| KB demo/10k |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, role, page, demo, big in rows:
        ratio = big.p(95) / demo.p(95)
        bad_status = demo.status != page.status or big.status != page.status
        missed = ratio > TARGET_RATIO
        failures += missed or bad_status
        mark = "" if not (missed or bad_status) else " MISSED" if missed else ""
        if bad_status:
            mark += f" STATUS {demo.status}/{big.status} (expected {page.status})"
        print(
            f"| {name} | {role} | {demo.p(50):.0f}/{demo.p(95):.0f} | "
            f"{big.p(50):.0f}/{big.p(95):.0f} | {ratio:.2f}×{mark} | "
            f"{demo.queries}/{big.queries} | {demo.size / 1024:.0f}/{big.size / 1024:.0f} |"
        )
    print()
    print(
        f"target: every page's p95 at 10k ≤ {TARGET_RATIO}× its demo p95: "
        + ("met" if not failures else f"{failures} MISSED")
    )
    return failures


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--database-url",
        default=f"sqlite:///{VAR / 'console.sqlite3'}",
        help="a database of its own: EVERYTHING IN IT IS DROPPED (default: SQLite under var/bench)",
    )
    add(  # a p95 of 40 requests swung by a few ms on the 10-ms pages (the API list)
        "--requests", type=int, default=100, help="timed requests per page and data set"
    )
    add("--warmup", type=int, default=3, help="untimed requests first")
    add("--workers", type=int, default=2, help="web server processes (one request at a time each)")
    add("--only", default="", help="comma-separated page names (default: all)")
    add("--reuse", action="store_true", help="skip seeding: the database of an earlier run")
    return parser.parse_args()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """Production settings' environment, with throwaway secrets (made anew each run)."""
    import base64

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_console",
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "HASH_PEPPER": secrets.token_hex(32),
        "RUNTIME_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "smtp://mail.invalid:25",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(VAR / "media"),
        "SITE_URL": "https://mpp.example.com",
    }
    env.pop("REDIS_URL", None)
    return env


def main() -> int:
    args = parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    django_setup(env)
    from django.db import connection

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    if not args.reuse:
        started = time.perf_counter()
        fresh_database()
        demo = seed_demo()
        print(f"migrated and loaded the demo data in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        big = seed_scale(rng=random.Random(16))  # noqa: S311 - the same data on every run
        print(
            f"seeded {SCALE_SLUG} in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in big.counts.items())
        )
    else:
        demo, big = _demo_again(), _scale_again()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # production's manifest
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does to a table after a load
            cursor.execute("VACUUM ANALYZE")
    logins = {
        (which, role): credentials(email)
        for which, scale in (("demo", demo), ("10k", big))
        for role, email in (("Owner", scale.owner_email), ("Developer", scale.developer_email))
    }
    connection.close()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - {page.name for page in pages(demo, "Owner")}
    if unknown:
        print(f"--only: no page named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    server = start_server("console", "console.wsgi", env, args.workers)
    rows = []
    try:
        print(
            f"Granian: {args.workers} processes; {args.requests} timed requests per page and "
            f"data set (+{args.warmup} warm-up), alternating demo and 10k"
        )
        for role in ("Owner", "Developer"):
            for demo_page, big_page in zip(pages(demo, role), pages(big, role), strict=True):
                if only and demo_page.name not in only:
                    continue
                timings = measure(
                    server.port,
                    (demo_page, big_page),
                    (logins["demo", role], logins["10k", role]),
                    args,
                )
                rows.append((demo_page.name, role, demo_page, *timings))
                print(".", end="", flush=True)
    finally:
        server.stop()
    return 1 if report(rows) else 0


def _demo_again() -> Scale:
    """``--reuse``: the demo workspace of an earlier run (``seed_demo`` is idempotent), after
    the migrations the tree gained since (the demo may seed their tables)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return seed_demo()


def _scale_again() -> Scale:
    """``--reuse``: find the big workspace of an earlier run."""
    from miniprograms.models import MiniProgram, MiniProgramUserObjectPermission
    from workspaces.models import Membership

    developer = (
        Membership.objects.filter(workspace__slug=SCALE_SLUG, role="developer")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    granted = MiniProgramUserObjectPermission.objects.filter(user_id=developer.user_id).first()
    programs = MiniProgram.objects.filter(workspace__slug=SCALE_SLUG).order_by("pk")
    _reseed_rollups(list(programs))
    return Scale(
        slug=SCALE_SLUG,
        owner_email=Membership.objects.get(workspace__slug=SCALE_SLUG, role="owner").user.email,
        developer_email=developer.user.email,
        owner_app_id=programs[programs.count() // 2].app_id,
        developer_app_id=granted.content_object.app_id,
    )


def _reseed_rollups(programs: list[Any]) -> None:
    """The demo seeded again rolls its recent days up again, which deletes every row of those
    days without raw events — the big workspace's figures among them: write them anew."""
    from django.db import transaction

    from analytics.models import DailyRollup
    from workspaces.models import HostApp

    host_apps = list(HostApp.objects.filter(workspace__slug=SCALE_SLUG).order_by("pk"))
    with transaction.atomic():
        DailyRollup.objects.filter(app_id__in=[p.app_id for p in programs]).delete()
        _seed_rollups(programs, host_apps, rng=random.Random(16), batch=5000)  # noqa: S311


if __name__ == "__main__":
    sys.exit(main())
