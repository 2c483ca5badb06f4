"""``mpp messages``: a mini program's subscription-message delivery log (``list``), one
message in full (``show``) and the numbers per My Template (``stats``).

Everything is read from the public API (``…/miniprograms/{app_id}/messages``, ``…/messages/{id}``
and ``…/message-stats``); the workspace is found from the App ID as for the other commands. The
filters are checked here first (a bad state, date or number of days exits 2 before any request);
refusals are the server's sentences (exit 1).
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from datetime import date
from typing import Any

from mpp_cli.commands import (
    OK,
    UsageError,
    client_from_config,
    find_miniprogram,
    get_or_not_found,
    get_pages,
    miniprogram_path,
    note,
    say,
    table,
    when_label,
)

STATES = ("queued", "sending", "delivered", "failed")  # the API's Message.State values
DAYS_MAX = 90  # the API's STATS_DAYS_MAX
SEARCH_MAX = 128  # the API's SEARCH_MAX
TEMPLATE_ID_MAX = 43
ERROR_WIDTH = 40  # the LAST ANSWER column cuts longer errors (show prints them whole)
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# --- argument types ---------------------------------------------------------------------------


def state_arg(value: str) -> str:
    text = value.strip().lower()
    if text not in STATES:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a message state: use {', '.join(STATES[:-1])} or {STATES[-1]}"
        )
    return text


def day_arg(value: str) -> str:
    text = value.strip()
    try:
        if not _DAY.match(text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a date: use YYYY-MM-DD (a UTC day, e.g. 2026-12-01)"
        ) from None


def _whole_number(value: str, what: str, most: int | None = None) -> int:
    """``value`` as a whole number from 1 (to ``most``), or the usage error naming ``what``."""
    text = value.strip()
    number = int(text) if text.isascii() and text.isdigit() else 0
    if number < 1 or (most is not None and number > most):
        upper = f" to {most}" if most is not None else ""
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a number of {what}: a whole number from 1{upper}"
        )
    return number


def days_arg(value: str) -> int:
    return _whole_number(value, "days", DAYS_MAX)


def limit_arg(value: str) -> int:
    return _whole_number(value, "messages")


def message_id_arg(value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a message id: `mpp messages list APP_ID` lists them (ID)"
        ) from None


def search_arg(value: str) -> str:
    text = value.strip()
    if len(text) > SEARCH_MAX:
        raise argparse.ArgumentTypeError(
            f"the search is {len(text)} characters long: at most {SEARCH_MAX} (a whole message "
            "id, user id or template id)"
        )
    return text


def template_id_arg(value: str) -> str:
    text = value.strip()
    if not text or len(text) > TEMPLATE_ID_MAX:
        raise argparse.ArgumentTypeError(
            f"“{value[:50]}” is not a template id: the console's My Templates (and `mpp "
            "messages stats APP_ID`) show them"
        )
    return text


# --- paths and pages --------------------------------------------------------------------------


def messages_path(slug: str, app_id: str) -> str:
    return f"{miniprogram_path(slug, app_id)}/messages"


def stats_path(slug: str, app_id: str) -> str:
    return f"{miniprogram_path(slug, app_id)}/message-stats"


def _check_days(args: argparse.Namespace) -> None:
    if args.since and args.until and args.since > args.until:
        raise UsageError(f"--until {args.until} is before --since {args.since}.")


# --- what a message looks like ----------------------------------------------------------------


def _user(message: dict[str, Any]) -> str:
    """The host app's own user id when the API gives it (your own host apps), else the mini
    program's open user id."""
    return str(message.get("user_id") or message.get("open_user_id") or "—")


def _answer(message: dict[str, Any], width: int | None = None) -> str:
    code = message.get("last_status_code")
    if code is not None:
        return f"HTTP {code}"
    text = " ".join(str(message.get("last_error") or "").split())
    if not text:
        return "—"
    if width is not None and len(text) > width:
        return text[: width - 1] + "…"
    return text


def _row(message: dict[str, Any]) -> list[str]:
    return [
        str(message.get("id")),
        str(message.get("template_id") or "—"),
        _user(message),
        str(message.get("state")),
        str(message.get("attempts", 0)),
        _answer(message, ERROR_WIDTH),
        when_label(message.get("created_at")),
        when_label(message.get("delivered_at")),
    ]


