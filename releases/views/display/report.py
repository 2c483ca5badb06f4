"""The scan's and the quality review's findings on a version's page: package sizes against the
2 MB advice, and the quality findings grouped by rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from releases.models import Version
from releases.package.quality import PACKAGE_ADVICE

RULE_LABELS = {
    "package_size": _("Package size over 2 MB"),
    "large_image": _("Large images"),
    "duplicate_file": _("Duplicate files"),
    "source_map": _("Source maps shipped"),
    "eval": _("Code built from strings (eval)"),
    "dom_api": _("DOM APIs (document, window)"),
    "insecure_url": _("http:// URLs"),
    "debugger": _("debugger statements"),
}


# --- package sizes against the 2 MB advice ------------------------------------------------------


@dataclass(frozen=True)
class SizeBar:
    label: str
    size: int
    file_count: int
    page_count: int
    percent: float  # of the chart's scale
    is_over: bool


@dataclass(frozen=True)
class SizeChart:
    bars: list[SizeBar]
    advice: int
    advice_percent: float
    total: int

    @property
    def advice_label(self) -> str:
        return f"{self.advice / (1024 * 1024):g} MB"  # "2 MB", as the product documents say


def size_chart(version: Version) -> SizeChart | None:
    """The main package and each subpackage against the 2 MB advice (``None`` before a scan).

    The scale is the largest part or 125 % of the advice, whichever is bigger, so the advice
    line sits inside the chart and a part over it visibly crosses it.
    """
    summary = version.scan_summary
    if not summary:
        return None
    main = summary.get("main") or {}
    parts = [
        (
            gettext("Main package"),
            main.get("size", 0),
            main.get("file_count", 0),
            len(summary.get("pages") or []),
        )
    ]
    parts += [
        (sub["root"], sub.get("size", 0), sub.get("file_count", 0), len(sub.get("pages") or []))
        for sub in summary.get("subpackages") or []
    ]
    scale = max([PACKAGE_ADVICE * 5 // 4, *(size for _label, size, _f, _p in parts)])
    bars = [
        SizeBar(label, size, files, pages, round(100 * size / scale, 1), size > PACKAGE_ADVICE)
        for label, size, files, pages in parts
    ]
    return SizeChart(
        bars=bars,
        advice=PACKAGE_ADVICE,
        advice_percent=round(100 * PACKAGE_ADVICE / scale, 1),
        total=summary.get("total_size", 0),
    )


# --- the quality report ------------------------------------------------------------------------


@dataclass
class FindingGroup:
    rule: str
    label: str
    level: str  # the group's most serious: warning before info
    count: int  # every finding of the rule (the report lists at most 50 of one rule)
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tone(self) -> str:
        # UI.md: warnings amber, notes neutral grey (a note is advice, not work in progress).
        return "amber" if self.level == "warning" else "neutral"

    @property
    def is_truncated(self) -> bool:
        return self.count > len(self.findings)


def finding_groups(report: dict[str, Any]) -> list[FindingGroup]:
    """The findings grouped by rule, warnings first, each group with its total count."""
    counts = report.get("summary", {}).get("by_rule", {})
    groups: dict[str, FindingGroup] = {}
    for finding in report.get("findings") or []:
        rule = finding["rule"]
        group = groups.get(rule)
        if group is None:
            group = groups[rule] = FindingGroup(
                rule=rule,
                label=str(RULE_LABELS.get(rule, rule)),
                level=finding["level"],
                count=counts.get(rule, 0),
            )
        if finding["level"] == "warning":
            group.level = "warning"
        group.findings.append(finding)
    for group in groups.values():
        group.count = max(group.count, len(group.findings))
    return sorted(groups.values(), key=lambda g: (g.level != "warning", g.label))
