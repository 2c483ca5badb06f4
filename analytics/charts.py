"""The geometry of the Analytics tab's charts: server-rendered SVG, no JavaScript, no library.

A chart's plot is a ``viewBox`` of ``WIDTH`` × ``HEIGHT`` units stretched to its card
(``preserveAspectRatio="none"``; strokes do not scale, ``vector-effect``), so it fits a 390 px
phone and a wide screen alike. The axis labels are HTML beside and under the plot (text inside a
stretched SVG would be distorted): the y axis shows 0, half and the top of the scale, a "nice"
number at or above the largest value; the x axis the first, middle and last day. Each day has a
transparent band with a ``<title>``: hovering (or a screen reader) tells the day and its
numbers. The numbers are also in the table under every chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import date_format

WIDTH = 600
HEIGHT = 160
MARKERS_UP_TO = 31  # days: beyond, the points are too close for markers


def nice_max(value: float) -> int:
    """The top of the scale: the smallest of 2, 4, 6, 8, 10 × 10ⁿ at or above ``value`` (at
    least 2), so the middle tick is a whole number too."""
    top = 2
    magnitude = 1
    while True:
        for step in (2, 4, 6, 8, 10):
            top = step * magnitude
            if top >= value:
                return top
        magnitude *= 10


@dataclass(frozen=True)
class Band:
    """One day's hover band (x, width) and its tooltip."""

    x: float
    width: float
    title: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    css: str


@dataclass(frozen=True)
class Chart:
    key: str  # the data-chart attribute (tests and anchors)
    kind: str  # "line" or "bar"
    scale: int  # what the top of the plot stands for
    bands: list[Band]
    x_labels: list[str]
    path: str = ""  # line: the polyline
    points: tuple[Point, ...] = ()  # line: markers (short ranges only)
    bars: tuple[Bar, ...] = ()
    bar_width: float = 0
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def y_labels(self) -> list[str]:
        """Top to bottom."""
        return [intcomma(self.scale), intcomma(self.scale // 2), "0"]

    @property
    def grid(self) -> list[float]:
        return [0.0, self.height / 2, float(self.height)]


def _x_labels(days: Sequence[date]) -> list[str]:
    if not days:
        return []
    picked = [days[0]] if len(days) == 1 else [days[0], days[len(days) // 2], days[-1]]
    if len(picked) == 3 and len(days) == 2:
        picked = [days[0], days[-1]]
    return [date_format(d, "M j") for d in picked]


def _bands(days: Sequence[date], titles: Sequence[str]) -> tuple[float, list[Band]]:
    step = WIDTH / max(len(days), 1)
    return step, [
        Band(x=round(i * step, 2), width=round(step, 2), title=titles[i]) for i in range(len(days))
    ]


def _y(value: int, scale: int) -> float:
    return round(HEIGHT - value * HEIGHT / scale, 2)


def line_chart(
    key: str, days: Sequence[date], values: Sequence[int], *, title: Callable[[int], str]
) -> Chart:
    """A line through ``values`` (one per day); ``title(i)`` is day ``i``'s tooltip."""
    scale = nice_max(max([0, *values]))
    step, bands = _bands(days, [title(i) for i in range(len(days))])
    points = tuple(
        Point(x=round((i + 0.5) * step, 2), y=_y(v, scale)) for i, v in enumerate(values)
    )
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x:g} {p.y:g}" for i, p in enumerate(points))
    return Chart(
        key=key,
        kind="line",
        scale=scale,
        bands=bands,
        x_labels=_x_labels(days),
        path=path,
        points=points if len(points) <= MARKERS_UP_TO else (),
    )


def bar_chart(
    key: str,
    days: Sequence[date],
    stacks: Sequence[tuple[str, Sequence[int]]],
    *,
    title: Callable[[int], str],
) -> Chart:
    """Stacked bars, one per day: ``stacks`` are ``(css class, values)`` from the bottom up."""
    totals = [sum(values[i] for _css, values in stacks) for i in range(len(days))]
    scale = nice_max(max([0, *totals]))
    step, bands = _bands(days, [title(i) for i in range(len(days))])
    width = round(step * 0.7, 2)
    bars = []
    for i in range(len(days)):
        bottom = float(HEIGHT)
        for css, values in stacks:
            if not values[i]:
                continue
            height = round(values[i] * HEIGHT / scale, 2)
            bottom = round(bottom - height, 2)
            bars.append(Bar(x=round(i * step + step * 0.15, 2), y=bottom, height=height, css=css))
    return Chart(
        key=key,
        kind="bar",
        scale=scale,
        bands=bands,
        x_labels=_x_labels(days),
        bars=tuple(bars),
        bar_width=width,
    )
