"""The demo's guardrail at work (``seed_demo``): the grayscale task "Tracking on test" (Acme
Mall 1.1.0 on Acme Super App, test) gets half an hour of events in which its cohort's JSAPI
calls fail about 9 % of the time against 2 % on the online 1.0.0, and the guardrails' pass
suspends it — its page then explains which metric and the numbers. Idempotent: a task already
tripped (or not delivering) is left alone; the event ids are fixed per task.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from analytics.guardrails.services import guardrails_check
from analytics.models import Event, Guardrail
from analytics.partitions import partitions_ensure_days
from releases.grayscale.models import GrayscaleTask

TASK_NAME = "Tracking on test"
# version → (JSAPI calls, failed, launches, blank screens) over the half hour
TRAFFIC = {"1.1.0": (400, 36, 160, 1), "1.0.0": (2400, 48, 900, 4)}
APIS = ("my.tradePay", "my.getLocation", "my.request", "my.scan")


def guardrail_demo() -> int:
    """Write the events and run the guardrails' pass; returns 1 when it suspended the task."""
    task = (
        GrayscaleTask.objects.select_related("target__miniprogram", "target__host_app")
        .filter(name=TASK_NAME, state=GrayscaleTask.State.DELIVERING)
        .first()
    )
    if task is None or Guardrail.objects.filter(task=task, tripped_at__isnull=False).exists():
        return 0
    now = timezone.now()
    partitions_ensure_days({now.date(), (now - timedelta(minutes=30)).date()})
    target = task.target
    namespace = uuid.UUID(int=task.pk)
    rows: list[Event] = []
    for version, (calls, failed, launches, blank) in TRAFFIC.items():
        context = {
            "app_id": target.miniprogram.app_id,
            "host_app_id": target.host_app_id,
            "environment": target.environment,
            "version": version,
            "platform": "android",
        }

        def add(
            n: int, kind: str, version: str = version, context: dict = context, **fields: object
        ) -> None:
            for i in range(n):
                rows.append(
                    Event(
                        occurred_at=now - timedelta(seconds=5 + (i * 7919) % 1700),
                        event_id=uuid.uuid5(namespace, f"{version}:{kind}:{i}"),
                        device_id=f"demo-device-{i % 300}",
                        user_id=f"demo-user-{i % 250}",
                        type=kind,
                        **context,
                        **fields,
                    )
                )

        add(failed, "jsapi_call", name=APIS[0], success=False, duration_ms=900)
        for i, api in enumerate(APIS):
            share = (calls - failed) // len(APIS) + (1 if i < (calls - failed) % len(APIS) else 0)
            add(share, f"jsapi_call:{api}", name=api, success=True, duration_ms=40)
        add(launches, "launch")
        add(blank, "blank_screen")
    for row in rows:
        row.type = row.type.split(":")[0]
    Event.objects.bulk_create(rows, ignore_conflicts=True)
    return guardrails_check(now=now)["suspended"]
