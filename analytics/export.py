"""The Analytics tab's Excel export (issue 14): a *Summary* sheet (the mini program, the range,
the filters, the totals) and one sheet per series (PV, UV, DoD, Total Users, favorites, search
users, start-ups, JSAPI, HTTP, blank screens), each with a date and a version column: per day the
all-versions row first, then each version's (when one host app is chosen: per-version rows are
per host app).

openpyxl's write-only workbook streams rows to temporary files as they are appended, and the
rollup rows are read with a cursor (:func:`analytics.reports.version_rows_iter`): 90 days of
many versions never sit in memory at once. The finished file is spooled (memory up to 1 MB,
then disk) and sent with ``FileResponse``, which reads it in blocks and closes it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone

from analytics import reports
from analytics.models import DailyRollup, Environment
from analytics.reports import DayFigures, ReportFilters, Scope
from miniprograms.models import MiniProgram

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 1024 * 1024
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"

Column = tuple[str, Callable[[DayFigures], Any], str | None]  # header, value, number format


def _p(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# Sheet title → its columns after Date and Version.
SHEETS: list[tuple[str, list[Column]]] = [
    ("PV", [("PV", lambda d: d.pv, None)]),
    ("UV", [("UV", lambda d: d.uv, None)]),
    (
        "DoD",
        [
            ("UV", lambda d: d.uv, None),
            ("UV the day before", lambda d: d.uv_previous, None),
            ("DoD", lambda d: _p(d.dod), PERCENT_FORMAT),
        ],
    ),
    (
        "Total Users",
        [
            ("Visits", lambda d: d.visits, None),
            ("Total Users", lambda d: d.total_users, None),
        ],
    ),
    (
        "Favorites",
        [
            ("Added", lambda d: d.favorites_added, None),
            ("Removed", lambda d: d.favorites_removed, None),
            ("Net", lambda d: d.favorites_net, None),
        ],
    ),
    ("Search users", [("Search users", lambda d: d.search_users, None)]),
    (
        "Start-ups",
        [
            ("Start-ups", lambda d: d.startups, None),
            ("Successful", lambda d: d.startup_successes, None),
            ("Success rate", lambda d: _p(d.startup_success_rate), PERCENT_FORMAT),
            ("Average duration (ms)", lambda d: d.startup_avg_ms, None),
        ],
    ),
    (
        "JSAPI",
        [
            ("Calls", lambda d: d.jsapi_calls, None),
            ("Successful", lambda d: d.jsapi_successes, None),
            ("Success rate", lambda d: _p(d.jsapi_success_rate), PERCENT_FORMAT),
        ],
    ),
    (
        "HTTP",
        [
            ("Requests", lambda d: d.http_requests, None),
            ("Exceptions", lambda d: d.http_exceptions, None),
            ("Exception rate", lambda d: _p(d.http_exception_rate), PERCENT_FORMAT),
        ],
    ),
    (
        "Blank screens",
        [
            ("Launches", lambda d: d.visits, None),
            ("Blank screens", lambda d: d.blank_screens, None),
            ("Rate", lambda d: _p(d.blank_screen_rate), PERCENT_FORMAT),
        ],
    ),
]


def _summary(
    sheet: Any,
    *,
    miniprogram: MiniProgram,
    filters: ReportFilters,
    totals: reports.Totals,
    host_app_name: str | None,
    hosted: bool,
) -> None:
    if filters.host_app_id is not None:
        hosts = host_app_name or str(filters.host_app_id)
    elif hosted:
        hosts = "All of your host apps (the sum of each host app's figures)"
    else:
        hosts = "All host apps"
    rows: list[tuple[str, Any]] = [
        ("Mini program", miniprogram.name),
        ("App ID", miniprogram.app_id),
        ("First day (UTC)", filters.first),
        ("Last day (UTC)", filters.last),
        ("Days", filters.days),
        ("Host app", hosts),
        ("Environment", str(Environment(filters.environment).label)),
        ("Exported at (UTC)", timezone.now().astimezone(UTC).replace(tzinfo=None, microsecond=0)),
        ("", ""),
        ("Totals of the range", ""),
        ("PV", totals.pv),
        ("UV, daily average", round(totals.uv_average, 1)),
        ("Visits (launches)", totals.visits),
        ("Total Users on the last day", totals.total_users),
        ("Favorites added", totals.favorites_added),
        ("Favorites removed", totals.favorites_removed),
        ("Search users (sum of daily)", totals.search_users),
        ("Start-ups", totals.startups),
        ("Start-up success rate", _p(totals.startup_success_rate)),
        ("JSAPI calls", totals.jsapi_calls),
        ("JSAPI success rate", _p(totals.jsapi_success_rate)),
        ("HTTP requests", totals.http_requests),
        ("HTTP exceptions", totals.http_exceptions),
        ("Blank screens", totals.blank_screens),
    ]
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 44
    for label, value in rows:
        head = WriteOnlyCell(sheet, value=label)
        if label in ("Mini program", "Totals of the range"):
            head.font = Font(bold=True)
        cell = WriteOnlyCell(sheet, value=value)
        if label.startswith(("First day", "Last day")):
            cell.number_format = DATE_FORMAT
        elif label.startswith("Exported"):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif label.endswith("rate"):
            cell.number_format = PERCENT_FORMAT
        sheet.append([head, cell])


def workbook_write(
    out: IO[bytes],
    *,
    miniprogram: MiniProgram,
    filters: ReportFilters,
    scope: Scope,
    host_app_name: str | None = None,
    hosted: bool = False,
) -> None:
    """Write the workbook to ``out`` (a binary file)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    days = reports.series_get(scope=scope, first=filters.first, last=filters.last)
    _summary(
        book.create_sheet("Summary"),
        miniprogram=miniprogram,
        filters=filters,
        totals=reports.Totals(days=days),
        host_app_name=host_app_name,
        hosted=hosted,
    )
    sheets = []
    for title, columns in SHEETS:
        sheet = book.create_sheet(title)
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 14
        bold = Font(bold=True)
        header = []
        for name in ["Date", "Version", *(c[0] for c in columns)]:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        sheets.append((sheet, columns))
    # One pass over the rows, appended to every sheet (each streams to its own temporary file).
    for row in reports.version_rows_iter(scope=scope, first=filters.first, last=filters.last):
        version = "All versions" if row.version == DailyRollup.ALL else row.version
        for sheet, columns in sheets:
            day = WriteOnlyCell(sheet, value=row.day)
            day.number_format = DATE_FORMAT
            cells: list[Any] = [day, version]
            for _name, value, number_format in columns:
                cell = WriteOnlyCell(sheet, value=value(row))
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            sheet.append(cells)
    book.save(out)


def export_filename(*, miniprogram: MiniProgram, filters: ReportFilters) -> str:
    return f"analytics-{miniprogram.app_id}-{filters.first:%Y%m%d}-{filters.last:%Y%m%d}.xlsx"


def workbook_response(
    *,
    miniprogram: MiniProgram,
    filters: ReportFilters,
    scope: Scope,
    host_app_name: str | None = None,
    hosted: bool = False,
) -> FileResponse:
    """The workbook as a download, from a spooled temporary file."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    workbook_write(
        spool,
        miniprogram=miniprogram,
        filters=filters,
        scope=scope,
        host_app_name=host_app_name,
        hosted=hosted,
    )
    spool.seek(0)
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=export_filename(miniprogram=miniprogram, filters=filters),
        content_type=CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
