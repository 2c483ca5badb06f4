"""How the console writes quantities (a kernel module: it imports no app).

One rule for file sizes everywhere — the version list, a version's page, the diff, the quality
report, the CLI's words — so "812 B", "14.2 KB" and "3.4 MB" read the same on every page.
"""

from __future__ import annotations

KB = 1024
MB = 1024 * KB
GB = 1024 * MB


def file_size(n: int | float | None) -> str:
    """``812 B``, ``14.2 KB``, ``140 KB``, ``3.4 MB``: bytes below 1 KB, then one decimal below
    100 units and whole units above (a trailing ``.0`` is dropped)."""
    value = abs(int(n or 0))
    sign = "-" if (n or 0) < 0 else ""
    if value < KB:
        return f"{sign}{value} B"
    for unit, size in (("KB", KB), ("MB", MB), ("GB", GB)):
        scaled = value / size
        if scaled < 1023.5 or unit == "GB":  # 1,023.9 KB reads as 1 MB, not "1,024 KB"
            text = f"{scaled:.1f}" if scaled < 100 else f"{scaled:,.0f}"
            if text.endswith(".0"):
                text = text[:-2]
            return f"{sign}{text} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def signed_file_size(delta: int) -> str:
    """``+1.2 KB`` / ``−300 B`` / ``0 B``: a size change with its sign."""
    if delta == 0:
        return file_size(0)
    return f"{'+' if delta > 0 else '−'}{file_size(abs(delta))}"
