"""What each ``mpp`` command does: log in and out, upload and follow a version, list versions
(the release commands are in :mod:`mpp_cli.releases`).

Commands print results on stdout and progress, warnings and errors on stderr, and return the
exit code (see :mod:`mpp_cli.main`); errors they do not handle propagate to ``main``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

from mpp_cli import config, package
from mpp_cli.client import ApiError, Client, MultipartBody, normalize_url
from mpp_cli.progress import ProgressBar, format_size

OK, API_ERROR, USAGE, SCAN_FAILED, NETWORK, TIMED_OUT, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
STATUS_LABELS = {"scan_failed": "scan failed"}
POLL_START, POLL_MAX = 0.5, 2.0  # seconds between status checks, growing


class UsageError(Exception):
    pass


# --- output -----------------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, file=sys.stdout, flush=True)


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def error(text: str) -> None:
    note(f"mpp: error: {text}")


# --- shared steps -----------------------------------------------------------------------------


def client_from_config() -> Client:
    creds = config.credentials()
    try:
        url = normalize_url(creds.url)
    except ValueError as exc:
        raise UsageError(f"{exc} (from MPP_URL or {config.config_path()})") from None
    return Client(url, creds.token)


def resolve_workspace(client: Client, app_id: str, explicit: str | None) -> str:
    """The workspace holding ``app_id``: ``--workspace``, else the first of yours that has it."""
    return find_miniprogram(client, app_id, explicit)[0]


def get_or_not_found(client: Client, path: str, message: str) -> Any:
    """``client.get(path)``, a 404 told in ``message`` (the server's request id kept)."""
    try:
        return client.get(path)
    except ApiError as exc:
        if exc.status != 404:
            raise
        raise ApiError(
            status=404, code="not_found", message=message, request_id=exc.request_id
        ) from None


def find_miniprogram(
    client: Client, app_id: str, explicit: str | None
) -> tuple[str, dict[str, Any]]:
    """The workspace holding ``app_id`` (as :func:`resolve_workspace`) and the mini program's
    detail (``{}`` when the caller may not read it: the real call will say what is missing)."""
    if explicit:
        return explicit, get_or_not_found(
            client,
            miniprogram_path(explicit, app_id),
            f"No mini program with App ID {app_id} in workspace {explicit}, or you cannot see it "
            "there. Check the App ID and the workspace slug.",
        )
    me = client.get("me")
    slugs = [w["slug"] for w in me.get("workspaces", [])]
    for slug in slugs:
        try:
            return slug, client.get(miniprogram_path(slug, app_id))
        except ApiError as exc:
            if exc.status == 404:
                continue
            if exc.status == 403:  # it is there; the real call will say what is missing
                return slug, {}
            raise
    where = f"any of your workspaces ({', '.join(slugs)})" if slugs else "any workspace"
    raise ApiError(
        status=404,
        code="not_found",
        message=f"No mini program with App ID {app_id} in {where}, or you are not one of its "
        "developers. Check the App ID, or pass --workspace.",
    )


def get_all(client: Client, path: str) -> list[dict[str, Any]]:
    """Every item of a paginated list, page after page (200 a page)."""
    return get_pages(client, path)[0]


def get_pages(
    client: Client, path: str, query: dict[str, Any] | None = None, limit: int | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """The items of a paginated list with ``query``, page after page (at most 200 a page), up
    to ``limit`` (all when ``None``), and the total the server counted (``None`` if it did not
    say)."""
    size = 200 if limit is None else min(limit, 200)
    results: list[dict[str, Any]] = []
    page, count = 1, None
    while True:
        data = client.get(path, {**(query or {}), "page": page, "page_size": size})
        if isinstance(data, list):  # an unpaginated answer
            results.extend(data)
            break
        results.extend(data.get("results") or [])
        if isinstance(data.get("count"), int):
            count = data["count"]
        if not data.get("next") or (limit is not None and len(results) >= limit):
            break
        page += 1
    return (results if limit is None else results[:limit]), count


def miniprogram_path(slug: str, app_id: str) -> str:
    return f"workspaces/{urllib.parse.quote(slug, safe='')}/miniprograms/{app_id}"


def versions_path(slug: str, app_id: str) -> str:
    return f"{miniprogram_path(slug, app_id)}/versions"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def progress_line(detail: dict[str, Any]) -> str:
    """``scanning — scan running 40%, build queued``."""
    parts = []
    for job in detail.get("jobs") or []:
        text = f"{job.get('kind')} {job.get('state')}"
        if job.get("state") == "running" and job.get("progress") is not None:
            text += f" {job['progress']}%"
        parts.append(text)
    line = status_label(str(detail.get("status")))
    return f"{line} — {', '.join(parts)}" if parts else line


def wait_for_scan(client: Client, path: str, number: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    interval, last = POLL_START, ""
    while True:
        detail = client.get(path)
        status = detail.get("status")
        line = progress_line(detail)
        if line != last:
            note(f"  {line}")
            last = line
        if status == "ready":
            say(f"Version {number} is ready.")
            summary = detail.get("quality_summary")
            quality = next((j for j in detail.get("jobs") or [] if j.get("kind") == "quality"), {})
            if isinstance(summary, dict):
                say(
                    f"Quality review: {summary.get('warnings', 0)} warning(s), "
                    f"{summary.get('infos', 0)} note(s) (the console shows the report)."
                )
            elif quality.get("state") in ("queued", "running"):
                say("The quality review is still running; it never blocks a release.")
            elif quality.get("state") == "failed":
                say(
                    f"The quality review failed ({quality.get('error') or 'no reason given'}); "
                    "restart it from the console. It never blocks a release."
                )
            return OK
        if status == "scan_failed":
            failure = detail.get("failure") or {}
            error(
                f"version {number} failed its scan: {failure.get('message') or 'no reason given'}"
            )
            note("mpp: fix the package and upload it again with a higher version number.")
            return SCAN_FAILED
        if time.monotonic() >= deadline:
            error(
                f"gave up waiting after {timeout:g} s; version {number} is "
                f"{status_label(str(status))}. The scan goes on on the server: follow it with "
                "`mpp versions`."
            )
            return TIMED_OUT
        time.sleep(interval)
        interval = min(interval * 1.5, POLL_MAX)


# --- commands ---------------------------------------------------------------------------------


def _ask_token() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("API token: ")
    return sys.stdin.readline().strip()  # piped in: `echo "$TOKEN" | mpp login --url …`


def cmd_login(args: argparse.Namespace) -> int:
    try:
        stored = config.load()
    except config.ConfigError:
        stored = None
    raw_url = args.url or os.environ.get("MPP_URL")
    if not raw_url and sys.stdin.isatty():
        default = f" [{stored.url}]" if stored else ""
        raw_url = input(f"Console URL{default}: ").strip()
    # Piped stdin carries only the token: never read it as the URL (and echo it in an error).
    raw_url = raw_url or (stored.url if stored else "")
    if not raw_url:
        raise UsageError("No console URL: pass --url (e.g. --url https://mpp.example.com).")
    try:
        url = normalize_url(raw_url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    token = args.token or os.environ.get("MPP_TOKEN") or _ask_token()
    token = token.strip()
    if not token:
        raise UsageError("No API token: pass --token, set MPP_TOKEN, or type it when asked.")
    me = Client(url, token).get("me")
    path = config.save(config.Credentials(url=url, token=token))
    say(f"Logged in to {url} as {me.get('name') or me.get('email')} <{me.get('email')}>.")
    workspaces = me.get("workspaces") or []
    if workspaces:
        listed = ", ".join(
            f"{w['slug']} ({w.get('role_label') or w.get('role')})" for w in workspaces
        )
        say(f"Workspaces: {listed}.")
    say(f"Saved to {path}.")
    return OK


def cmd_logout(args: argparse.Namespace) -> int:
    previous = config.delete()
    if previous is None:
        say("You were not logged in.")
    else:
        say(
            f"Logged out of {previous.url}. The token stays valid until you revoke it in the "
            "console (Account → API tokens)."
        )
    return OK


def cmd_upload(args: argparse.Namespace) -> int:
    client = client_from_config()
    source = Path(args.path)

    def packing(folder: Path) -> None:
        note(f"Packing {folder} …")

    with package.prepare(source, on_packing=packing) as (zip_path, packed):
        size = zip_path.stat().st_size
        if packed is not None:
            note(f"Packed {packed.files} files into {format_size(size)}.")
            for link in packed.skipped_links:
                note(f"mpp: warning: skipped the symbolic link {link} (packages cannot hold links)")
        slug = resolve_workspace(client, args.app_id, args.workspace)
        path = versions_path(slug, args.app_id)
        bar = ProgressBar(sys.stderr, size)
        body = MultipartBody(
            fields={"version": args.version, "notes": args.notes or ""},
            file_field="package",
            path=zip_path,
            filename=zip_path.name,
            on_progress=bar.update,
        )
        note(f"Uploading version {args.version} of {args.app_id} to workspace {slug} …")
        try:
            created = client.upload(path, body)
        except BaseException:
            bar.abort()
            raise
        bar.finish(size)
    number = created.get("number") or args.version
    digest = str(created.get("package_sha256") or "")
    say(
        f"Uploaded version {number} ({format_size(int(created.get('package_size') or size))}, "
        f"sha256 {digest[:12]}…)."
    )
    if created.get("warning"):
        note(f"mpp: warning: {created['warning']}")
    if args.no_wait:
        say(f"Scanning on the server; follow it with: mpp versions --app-id {args.app_id}")
        return OK
    note(f"Waiting for the scan (up to {args.timeout:g} s; --no-wait to skip) …")
    return wait_for_scan(client, f"{path}/{number}", number, args.timeout)


def when_label(value: Any) -> str:
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def _who(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("email") or value.get("name") or "—")
    return str(value) if value else "—"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def cmd_versions(args: argparse.Namespace) -> int:
    client = client_from_config()
    slug = resolve_workspace(client, args.app_id, args.workspace)
    results = get_all(client, versions_path(slug, args.app_id))
    if args.json:
        say(json.dumps(results, indent=2, ensure_ascii=False))
        return OK
    if not results:
        say(f"No versions yet. Upload one: mpp upload --app-id {args.app_id} --version 1.0.0 PATH")
        return OK
    rows = [
        [
            str(v.get("number")),
            status_label(str(v.get("status"))),
            format_size(int(v.get("package_size") or 0)),
            when_label(v.get("created_at")),
            _who(v.get("uploaded_by")),
        ]
        for v in results
    ]
    say(table(rows, ["VERSION", "STATUS", "SIZE", "UPLOADED", "BY"]))
    return OK
