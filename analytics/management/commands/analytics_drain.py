"""``manage.py analytics_drain``: a dedicated drain of the analytics events stream.

The beat schedule already runs ``analytics.drain_stream`` every few seconds on the default
queue; a deployment with heavy traffic runs this command instead (or beside it: drains share
the stream's consumer group) as its own process. It keeps going through Redis outages (the
stream deleted, Redis restarted): it logs, waits a second and reads again.
"""

from __future__ import annotations

import logging
import time

import redis
from django.core.management.base import BaseCommand, CommandError

from analytics import stream

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Write the analytics events stream to the database (COPY), until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="stop when the stream is empty")
        parser.add_argument("--consumer", default="", help="consumer name (default host-pid)")
        parser.add_argument("--count", type=int, default=stream.READ_COUNT)

    def handle(self, *args, once: bool, consumer: str, count: int, **options):
        if not stream.is_enabled():
            raise CommandError("REDIS_URL is not set: the web process writes events itself.")
        consumer = consumer or stream.default_consumer()
        while True:
            try:
                result = stream.stream_drain(
                    consumer=consumer, max_seconds=30.0, count=count, block_ms=1000
                )
            except redis.RedisError as exc:  # unacknowledged entries stay pending: no loss
                logger.warning("analytics_drain: Redis error (%s); retrying in 1 s", exc)
                time.sleep(1)
                continue
            if result.entries and options["verbosity"] > 1:
                self.stdout.write(f"{result.entries} entries, {result.rows} new rows")
            if once and not result.entries:
                return
