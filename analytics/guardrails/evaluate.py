"""The guardrails' arithmetic (issue 15, SPEC §12): a grayscale cohort against the online version.

While a task delivers, the events of the last :data:`WINDOW` on the task's mini program, host app
and environment are counted per version — the task's version (the **cohort**) and the version
online there — in one ``GROUP BY`` (:func:`cohort_counts`). Each alert metric becomes the rate of
a bad outcome, so every comparison is one of two proportions:

=================  ==================================  ===========================
metric             bad outcome                         out of
=================  ==================================  ===========================
jsapi_failure      a JSAPI call that failed            JSAPI calls
http_exception     a request with no answer (status    HTTP requests
                   0) or a status of 400 and above
startup_failure    a start-up that failed              start-ups
slow_startup       a start-up of 500 ms or more        start-ups
blank_screen       a blank screen                      launches
=================  ==================================  ===========================

(The duration rule of the alerts, "start-up ≥ 500 ms", is a percentile there; here it is the
share of slow start-ups, which is a proportion and so takes the same test.)

**The test** (:func:`compare`): a one-sided two-proportion z-test with the pooled proportion,
``z = (p_cohort − p_online) / √(p(1−p)(1/n_cohort + 1/n_online))``. A metric is **worse**
when both sides have at least ``min_samples`` (default 100), the cohort's rate is higher by
more than ``margin`` percentage points (default 1) **and** ``z > 3``. Why this test: every
metric is a count of independent yes/no outcomes, the samples are large (hundreds or more,
where the normal approximation holds), and the question is one-sided — only a cohort doing
*worse* should stop a rollout. Why ``z > 3`` (a one-sided false alarm rate of about 0.13 %)
rather than the usual 1.96: five metrics are tested every five minutes for as long as a task
delivers, so a lenient threshold would halt healthy rollouts by chance; the margin keeps a
difference that is real but too small to matter (0.1 point on millions of calls) from halting
one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from analytics.models import Event

WINDOW = timedelta(minutes=30)
Z_CRITICAL = 3.0
SLOW_STARTUP_MS = 500

T = Event.Type

# metric → (label, bad outcome, all outcomes)
METRICS: dict[str, tuple[str, Q, Q]] = {
    "jsapi_failure": (
        "JSAPI failure rate",
        Q(type=T.JSAPI_CALL, success=False),
        Q(type=T.JSAPI_CALL),
    ),
    "http_exception": (
        "HTTP request exception rate",
        Q(type=T.HTTP_REQUEST) & (Q(status_code=0) | Q(status_code__gte=400)),
        Q(type=T.HTTP_REQUEST),
    ),
    "startup_failure": (
        "Start-up failure rate",
        Q(type=T.STARTUP, success=False),
        Q(type=T.STARTUP),
    ),
    "slow_startup": (
        f"Start-ups of {SLOW_STARTUP_MS} ms or more",
        Q(type=T.STARTUP, duration_ms__gte=SLOW_STARTUP_MS),
        Q(type=T.STARTUP),
    ),
    "blank_screen": (
        "Blank-screen rate (per launch)",
        Q(type=T.BLANK_SCREEN),
        Q(type=T.LAUNCH),
    ),
}


@dataclass(frozen=True)
class Side:
    bad: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.bad / self.total if self.total else None


@dataclass(frozen=True)
class Comparison:
    """One metric, cohort against online. ``verdict``: ``worse``, ``ok`` or ``too_few``."""

    metric: str
    label: str
    cohort_bad: int
    cohort_total: int
    online_bad: int
    online_total: int
    z: float | None
    verdict: str

    @property
    def cohort_rate(self) -> float | None:
        return Side(self.cohort_bad, self.cohort_total).rate

    @property
    def online_rate(self) -> float | None:
        return Side(self.online_bad, self.online_total).rate

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """For the audit note, the email and the webhook: the numbers that decided."""

        def pct(side: Side) -> str:
            rate = side.rate
            return "—" if rate is None else f"{rate * 100:.2f} %"

        cohort, online = (
            Side(self.cohort_bad, self.cohort_total),
            Side(self.online_bad, self.online_total),
        )
        z = "" if self.z is None else f", z = {self.z:.2f}"
        return (
            f"{self.label}: {pct(cohort)} in the cohort ({cohort.bad:,} of {cohort.total:,}) "
            f"against {pct(online)} online ({online.bad:,} of {online.total:,}){z}."
        )


def compare(
    metric: str, cohort: Side, online: Side, *, margin: Decimal, min_samples: int
) -> Comparison:
    """One metric's verdict (the module doc gives the test and its reasons)."""
    label = METRICS[metric][0]

    def result(z: float | None, verdict: str) -> Comparison:
        return Comparison(
            metric, label, cohort.bad, cohort.total, online.bad, online.total, z, verdict
        )

    if cohort.total < min_samples or online.total < min_samples:
        return result(None, "too_few")
    p_cohort, p_online = cohort.bad / cohort.total, online.bad / online.total
    pooled = (cohort.bad + online.bad) / (cohort.total + online.total)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / cohort.total + 1 / online.total))
    difference = p_cohort - p_online
    if spread == 0:  # both sides all good (or all bad): no difference to test
        z = 0.0 if difference == 0 else math.copysign(math.inf, difference)
    else:
        z = difference / spread
    worse = difference * 100 > float(margin) and z > Z_CRITICAL
    return result(None if math.isinf(z) else round(z, 3), "worse" if worse else "ok")


def cohort_counts(
    *,
    app_id: str,
    host_app_id: int,
    environment: str,
    versions: tuple[str, str],
    since: datetime,
    until: datetime,
) -> dict[str, dict[str, int]]:
    """version → ``{<metric>_bad, <metric>_total}`` over ``[since, until)``: one query, on the
    ``(app_id, occurred_at)`` index (and, on PostgreSQL, only the window's partitions)."""
    aggregates: dict[str, Count] = {}
    for name, (_, bad, total) in METRICS.items():
        aggregates[f"{name}_bad"] = Count("event_id", filter=bad)
        aggregates[f"{name}_total"] = Count("event_id", filter=total)
    rows = (
        Event.objects.filter(
            app_id=app_id,
            occurred_at__gte=since,
            occurred_at__lt=until,
            host_app_id=host_app_id,
            environment=environment,
            version__in=versions,
        )
        .values("version")
        .annotate(**aggregates)
        .order_by()
    )
    answer: dict[str, dict[str, int]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        answer[str(values.pop("version"))] = values
    return answer


def evaluate(
    counts: dict[str, dict[str, int]],
    *,
    cohort_version: str,
    online_version: str,
    margin: Decimal,
    min_samples: int,
) -> list[Comparison]:
    """Every metric's comparison, from :func:`cohort_counts`' answer."""
    empty: dict[str, int] = {}
    cohort, online = counts.get(cohort_version, empty), counts.get(online_version, empty)
    return [
        compare(
            name,
            Side(cohort.get(f"{name}_bad", 0), cohort.get(f"{name}_total", 0)),
            Side(online.get(f"{name}_bad", 0), online.get(f"{name}_total", 0)),
            margin=margin,
            min_samples=min_samples,
        )
        for name in METRICS
    ]