# --- commands ---------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    _check_days(args)
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    query = {
        name: value
        for name, value in (
            ("search", args.search),
            ("state", args.state),
            ("template_id", args.template_id),
            ("since", args.since),
            ("until", args.until),
        )
        if value
    }
    results, count = get_pages(client, messages_path(slug, args.app_id), query, args.limit)
    if args.json:
        say(json.dumps(results, indent=2, ensure_ascii=False))
        return OK
    if not results:
        say("No messages match." if query else f"Mini program {args.app_id} sent no messages yet.")
        return OK
    header = ["ID", "TEMPLATE", "USER", "STATE", "ATTEMPTS", "LAST ANSWER", "CREATED", "DELIVERED"]
    say(table([_row(m) for m in results], header))
    if count is not None and count > len(results):
        note(f"mpp: showing the newest {len(results)} of {count:,} messages; --limit N shows more.")
    return OK


def cmd_show(args: argparse.Namespace) -> int:
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    message = get_or_not_found(
        client,
        f"{messages_path(slug, args.app_id)}/{args.message_id}",
        f"Mini program {args.app_id} has no message {args.message_id} (or not one you can "
        f"see): `mpp messages list {args.app_id}` lists them.",
    )
    if args.json:
        say(json.dumps(message, indent=2, ensure_ascii=False))
        return OK
    host = message.get("host_app") or {}
    pending = message.get("state") in ("queued", "sending")  # the rest are not tried again
    duration = message.get("last_duration_ms")
    answer = _answer(message) if message.get("last_status_code") is not None else "—"
    if answer != "—" and duration is not None:
        answer += f" in {duration} ms"
    rows = [
        ("Template", f"{message.get('template_id')} “{message.get('title')}”"),
        ("Kind", str(message.get("kind") or "—").replace("_", "-")),
        ("Host app", f"{host.get('name')} (id {host.get('id')})" if host else "—"),
        ("Open user id", str(message.get("open_user_id") or "—")),
        ("User id", str(message.get("user_id") or "— (not your host app's)")),
        ("State", str(message.get("state"))),
        ("Attempts", str(message.get("attempts", 0))),
        ("Last answer", answer),
        ("Last error", " ".join(str(message.get("last_error") or "").split()) or "—"),
        ("Last attempt", when_label(message.get("last_attempt_at"))),
        ("Next attempt", when_label(message.get("next_attempt_at")) if pending else "—"),
        ("Delivered", when_label(message.get("delivered_at"))),
        ("Created", when_label(message.get("created_at"))),
        ("Page", str(message.get("page") or "— (the mini program's home page)")),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"Message {message.get('id')}"]
    lines += [f"  {label.ljust(width)}  {text}" for label, text in rows]
    data = message.get("data") or []
    lines += ["", "Data (in order):" if data else "Data: none"]
    if data:
        lines.append(
            table(
                [[str(d.get("keyword")), str(d.get("value"))] for d in data],
                ["KEYWORD", "VALUE"],
            )
        )
    say("\n".join(lines))
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    stats, _count = get_pages(client, stats_path(slug, args.app_id), {"days": args.days})
    if args.json:
        say(json.dumps(stats, indent=2, ensure_ascii=False))
        return OK
    if not stats:
        say(f"Mini program {args.app_id} has no My Templates yet: nothing can be sent.")
        return OK
    names = ("sends", "delivered", "failed", "pending")
    rows = [
        [
            str(s.get("template_id")),
            str(s.get("title")),
            *(f"{int(s.get(n) or 0):,}" for n in names),
        ]
        for s in stats
    ]
    if len(stats) > 1:
        rows.append(["TOTAL", "", *(f"{sum(int(s.get(n) or 0) for s in stats):,}" for n in names)])
    days = "today (UTC)" if args.days == 1 else f"the last {args.days} days (UTC, today included)"
    say(f"Messages of {args.app_id} per template, {days}:")
    say(table(rows, ["TEMPLATE", "TITLE", "SENT", "DELIVERED", "FAILED", "PENDING"]))
    return OK
