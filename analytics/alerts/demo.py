"""The demo's firing alert (``seed_demo``): Acme Mall on Acme Super App (production) shows a
blank screen on 6 of its last 200 launches (3 %, over the 1 % rule with more than 50 launches),
and the evaluation fires the blank-screen alert — its page (Analytics › Alerts) says the value,
the samples, the threshold and the window, with a link to the real-time chart. Idempotent: once
the alert exists (firing, or resolved since), nothing is written again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from analytics.alerts.evaluate import alerts_evaluate
from analytics.alerts.models import Alert, Metric
from analytics.models import Event
from analytics.partitions import partitions_ensure_days
from miniprograms.models import MiniProgram
from workspaces.models import HostApp

MINIPROGRAM, HOST_APP = "Acme Mall", "Acme Super App"
LAUNCHES, BLANK = 200, 6


def alert_demo() -> int:
    """Write the launches and run an evaluation; returns 1 when the alert fired."""
    mp = MiniProgram.objects.filter(name=MINIPROGRAM, workspace__slug="acme").first()
    host = HostApp.objects.filter(name=HOST_APP).first()
    if mp is None or host is None:
        return 0
    if Alert.objects.filter(miniprogram=mp, host_app=host, metric=Metric.BLANK_SCREEN).exists():
        return 0
    now = timezone.now()
    partitions_ensure_days({now.date(), (now - timedelta(minutes=30)).date()})
    namespace = uuid.UUID(int=mp.pk)
    context = {
        "app_id": mp.app_id,
        "host_app_id": host.pk,
        "environment": "production",
        "version": "1.0.0",
        "platform": "ios",
    }
    rows = [
        Event(
            occurred_at=now - timedelta(seconds=10 + i * 7),
            event_id=uuid.uuid5(namespace, f"alert-demo:{kind}:{i}"),
            device_id=f"demo-device-{i}",
            user_id=f"demo-user-{i}",
            type=kind,
            page="pages/order/track" if kind == "blank_screen" else "pages/index/index",
            **context,
        )
        for kind, n in (("launch", LAUNCHES), ("blank_screen", BLANK))
        for i in range(n)
    ]
    Event.objects.bulk_create(rows, ignore_conflicts=True)
    alerts_evaluate(now=now)
    return int(
        Alert.objects.filter(
            miniprogram=mp, host_app=host, metric=Metric.BLANK_SCREEN, state="firing"
        ).exists()
    )
