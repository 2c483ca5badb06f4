"""The five alert rules of Alipay+ (SPEC §9, issue 15): defaults, the effective rule of a
mini program on a host app, and the one comparison that decides whether a metric fires.

Every rule fires only when its window holds **strictly more** samples than ``min_samples`` (the
seeds' "over > 50 calls") *and* the value crosses the threshold in the rule's direction:

========================  ======================================  =============  ===========
metric                    value                                   fires when     samples
========================  ======================================  =============  ===========
JSAPI success rate        successful calls / calls, in %          value < 95     calls
HTTP exception rate       exceptions / requests, in %             value > 1      requests
start-up success rate     successful start-ups / start-ups, in %  value < 95     start-ups
start-up duration (p90)   90th percentile of the successful       value ≥ 500    timed
                          start-ups' duration, in ms                             start-ups
blank-screen rate         blank screens / launches, in %          value > 1      launches
========================  ======================================  =============  ===========

An HTTP request is an **exception** when it got no answer (status 0) or a status ≥ 400 — the
same definition the T+1 rollup's ``http_exceptions`` uses.

**Why p90 for the start-up duration.** The Alipay+ rule says "start-up duration ≥ 500 ms"
without a statistic. A mean is dragged by a few very slow devices and hides a slow tail behind
many fast launches; a median (p50) only moves when *half* the users are slow, which is late. The
90th percentile says "one user in ten waits at least this long": it moves as soon as a real
share of users suffers (a heavy new page, a slow CDN region) while one stuck device cannot fire
it. It is computed over successful start-ups only (a failed start-up's duration is not a wait
for the mini program; failures have their own rule), with linear interpolation
(``percentile_cont(0.9)`` on PostgreSQL, the same formula on SQLite).

Rates are compared exactly (integers against the decimal threshold), so 95 % of 100 calls does
not fire a "< 95 %" rule and 94.99… % does, whatever floating point would say.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from analytics.alerts.models import Metric


class Direction(StrEnum):
    BELOW = "below"  # fires when the value is strictly below the threshold
    ABOVE = "above"  # fires when the value is strictly above the threshold
    AT_LEAST = "at_least"  # fires when the value is at or above the threshold


@dataclass(frozen=True)
class RuleSpec:
    """What a metric measures and its Alipay+ default."""

    metric: Metric
    direction: Direction
    threshold: Decimal  # the default
    min_samples: int  # the default: fires only with strictly more samples than this
    unit: str  # "%" or "ms"
    samples_label: str  # "calls", "requests", …
    max_threshold: Decimal  # what an edit may set at most

    @property
    def operator(self) -> str:
        return {Direction.BELOW: "<", Direction.ABOVE: ">", Direction.AT_LEAST: "≥"}[self.direction]

    @property
    def label(self) -> str:
        return str(self.metric.label)


SPECS: dict[str, RuleSpec] = {
    spec.metric.value: spec
    for spec in (
        RuleSpec(
            Metric.JSAPI_SUCCESS, Direction.BELOW, Decimal("95"), 50, "%", "calls", Decimal(100)
        ),
        RuleSpec(
            Metric.HTTP_EXCEPTION, Direction.ABOVE, Decimal("1"), 50, "%", "requests", Decimal(100)
        ),
        RuleSpec(
            Metric.STARTUP_SUCCESS,
            Direction.BELOW,
            Decimal("95"),
            50,
            "%",
            "start-ups",
            Decimal(100),
        ),
        RuleSpec(
            Metric.STARTUP_DURATION,
            Direction.AT_LEAST,
            Decimal("500"),
            50,
            "ms",
            "timed start-ups",
            Decimal(600_000),
        ),
        RuleSpec(
            Metric.BLANK_SCREEN, Direction.ABOVE, Decimal("1"), 50, "%", "launches", Decimal(100)
        ),
    )
}
METRICS: tuple[str, ...] = tuple(SPECS)
MAX_MIN_SAMPLES = 1_000_000


@dataclass(frozen=True)
class EffectiveRule:
    """The rule that applies to one metric of a mini program on one host app."""

    metric: str
    is_enabled: bool
    threshold: Decimal
    min_samples: int
    source: str  # "default", "mini program" or "host app"

    @property
    def spec(self) -> RuleSpec:
        return SPECS[self.metric]


def default_rule(metric: str) -> EffectiveRule:
    spec = SPECS[metric]
    threshold = spec.threshold.quantize(Decimal("0.01"))  # as a stored rule reads
    return EffectiveRule(metric, True, threshold, spec.min_samples, "default")


@dataclass(frozen=True)
class Measure:
    """One metric of one window: the value's numerator and denominator for a rate (``part`` of
    ``samples``), or the measured value itself (``value``, the p90) with its ``samples``."""

    samples: int
    part: int | None = None
    value: float | None = None

    def number(self) -> Decimal | None:
        """The value shown and stored: a percentage or milliseconds, two decimals."""
        if self.part is not None:
            if not self.samples:
                return None
            exact = Decimal(self.part) * 100 / Decimal(self.samples)
        elif self.value is not None:
            exact = Decimal(repr(self.value))
        else:
            return None
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def crosses(rule: EffectiveRule, measure: Measure) -> bool:
    """Does ``measure`` fire ``rule``? Only with strictly more samples than the rule asks, and
    a value strictly across the threshold (at or above it for the duration)."""
    if not rule.is_enabled or measure.samples <= rule.min_samples:
        return False
    threshold = rule.threshold
    direction = rule.spec.direction
    if measure.part is not None:
        # part/samples*100 against the threshold, in integers and decimals: exact.
        left = Decimal(measure.part) * 100
        right = threshold * measure.samples
    elif measure.value is not None:
        left, right = Decimal(repr(measure.value)), threshold
    else:
        return False
    if direction == Direction.BELOW:
        return left < right
    if direction == Direction.ABOVE:
        return left > right
    return left >= right
