"""The quality review of a scanned package: a report of findings that never blocks a release.

What it looks at (each finding has a ``rule``, a ``level`` — ``warning`` or ``info`` — a
sentence and, where it applies, the file):

* ``package_size``: the main package or a subpackage over 2 MB (the product documents' advice:
  "keep the main package and each subpackage within 2 MB");
* ``large_image``: an image over 200 KB (move it to a server or compress it);
* ``duplicate_file``: files with identical content (same CRC-32 and size) at several paths;
* ``source_map``: ``.map`` files shipped to users (they double the download and expose source);
* forbidden constructs in ``.js`` files — ``eval``: ``eval(`` or ``new Function(`` (code from
  strings: refused by most host apps' security review); ``dom_api``: ``document.`` or
  ``window.`` (mini programs run without a DOM; these calls fail at run time); ``insecure_url``:
  ``http://`` URLs (host apps only allow https); ``debugger``: ``debugger`` statements left in.

Scripts over 2 MB are not searched (they are reported by size already); at most
``MAX_FINDINGS_PER_RULE`` findings of one rule are listed, with the total count.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import IO, Any

from releases.package.scanner import ScanResult

PACKAGE_ADVICE = 2 * 1024 * 1024
IMAGE_ADVICE = 200 * 1024
SCRIPT_SEARCH_LIMIT = 2 * 1024 * 1024
MAX_FINDINGS_PER_RULE = 50
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg")

# (rule, cheap keywords — the regex runs only when one of them occurs —, pattern, why)
CONSTRUCTS: tuple[tuple[str, tuple[bytes, ...], re.Pattern[bytes], str], ...] = (
    (
        "eval",
        (b"eval", b"Function"),
        re.compile(rb"(?<![\w$.])eval\s*\(|\bnew\s+Function\s*\("),
        "builds code from a string (eval or new Function); host apps' security reviews refuse it",
    ),
    (
        "dom_api",
        (b"document.", b"window."),
        re.compile(rb"(?<![\w$.])(?:document|window)\.[A-Za-z_]"),
        "uses document or window: mini programs run without a DOM, so this fails at run time",
    ),
    (
        "insecure_url",
        (b"http://",),
        re.compile(rb"http://(?!localhost|127\.0\.0\.1)[A-Za-z0-9]"),
        "contains an http:// URL; host apps allow only https",
    ),
    (
        "debugger",
        (b"debugger",),
        re.compile(rb"(?<![\w$.])debugger\s*;"),
        "contains a debugger statement",
    ),
)


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str  # "warning" | "info"
    message: str
    path: str = ""


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.2f} MB"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def review_package(
    source: IO[bytes],
    scan: ScanResult,
    *,
    progress: Callable[[int], bool] | None = None,
) -> dict[str, Any]:
    """Review the package; ``progress(percent)`` is called as files are read and may return
    ``False`` to stop (the review was cancelled). Returns the report as JSON-able data."""
    findings: list[Finding] = []
    if scan.main_size > PACKAGE_ADVICE:
        findings.append(
            Finding(
                "package_size",
                "warning",
                f"The main package is {_mb(scan.main_size)}; keep it within 2 MB — move images "
                "to a server or split pages into subpackages.",
            )
        )
    for sub in scan.subpackages:
        if sub.size > PACKAGE_ADVICE:
            findings.append(
                Finding(
                    "package_size",
                    "warning",
                    f"The subpackage “{sub.root}” is {_mb(sub.size)}; keep each subpackage "
                    "within 2 MB.",
                    sub.root,
                )
            )
    by_content: dict[tuple[int, int], list[str]] = defaultdict(list)
    for entry in scan.files:
        path = entry.path
        if entry.size:
            by_content[(entry.crc, entry.size)].append(path)
        if path.lower().endswith(IMAGE_SUFFIXES) and entry.size > IMAGE_ADVICE:
            findings.append(
                Finding(
                    "large_image",
                    "warning",
                    f"{path} is {entry.size // 1024} KB; images over 200 KB slow the first "
                    "launch — compress it or load it from a server.",
                    path,
                )
            )
        if path.endswith(".map"):
            findings.append(
                Finding(
                    "source_map",
                    "info",
                    f"{path} is a source map: it is downloaded by every user; leave it out.",
                    path,
                )
            )
    for paths in by_content.values():
        if len(paths) > 1:
            findings.append(
                Finding(
                    "duplicate_file",
                    "info",
                    f"{len(paths)} files have identical content: {', '.join(sorted(paths)[:5])}"
                    + ("…" if len(paths) > 5 else "")
                    + "; keep one.",
                    sorted(paths)[0],
                )
            )
    scripts = [f for f in scan.files if f.path.endswith(".js")]
    searched = 0
    with zipfile.ZipFile(source) as archive:
        for number, entry in enumerate(scripts, start=1):
            percent = int(100 * number / max(len(scripts), 1))
            if progress is not None and number % 50 == 0 and progress(percent) is False:
                return {"cancelled": True}
            if entry.size > SCRIPT_SEARCH_LIMIT:
                continue
            data = archive.read(scan.root_prefix + entry.path)
            searched += 1
            for rule, keywords, pattern, why in CONSTRUCTS:
                if not any(word in data for word in keywords):
                    continue
                match = pattern.search(data)
                if match:
                    line = _line_of(data, match.start())
                    findings.append(
                        Finding(rule, "warning", f"{entry.path} line {line} {why}.", entry.path)
                    )
    return _report(findings, scan=scan, scripts_searched=searched)


def _report(findings: list[Finding], *, scan: ScanResult, scripts_searched: int) -> dict[str, Any]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    shown = [asdict(f) for rule in by_rule for f in by_rule[rule][:MAX_FINDINGS_PER_RULE]]
    return {
        "summary": {
            "warnings": sum(f.level == "warning" for f in findings),
            "infos": sum(f.level == "info" for f in findings),
            "by_rule": {rule: len(items) for rule, items in sorted(by_rule.items())},
            "scripts_searched": scripts_searched,
        },
        "sizes": {
            "total": scan.total_size,
            "main": scan.main_size,
            "subpackages": {s.root: s.size for s in scan.subpackages},
            "advice": PACKAGE_ADVICE,
        },
        "findings": shown,
    }
