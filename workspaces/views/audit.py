"""The audit log of a workspace: filtered list and CSV export (``/w/<slug>/audit/``).

Both need ``Cap.VIEW_AUDIT``. Dates are shown, and date filters read, in the viewer's time zone;
the export's times are ISO 8601 in UTC.
"""

from __future__ import annotations

import csv
import itertools
import json
import zoneinfo
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from console.paging import paginate
from workspaces.auditlog import audit_known_verbs, audit_sentence
from workspaces.authz import Cap, caps_for
from workspaces.forms.onboarding import AuditFilterForm
from workspaces.mixins import WorkspaceMixin
from workspaces.models import AuditEvent, User
from workspaces.selectors import audit_event_list

EXPORT_CHUNK = 1000
EXPORT_COLUMNS = [
    "time",
    "actor",
    "verb",
    "summary",
    "target_type",
    "target_id",
    "target",
    "before",
    "after",
    "ip",
    "request_id",
]
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def user_timezone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def event_diff(event: AuditEvent) -> list[dict[str, Any]]:
    """The keys that differ between ``before`` and ``after``, as display rows."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for key in sorted(before.keys() | after.keys()):
        if key in before and key in after and before[key] == after[key]:
            continue
        rows.append(
            {
                "key": key,
                "has_old": key in before,
                "old": _compact(before.get(key)),
                "has_new": key in after,
                "new": _compact(after.get(key)),
            }
        )
    return rows


class AuditLogView(WorkspaceMixin, View):
    required_cap = Cap.VIEW_AUDIT
    template_name = "workspaces/audit/list.html"

    def get(self, request: HttpRequest, workspace_slug: str) -> HttpResponse:
        form = AuditFilterForm(request.GET or None, verbs=audit_known_verbs())
        tz = user_timezone(request.user)
        # The date filters mean days of the viewer's calendar: evaluate inside their zone.
        with timezone.override(tz):
            events = audit_event_list(workspace=self.workspace, **form.filters())
            page = paginate(events, request)
            rows = list(page.object_list)
        for event in rows:
            event.sentence = audit_sentence(event)
            event.diff = event_diff(event)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "workspace": self.workspace,
            "membership": self.membership,
            "caps": caps_for(self.membership),
            "form": form,
            "events": rows,
            "page_obj": page,
            "is_filtered": any(form.filters().values()),
            "user_tz": tz,
            "export_query": query.urlencode(),
        }
        return render(request, self.template_name, context)


class _Echo:
    """A write-only buffer for ``csv.writer``: returns each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _json_cell(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def export_rows(events, tz) -> Iterator[str]:
    """CSV lines, header first. Streams the queryset in chunks (never the whole log at once)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    stream = events.iterator(chunk_size=EXPORT_CHUNK)
    # The query is compiled (date filters in the viewer's zone) and run at the first fetch;
    # later chunks come from the same cursor, so the override need not span the yields.
    with timezone.override(tz):
        first = next(stream, None)
    if first is None:
        return
    for event in itertools.chain([first], stream):
        yield writer.writerow(
            [
                event.created_at.astimezone(UTC).isoformat(),
                _cell(event.actor_label),
                _cell(event.verb),
                _cell(audit_sentence(event)),
                _cell(event.target_type),
                _cell(event.target_id),
                _cell(event.target_repr),
                _json_cell(event.before),
                _json_cell(event.after),
                event.ip or "",
                _cell(event.request_id),
            ]
        )


class AuditExportView(WorkspaceMixin, View):
    required_cap = Cap.VIEW_AUDIT

    def get(self, request: HttpRequest, workspace_slug: str) -> StreamingHttpResponse:
        form = AuditFilterForm(request.GET or None)
        events = audit_event_list(workspace=self.workspace, **form.filters())
        filename = f"audit-{self.workspace.slug}-{timezone.now():%Y-%m-%d}.csv"
        response = StreamingHttpResponse(
            export_rows(events, user_timezone(request.user)), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
