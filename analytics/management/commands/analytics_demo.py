"""``manage.py analytics_demo``: 30 days of realistic SDK events for the demo mini programs, sent
through the real ingestion path, then rolled up — so no chart is empty on first sign-in.

For every mini program on shelf with an active host app (of ``--workspace`` workspaces, or all),
each UTC day gets visitors on a weekday pattern (busier weekends) with steady growth; each visit
launches, starts up (a few fail, 300–700 ms), views pages, calls JSAPIs (``my.getLocation``
fails more on some days), makes HTTP requests (a few 5xx or no answer), now and then shows a
blank screen, adds or removes a favorite, searches. Today gets the events up to now.

The events are SDK batches (JSON objects as the SDK posts them) validated by
:func:`analytics.batch.batch_parse` and written by :func:`analytics.storage.batch_store`, the
endpoint's own functions. Ingestion refuses events older than 3 days and storage leaves out rows
past retention, so each day is sent with the clock at that day's end. Then
:func:`analytics.rollups.rollup_range` rolls the days up, and the normal retention
(:func:`analytics.partitions.partitions_drop_older_than`) forgets the raw events older than 3
days again. Idempotent: event ids are derived from the mini program, host app, day and rank, and
the generator is seeded the same way, so a second run stores nothing new and the rollup upserts
the same figures.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics import partitions
from analytics.batch import MAX_EVENTS, batch_parse
from analytics.storage import batch_store
from miniprograms.models import MiniProgram, MiniProgramHostApp

NAMESPACE = uuid.UUID("5d1c6b1e-3f0e-4a4c-9a51-0d3a9a7b2f10")
PAGES = (
    "pages/index/index",
    "pages/list/list",
    "pages/detail/detail",
    "pages/cart/cart",
    "pages/order/order",
    "pages/me/me",
)
# (JSAPI, usual failure rate, failure rate on a bad day)
JSAPIS = (
    ("my.getLocation", 0.02, 0.12),
    ("my.request", 0.005, 0.005),
    ("my.tradePay", 0.01, 0.04),
    ("my.getStorage", 0.0, 0.0),
    ("my.showToast", 0.0, 0.0),
)
KEYWORDS = ("coffee", "latte", "deals", "delivery", "parking", "order status", "gift card")
PLATFORMS = (("ios", "17.5"), ("android", "14"), ("android", "13"))
WEEKDAY = (1.0, 0.95, 1.0, 1.05, 1.15, 1.35, 1.3)  # Monday … Sunday
# What the demo runs; other mini programs get "1.0.0" (the analytics app cannot read releases).
VERSIONS = {"Acme Mall": ("1.0.0", "1.1.0"), "Blue Bottle Order Ahead": ("0.9.0",)}


@contextmanager
def clock(now: datetime) -> Iterator[None]:
    """Storage keeps the rows of the 3 days before "now" (``partitions.retention_cutoff``):
    while a past day is written, "now" is that day's end."""
    real = partitions.timezone
    partitions.timezone = SimpleNamespace(now=lambda: now)  # type: ignore[assignment]
    try:
        yield
    finally:
        partitions.timezone = real


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class DayTraffic:
    """The events of one mini program in one host app on one UTC day (deterministic)."""

    def __init__(
        self,
        *,
        app_id: str,
        host_app_id: int,
        slug: str,
        name: str,
        day: date,
        rank: int,
        base: int,
    ):
        self.app_id, self.host_app_id, self.day = app_id, host_app_id, day
        self.domain = f"api.{slug or 'demo'}.example"
        self.rng = random.Random(f"{app_id}:{host_app_id}:{day.isoformat()}")  # noqa: S311 (made-up figures)
        self.versions = VERSIONS.get(name, ("1.0.0",))
        self.rank = rank  # days since the first day: growth
        self.base = base
        self.seq = 0
        self.bad_day = self.rng.random() < 0.2  # my.getLocation fails more often

    def _event(
        self, kind: str, at: datetime, visitor: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        self.seq += 1
        event_id = uuid.uuid5(NAMESPACE, f"{self.app_id}:{self.host_app_id}:{self.day}:{self.seq}")
        return {"id": str(event_id), "ts": _ms(at), "type": kind, **visitor, **fields}

    def events(self) -> list[dict[str, Any]]:
        rng = self.rng
        weekday = WEEKDAY[self.day.weekday()]
        visitors = max(
            1, round(self.base * (1 + 0.02 * self.rank) * weekday * rng.uniform(0.9, 1.1))
        )
        start = datetime.combine(self.day, time.min, tzinfo=UTC)
        out: list[dict[str, Any]] = []
        for _ in range(visitors):
            number = rng.randrange(self.base * 5)  # a pool of regulars: visitors come back
            platform, os_version = PLATFORMS[number % len(PLATFORMS)]
            version = self.versions[0]
            if len(self.versions) > 1 and self.rank >= 20 and number % 10 == 0:
                version = self.versions[1]  # the grayscale cohort, in the last days
            visitor = {
                "app_id": self.app_id,
                "env": "production",
                "version": version,
                "device_id": f"dev-{self.host_app_id}-{number}",
                "platform": platform,
                "os_version": os_version,
                "client_version": "10.5.0",
                "base_version": "2.9.1",
            }
            if number % 10 < 7:
                visitor["user_id"] = f"user-{number}"
            # Daytime is busier: 7:00–23:00 mostly.
            at = start + timedelta(seconds=rng.triangular(6 * 3600, 23.5 * 3600, 13 * 3600))
            for _launch in range(2 if rng.random() < 0.25 else 1):
                out.append(self._event("launch", at, visitor, page=PAGES[0]))
                failed = rng.random() < 0.025
                duration = max(80, int(rng.gauss(430, 110)))
                at += timedelta(milliseconds=duration)
                out.append(
                    self._event("startup", at, visitor, success=not failed, duration_ms=duration)
                )
                if failed:
                    continue
                if rng.random() < 0.006:
                    out.append(self._event("blank_screen", at, visitor, page=rng.choice(PAGES)))
                    continue
                for _view in range(rng.randint(1, 4)):
                    at += timedelta(seconds=rng.randint(3, 40))
                    out.append(self._event("page_view", at, visitor, page=rng.choice(PAGES)))
                for _call in range(rng.randint(0, 3)):
                    name, usual, bad = rng.choice(JSAPIS)
                    success = rng.random() >= (bad if self.bad_day else usual)
                    out.append(
                        self._event(
                            "jsapi_call",
                            at,
                            visitor,
                            name=name,
                            success=success,
                            duration_ms=rng.randint(5, 300),
                        )
                    )
                for _request in range(rng.randint(1, 2)):
                    roll = rng.random()
                    status = 0 if roll < 0.003 else 500 if roll < 0.01 else 200
                    out.append(
                        self._event(
                            "http_request",
                            at,
                            visitor,
                            domain=self.domain,
                            status=status,
                            duration_ms=rng.randint(40, 900),
                        )
                    )
                at += timedelta(minutes=rng.randint(20, 240))
            if rng.random() < 0.04:
                out.append(self._event("favorite_add", at, visitor))
            if rng.random() < 0.012:
                out.append(self._event("favorite_remove", at, visitor))
            if rng.random() < 0.12:
                out.append(self._event("search", at, visitor, keyword=rng.choice(KEYWORDS)))
        return out


class Command(BaseCommand):
    help = "Generate 30 days of demo analytics through the ingestion path and roll them up."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Days before today (default 30).")
        parser.add_argument(
            "--workspace",
            action="append",
            default=[],
            help="Only this workspace's mini programs (repeatable; default: every workspace).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "MPP_ENVIRONMENT", "") == "production":
            raise CommandError("analytics_demo writes made-up figures: not in production.")
        from analytics.rollups import rollup_range  # the nightly rollup's own code

        now = timezone.now().astimezone(UTC)
        today = now.date()
        first = today - timedelta(days=max(1, options["days"]))
        targets = (
            MiniProgramHostApp.objects.filter(
                status=MiniProgramHostApp.Status.ACTIVE,
                miniprogram__shelf_status=MiniProgram.Shelf.ON,
            )
            .select_related("miniprogram__workspace")
            .order_by("miniprogram__app_id", "host_app_id")
        )
        if options["workspace"]:
            targets = targets.filter(miniprogram__workspace__slug__in=options["workspace"])
        targets = list(targets)
        if not targets:
            self.stdout.write("analytics_demo: no mini program with a host app; nothing to do.")
            return
        sent = stored = 0
        day = first
        while day <= today:
            day_end = datetime.combine(day, time.max, tzinfo=UTC)
            moment = min(day_end, now)
            now_ms = _ms(moment)
            with clock(moment):
                for target in targets:
                    mp = target.miniprogram
                    traffic = DayTraffic(
                        app_id=mp.app_id,
                        host_app_id=target.host_app_id,
                        slug=mp.workspace.slug,
                        name=mp.name,
                        day=day,
                        rank=(day - first).days,
                        base=4 + int(mp.app_id[-3:]) % 4 * 2,
                    )
                    events = [e for e in traffic.events() if e["ts"] <= now_ms]
                    for i in range(0, len(events), MAX_EVENTS):
                        batch = batch_parse(
                            {"events": events[i : i + MAX_EVENTS]},
                            host_app_id=target.host_app_id,
                            now_ms=now_ms,
                        )
                        if batch.errors:
                            raise CommandError(f"demo events refused: {batch.errors[:3]}")
                        sent += batch.accepted
                        stored += batch_store(batch)
            day += timedelta(days=1)
        rows = rollup_range(first, today - timedelta(days=1))
        dropped = partitions.partitions_drop_older_than(days=partitions.RETENTION_DAYS)
        self.stdout.write(
            f"analytics_demo: {sent} events sent ({stored} new) for {len(targets)} mini program "
            f"× host app pairs, {first.isoformat()} to today; {rows} rollup rows; raw events "
            f"past retention dropped ({dropped})."
        )
