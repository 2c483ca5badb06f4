"""``mpp grayscale``: a release target's grayscale tasks (``list``, ``create``), one task in
full (``show``) and the actions on one task (``suspend``, ``resume``, ``end``, ``percentage``,
``replace-version``).

A task belongs to one target (host app × environment); ``list`` and ``create`` name it with
``--host-app`` and ``--env``, ``show`` and the actions find the task by its id alone (the API's
task by id says which target it is on). Target lists (accounts, device ids, GUIDs) are uploaded
as the .txt files they are, in a multipart form; the server checks every line and reports the
bad ones by number (exit 1).
"""

from __future__ import annotations

import argparse
import json
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from mpp_cli.client import ApiError, Client
from mpp_cli.commands import (
    OK,
    UsageError,
    _who,
    client_from_config,
    find_miniprogram,
    get_all,
    get_or_not_found,
    miniprogram_path,
    say,
    table,
    when_label,
)
from mpp_cli.releases import _host_apps, releases_path, resolve_host_app

NETWORKS = ("wifi", "5g", "4g", "3g", "2g", "unknown")
PLATFORMS = ("android", "ios")
LIST_FILES = ("accounts_file", "device_ids_file", "guids_file")  # the API's multipart fields


# --- argument types ---------------------------------------------------------------------------


