"""A batch of SDK events: validation, row tuples, and their COPY text (no ORM, no I/O).

The SDK posts ``{"context": {…}?, "events": [{…}, …]}``: up to :data:`MAX_EVENTS` events, each
a JSON object; the optional ``context`` holds fields shared by every event of the batch (an
event's own fields win). Every event has:

=================  ==========================================================================
``id``             a UUID the SDK generates once per event (a resent batch keeps it: with
                   ``ts`` it is the key, so a redelivery inserts nothing twice)
``ts``             when it happened, milliseconds since the Unix epoch (UTC); refused more than
                   5 minutes ahead of the server's clock or more than 3 days old
``type``           ``launch``, ``page_view``, ``jsapi_call``, ``http_request``, ``startup``,
                   ``blank_screen``, ``favorite_add``, ``favorite_remove``, ``search``, or
                   ``log`` (a log line: its own table)
``app_id``         the mini program's 16-digit App ID
``env``            ``development``, ``test``, ``sandbox`` or ``production``
``device_id``      required; ``user_id``, ``version`` (the mini program's), ``platform``,
                   ``os_version``, ``client_version`` (the host app's), ``base_version`` (the
                   base library's): optional strings
=================  ==========================================================================

and by type: ``page_view`` a ``page``; ``launch`` and ``blank_screen`` an optional ``page``;
``jsapi_call`` a ``name``, ``success`` (boolean) and ``duration_ms``; ``http_request`` a
``domain``, ``status`` (0-999, 0 when no answer came) and ``duration_ms``; ``startup``
``success`` and ``duration_ms``; ``search`` an optional ``keyword``; ``log`` a ``level``
(``debug``, ``info``, ``warn``, ``error``), a ``message`` and optional ``page`` and ``guid``.
Unknown fields are ignored. The host app is the one whose SDK key signed the request.

An invalid event is reported by its index with the field and the reason; the others are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.apifields import APP_ID_RE

MAX_EVENTS = 500
MAX_BODY = 1024 * 1024  # bytes, before and after gzip
FUTURE_MS = 5 * 60 * 1000
PAST_MS = 3 * 24 * 3600 * 1000
MAX_DURATION_MS = 24 * 3600 * 1000
MAX_MESSAGE = 4096

ENVIRONMENTS = frozenset({"development", "test", "sandbox", "production"})
EVENT_TYPES = frozenset(
    {
        "launch",
        "page_view",
        "jsapi_call",
        "http_request",
        "startup",
        "blank_screen",
        "favorite_add",
        "favorite_remove",
        "search",
    }
)
LOG = "log"
TYPE_MESSAGE = "“type” must be one of " + ", ".join([*sorted(EVENT_TYPES), LOG]) + "."
LEVELS = {"debug": 10, "info": 20, "warn": 30, "error": 40}

# Column order of the rows (and of the COPY text); ``occurred_at`` travels as epoch ms.
CONTEXT_COLUMNS = (
    "occurred_at",
    "event_id",
    "host_app_id",
    "app_id",
    "version",
    "environment",
    "user_id",
    "device_id",
    "platform",
    "os_version",
    "client_version",
    "base_version",
)
EVENT_COLUMNS = (
    *CONTEXT_COLUMNS,
    "type",
    "page",
    "name",
    "domain",
    "keyword",
    "status_code",
    "success",
    "duration_ms",
)
LOG_COLUMNS = (*CONTEXT_COLUMNS, "level", "guid", "page", "message")

UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}"
)
ALL_VERSIONS = "*"  # the rollups' all-versions rows (``DailyRollup.ALL``): not a version
# (JSON key, max length, required) of the optional context strings, in column order.
CONTEXT_TEXT = (
    ("version", 64, False),
    ("env", 16, True),
    ("user_id", 128, False),
    ("device_id", 128, True),
    ("platform", 32, False),
    ("os_version", 32, False),
    ("client_version", 32, False),
    ("base_version", 32, False),
)


class Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class Batch:
    """The valid rows of one request and the reasons the others were refused."""

    events: list[tuple[Any, ...]] = field(default_factory=list)
    logs: list[tuple[Any, ...]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    first_ms: int = 0  # the earliest and latest ``ts`` kept (the days to write into)
    last_ms: int = 0

    @property
    def accepted(self) -> int:
        return len(self.events) + len(self.logs)


def _text(raw: dict[str, Any], key: str, limit: int, required: bool) -> str:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise Invalid(key, f"“{key}” is required.")
        return ""
    if type(value) is not str:
        raise Invalid(key, f"“{key}” must be a string.")
    if len(value) > limit:
        raise Invalid(key, f"“{key}” is longer than {limit} characters.")
    if "\x00" in value:
        raise Invalid(key, f"“{key}” contains a NUL character.")
    return value


def _int(raw: dict[str, Any], key: str, low: int, high: int) -> int:
    value = raw.get(key)
    if type(value) is not int:
        raise Invalid(key, f"“{key}” is required (an integer).")
    if not low <= value <= high:
        raise Invalid(key, f"“{key}” must be between {low} and {high}.")
    return value


def _bool(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key)
    if type(value) is not bool:
        raise Invalid(key, f"“{key}” is required (true or false).")
    return value


def _context(
    raw: dict[str, Any], host_app_id: int, low: int, high: int, app_ids: set[str]
) -> list[Any]:
    """The context columns of one event; ``app_ids``: the App IDs already found valid in this
    batch (most batches name one)."""
    event_id = raw.get("id")
    if type(event_id) is not str or not UUID_RE.fullmatch(event_id):
        raise Invalid("id", "“id” must be a UUID.")
    ts = raw.get("ts")
    if type(ts) is not int:
        raise Invalid("ts", "“ts” is required (milliseconds since the Unix epoch).")
    if ts > high:
        raise Invalid("ts", "“ts” is more than 5 minutes in the future.")
    if ts < low:
        raise Invalid("ts", "“ts” is more than 3 days old.")
    app_id = raw.get("app_id")
    if type(app_id) is not str or (app_id not in app_ids and not APP_ID_RE.fullmatch(app_id)):
        raise Invalid("app_id", "“app_id” must be a mini program's 16-digit App ID.")
    app_ids.add(app_id)
    row: list[Any] = [ts, event_id.lower(), host_app_id, app_id]
    for key, limit, required in CONTEXT_TEXT:
        value = raw.get(key)
        if type(value) is str and 0 < len(value) <= limit and "\x00" not in value:
            row.append(value)  # the common case, without a call
        else:
            row.append(_text(raw, key, limit, required))
    if row[5] not in ENVIRONMENTS:
        raise Invalid("env", "“env” must be one of " + ", ".join(sorted(ENVIRONMENTS)) + ".")
    if row[4] == ALL_VERSIONS:
        raise Invalid("version", "“version” cannot be “*”: it stands for every version.")
    return row


def _event_fields(raw: dict[str, Any], kind: str) -> tuple[Any, ...]:
    """(page, name, domain, keyword, status_code, success, duration_ms) of one event."""
    if kind == "page_view":
        return (_text(raw, "page", 256, True), "", "", "", None, None, None)
    if kind == "jsapi_call":
        return (
            "",
            _text(raw, "name", 64, True),
            "",
            "",
            None,
            _bool(raw, "success"),
            _int(raw, "duration_ms", 0, MAX_DURATION_MS),
        )
    if kind == "http_request":
        return (
            "",
            "",
            _text(raw, "domain", 253, True),
            "",
            _int(raw, "status", 0, 999),
            None,
            _int(raw, "duration_ms", 0, MAX_DURATION_MS),
        )
    if kind == "startup":
        duration = _int(raw, "duration_ms", 0, MAX_DURATION_MS)
        return ("", "", "", "", None, _bool(raw, "success"), duration)
    if kind == "search":
        return ("", "", "", _text(raw, "keyword", 128, False), None, None, None)
    if kind in ("launch", "blank_screen"):
        return (_text(raw, "page", 256, False), "", "", "", None, None, None)
    return ("", "", "", "", None, None, None)  # favorite_add, favorite_remove


def _log_fields(raw: dict[str, Any]) -> tuple[Any, ...]:
    """(level, guid, page, message) of one log line."""
    name = raw.get("level")
    level = LEVELS.get(name) if type(name) is str else None
    if level is None:
        raise Invalid("level", "“level” must be one of debug, info, warn, error.")
    return (
        level,
        _text(raw, "guid", 64, False),
        _text(raw, "page", 256, False),
        _text(raw, "message", MAX_MESSAGE, True),
    )


def batch_parse(payload: Any, *, host_app_id: int, now_ms: int) -> Batch:
    """Validate a decoded request body; raises :class:`Invalid` (field ``""``) when the body
    itself is malformed, else returns the valid rows and the refused events by index."""
    if type(payload) is not dict:
        raise Invalid("", "The body must be a JSON object with an “events” list.")
    events = payload.get("events")
    if type(events) is not list or not events:
        raise Invalid("events", "“events” must be a non-empty list.")
    if len(events) > MAX_EVENTS:
        raise Invalid("events", f"A batch holds at most {MAX_EVENTS} events ({len(events)} sent).")
    context = payload.get("context", {})
    if type(context) is not dict:
        raise Invalid("context", "“context” must be a JSON object.")
    low, high = now_ms - PAST_MS, now_ms + FUTURE_MS
    batch = Batch()
    first, last = high, low
    app_ids: set[str] = set()
    for index, raw in enumerate(events):
        try:
            if type(raw) is not dict:
                raise Invalid("", "An event must be a JSON object.")
            if context:
                raw = {**context, **raw}
            kind = raw.get("type")
            if type(kind) is not str or (kind != LOG and kind not in EVENT_TYPES):
                raise Invalid("type", TYPE_MESSAGE)
            row = _context(raw, host_app_id, low, high, app_ids)
            if kind == LOG:
                batch.logs.append((*row, *_log_fields(raw)))
            else:
                batch.events.append((*row, kind, *_event_fields(raw, kind)))
        except Invalid as exc:
            batch.errors.append({"index": index, "field": exc.field, "message": exc.message})
            continue
        ts = row[0]
        first, last = min(first, ts), max(last, ts)
    if batch.accepted:
        batch.first_ms, batch.last_ms = first, last
    return batch


# --- COPY text (PostgreSQL's text format): what travels through the stream ------------------
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_BOOLS = {True: "t", False: "f", None: NULL}


def _n(value: int | None) -> str:
    return NULL if value is None else str(value)


def _plain(*texts: str) -> bool:
    """Whether none of ``texts`` needs escaping (one scan per special character, in C: most
    rows; the others are escaped field by field)."""
    joined = "\x00".join(texts)  # NUL never occurs in a value (refused by validation)
    return not ("\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined)


def _event_line(r: tuple[Any, ...]) -> str:
    """One ``EVENT_COLUMNS`` row as a COPY line (validated values: the ids and the App ID
    need no escaping, the numbers are ints)."""
    if not _plain(r[4], r[6], r[7], r[8], r[9], r[10], r[11], r[13], r[14], r[15], r[16]):
        e = _ESCAPES
        r = (
            *r[:4],
            r[4].translate(e),
            r[5],
            *(v.translate(e) for v in r[6:12]),
            r[12],
            *(v.translate(e) for v in r[13:17]),
            *r[17:],
        )
    return (
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t{r[9]}\t"
        f"{r[10]}\t{r[11]}\t{r[12]}\t{r[13]}\t{r[14]}\t{r[15]}\t{r[16]}\t"
        f"{_n(r[17])}\t{_BOOLS[r[18]]}\t{_n(r[19])}\n"
    )


def _log_line(r: tuple[Any, ...]) -> str:
    """One ``LOG_COLUMNS`` row as a COPY line."""
    if not _plain(r[4], *r[6:12], r[13], r[14], r[15]):
        e = _ESCAPES
        r = (
            *r[:4],
            r[4].translate(e),
            r[5],
            *(v.translate(e) for v in r[6:12]),
            r[12],
            *(v.translate(e) for v in r[13:16]),
        )
    return (
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t{r[9]}\t"
        f"{r[10]}\t{r[11]}\t{r[12]}\t{r[13]}\t{r[14]}\t{r[15]}\n"
    )


def copy_text(rows: list[tuple[Any, ...]], columns: tuple[str, ...] = EVENT_COLUMNS) -> bytes:
    """Rows of ``columns`` (``EVENT_COLUMNS`` or ``LOG_COLUMNS``) as ``COPY … FROM STDIN``
    text: tab-separated, ``\\N`` for NULL, one line each."""
    line = _log_line if columns is LOG_COLUMNS else _event_line
    return "".join([line(row) for row in rows]).encode()


_UNESCAPE_RE = re.compile(r"\\(.)")
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def copy_rows(data: bytes) -> list[list[str | None]]:
    """The inverse of :func:`copy_text`, as strings (for the SQLite writer)."""
    rows: list[list[str | None]] = []
    for line in data.decode().split("\n"):
        if not line:
            continue
        rows.append(
            [
                None
                if value == NULL
                else _UNESCAPE_RE.sub(lambda m: _UNESCAPES.get(m[1], m[1]), value)
                for value in line.split("\t")
            ]
        )
    return rows


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms_datetime(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)