def when_arg(value: str) -> str:
    """An ISO 8601 time (``2026-12-01T10:00``, ``…+08:00``, ``…Z``); without an offset it is
    the local time. Sent with its offset."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not an ISO 8601 time: e.g. 2026-12-01T10:00 (local time) or "
            "2026-12-01T10:00+08:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat()


def percentage_arg(value: str) -> str:
    text = value.strip().removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 < number <= 100:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a percentage: a number more than 0 and at most 100"
        )
    return text


def max_users_arg(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"“{value[:40]}” is not a number of users (1 or more)")
    return int(value)


def task_id_arg(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a task id: `mpp grayscale list APP_ID …` lists them (ID)"
        )
    return int(value)


def range_arg(value: str) -> tuple[str, str]:
    """``8.0:9.0``, ``8.0:`` (from), ``:9.0`` (up to)."""
    low, sep, high = value.partition(":")
    if not sep or ":" in high or not (low.strip() or high.strip()):
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a version range: MIN:MAX, either side may be empty (8.0:9.0)"
        )
    return low.strip(), high.strip()


def platform_arg(value: str) -> tuple[str, str, str]:
    """``android``, ``android:13:15``, ``ios:16:`` (OS versions from 16)."""
    name, _, rest = value.partition(":")
    low, _, high = rest.partition(":")
    name = name.strip().lower()
    if name not in PLATFORMS or ":" in high:
        raise argparse.ArgumentTypeError(
            f"“{value[:40]}” is not a platform: android or ios, optionally with an OS version "
            "range (android:13:15, ios:16:)"
        )
    return name, low.strip(), high.strip()


# --- a multipart form held in memory (the lists are at most 16 MB each) -----------------------


class FormBody:
    """``multipart/form-data`` with repeated fields and several .txt files; the interface of
    :class:`mpp_cli.client.MultipartBody` (``content_type``, ``len``, iteration)."""

    def __init__(self, fields: list[tuple[str, str]], files: list[tuple[str, Path]]):
        self.boundary = f"mpp-{secrets.token_hex(16)}"
        parts: list[bytes] = []
        for name, text in fields:
            parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{text}\r\n".encode()
            )
        for name, path in files:
            safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in path.name) or "list"
            parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{safe}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                + path.read_bytes()
                + b"\r\n"
            )
        parts.append(f"--{self.boundary}--\r\n".encode())
        self.data = b"".join(parts)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[bytes]:
        yield self.data


# --- targets and tasks ------------------------------------------------------------------------


def _where(target: dict[str, Any]) -> str:
    return f"{target['host_app']['name']} ({target['environment']})"


def _tasks_path(slug: str, app_id: str, target_id: int) -> str:
    return f"{miniprogram_path(slug, app_id)}/targets/{target_id}/grayscale"


def _target(args: argparse.Namespace) -> tuple[Client, str, dict[str, Any]]:
    """The client, the workspace and the target ``--host-app`` × ``--env`` names."""
    client = client_from_config()
    slug, detail = find_miniprogram(client, args.app_id, args.workspace)
    targets = get_all(client, releases_path(slug, args.app_id))
    host = resolve_host_app(
        args.host_app,
        _host_apps(detail.get("host_apps") or [], [t["host_app"] for t in targets]),
    )
    for target in targets:
        if target["host_app"]["id"] == host["id"] and target["environment"] == args.env:
            return client, slug, target
    raise ApiError(
        status=404,
        code="not_found",
        message=f"Nothing was ever submitted to {host['name']} ({args.env}): a grayscale task "
        f"needs a version approved there. Submit one: mpp submit {args.app_id} VERSION "
        f'--env {args.env} --host-app "{host["name"]}"',
    )


def _task(args: argparse.Namespace) -> tuple[Client, str, dict[str, Any], dict[str, Any]]:
    """The client, the workspace, the target and the task ``args.task_id`` in full (the API's
    task by id: its target, progress, schedule state and history)."""
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    task = get_or_not_found(
        client,
        f"{miniprogram_path(slug, args.app_id)}/grayscale/{args.task_id}",
        f"Mini program {args.app_id} has no grayscale task {args.task_id}: "
        f"`mpp grayscale list {args.app_id} --host-app NAME --env ENV` lists them.",
    )
    return client, slug, task["target"], task


def _pct(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):g} %"


def _users(task: dict[str, Any]) -> str:
    return f"{task['admitted_users']:,}/{task['max_users']:,}"


def _summary(task: dict[str, Any], target: dict[str, Any]) -> str:
    return (
        f"Grayscale task {task['id']} “{task['name']}” (version {task['version']} on "
        f"{_where(target)})"
    )


# --- commands ---------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    client, slug, target = _target(args)
    tasks = get_all(client, _tasks_path(slug, args.app_id, target["id"]))
    if args.json:
        say(json.dumps(tasks, indent=2, ensure_ascii=False))
        return OK
    if not tasks:
        say(
            f"No grayscale tasks on {_where(target)} yet. Start one: mpp grayscale create "
            f"{args.app_id} VERSION --host-app … --env {args.env} --name … --start … --end … "
            "--max-users N"
        )
        return OK
    rows = [
        [
            str(task["id"]),
            str(task["name"]),
            str(task["version"]),
            str(task["state"]),
            _users(task),
            _pct(task.get("percentage")),
        ]
        for task in tasks
    ]
    say(table(rows, ["ID", "NAME", "VERSION", "STATE", "USERS", "PERCENTAGE"]))
    return OK


def _create_fields(args: argparse.Namespace) -> list[tuple[str, str]]:
    fields = [
        ("version", args.version),
        ("name", args.name),
        ("starts_at", args.start),
        ("ends_at", args.end),
        ("max_users", str(args.max_users)),
    ]
    if args.host_app_version:
        fields += [
            ("host_app_version_min", args.host_app_version[0]),
            ("host_app_version_max", args.host_app_version[1]),
        ]
    if args.platform:
        platforms = {name: {"min": low, "max": high} for name, low, high in args.platform}
        fields.append(("platforms", json.dumps(platforms)))
    fields += [("networks", network) for network in dict.fromkeys(args.network or [])]
    if args.percentage is not None:
        fields.append(("percentage", args.percentage))
    return fields


def cmd_create(args: argparse.Namespace) -> int:
    files: list[tuple[str, Path]] = []
    for field in LIST_FILES:
        value = getattr(args, field)
        if value is None:
            continue
        path = Path(value).expanduser()
        if not path.is_file():
            flag = f"--{field.replace('_', '-')}"
            raise UsageError(f"{flag}: {path} is not a file (a .txt list, one value per line).")
        files.append((field, path))
    client, slug, target = _target(args)
    fields = _create_fields(args)
    url = _tasks_path(slug, args.app_id, target["id"])
    if files:
        task = client.upload(url, FormBody(fields, files))  # type: ignore[arg-type]
    else:
        body: dict[str, Any] = {}
        for name, value in fields:
            if name == "networks":
                body.setdefault("networks", []).append(value)
            elif name == "platforms":
                body["platforms"] = json.loads(value)
            else:
                body[name] = value
        task = client.post(url, body)
    objects = task.get("target_objects") or {}
    listed = ", ".join(f"{n:,} {kind.replace('_', ' ')}s" for kind, n in objects.items() if n)
    pct = task.get("percentage")
    share = f", {_pct(pct)} of the matching users" if pct is not None else ""
    lists = f" ({listed})" if listed else ""
    say(
        f"{_summary(task, target)} is {task['state']}: up to {task['max_users']:,} users"
        f"{share}{lists}."
    )
    return OK


def _act(args: argparse.Namespace, action: str, body: dict[str, Any] | None = None) -> int:
    client, slug, target, task = _task(args)
    path = f"{_tasks_path(slug, args.app_id, target['id'])}/{task['id']}/{action}"
    task = client.post(path, body or {})
    say(f"{_summary(task, target)} is {task['state']}{_progress(task)}.")
    return OK


def _progress(task: dict[str, Any]) -> str:
    pct = task.get("percentage")
    share = f", {_pct(pct)} of users" if pct is not None else ""
    return f" ({_users(task)} users delivered{share})"


def cmd_suspend(args: argparse.Namespace) -> int:
    return _act(args, "suspend", {"note": args.note or ""})


def cmd_resume(args: argparse.Namespace) -> int:
    return _act(args, "resume")


def cmd_end(args: argparse.Namespace) -> int:
    return _act(args, "end", {"note": args.note or ""})


def cmd_percentage(args: argparse.Namespace) -> int:
    return _act(args, "percentage", {"percentage": args.percentage})


def cmd_replace_version(args: argparse.Namespace) -> int:
    return _act(args, "version", {"version": args.version})


# --- show ---------------------------------------------------------------------------------------


def _span(bounds: dict[str, Any] | None) -> str:
    low, high = (bounds or {}).get("min") or "", (bounds or {}).get("max") or ""
    if low and high:
        return f"{low} to {high}"
    if low:
        return f"{low} or later"
    if high:
        return f"up to {high}"
    return "any version"


def _conditions(task: dict[str, Any]) -> list[tuple[str, str]]:
    platforms = task.get("platforms") or {}
    objects = task.get("target_objects") or {}
    names = {"guid": "GUIDs", "device_id": "device ids", "account": "user accounts"}
    lists = [f"{n:,} {names.get(kind, kind)}" for kind, n in objects.items() if n]
    pct = task.get("percentage")
    return [
        ("Host app version", _span(task.get("host_app_version"))),
        (
            "Platforms",
            "; ".join(f"{name} {_span(r)}" for name, r in platforms.items())
            if platforms
            else "any platform",
        ),
        ("Target objects", f"on one of: {', '.join(lists)}" if lists else "anyone (no list)"),
        ("Network", ", ".join(task.get("networks") or []) or "any network"),
        (
            "Percentage",
            f"{_pct(pct)} of the matching users (sticky)" if pct is not None else "no condition",
        ),
    ]


def _schedule(task: dict[str, Any]) -> str:
    state = task.get("schedule_state")
    if not state:
        return ""
    steps = " → ".join(
        f"{_pct(s['percentage'])} ({float(s['hold_hours']):g} h)" for s in task["schedule"]
    )
    where = f"step {state['step'] + 1} of {state['steps']}"
    if state["paused"]:
        moving = "paused"
    elif state.get("next_step_at"):
        moving = f"{_pct(state['next_percentage'])} at {when_label(state['next_step_at'])}"
    elif state.get("next_percentage") is None:
        moving = "last step"
    else:
        moving = "waits while the task does not deliver"
    return f"{steps}; {where}, {moving}"


def cmd_show(args: argparse.Namespace) -> int:
    _client, _slug, target, task = _task(args)
    if args.json:
        say(json.dumps(task, indent=2, ensure_ascii=False))
        return OK
    progress = task.get("progress") or {}
    state = str(task["state"])
    if task.get("end_reason"):
        state += f" ({str(task['end_reason']).replace('_', ' ')}, {when_label(task['ended_at'])})"
    rows = [
        ("State", state),
        ("Users", f"{_users(task)} delivered ({float(progress.get('percent', 0)):.1f} %)"),
        ("Time", f"{when_label(task['starts_at'])} → {when_label(task['ends_at'])}"),
        *_conditions(task),
    ]
    if schedule := _schedule(task):
        rows.append(("Schedule", schedule))
    if task.get("reached_full") and task["state"] != "ended":
        rows.append(("Full release", f"at 100 %: publish {task['version']} for everyone"))
    width = max(len(label) for label, _ in rows)
    lines = [_summary(task, target), *(f"  {label.ljust(width)}  {text}" for label, text in rows)]
    history = task.get("history") or []
    if history:
        lines += ["", "History (oldest first):"]
        lines.append(
            table(
                [
                    [
                        when_label(h["at"]),
                        str(h["action"]).removeprefix("grayscale."),
                        str(h["state"]),
                        _who(h.get("actor")) if h.get("actor") else "MPP",
                        str(h.get("note") or ""),
                    ]
                    for h in history
                ],
                ["WHEN", "ACTION", "STATE", "BY", "NOTE"],
            )
        )
    say("\n".join(lines))
    return OK
