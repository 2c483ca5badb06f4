"""The release commands: ``releases`` (the targets), ``submit``, ``withdraw``, ``publish``,
``rollback``, and ``offline-package`` (download a version that is online as its ``.apkg``).

A release goes to one host app in one environment (a *target*). Host apps are named by name or
id: names are matched against the host apps the mini program is released to (its detail) and,
for a rollback, the targets it already has. Refusals are the server's sentences (exit 1).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from mpp_cli.client import ApiError, Client
from mpp_cli.commands import (
    OK,
    UsageError,
    client_from_config,
    find_miniprogram,
    get_all,
    miniprogram_path,
    note,
    say,
    table,
    versions_path,
    when_label,
)
from mpp_cli.progress import format_size

ENVIRONMENTS = ("development", "test", "sandbox", "production")
STATE_LABELS = {"under_review": "under review"}


class DownloadDamaged(Exception):
    """The downloaded file is not the offline package it should be (a broken transfer)."""


def state_label(state: Any) -> str:
    return STATE_LABELS.get(str(state), str(state))


def releases_path(slug: str, app_id: str) -> str:
    return f"{miniprogram_path(slug, app_id)}/releases"


def _where(target: dict[str, Any] | None, fallback: str = "its target") -> str:
    if not target:
        return fallback
    return f"{target['host_app']['name']} ({target['environment']})"


def _targets_by_id(client: Client, slug: str, app_id: str) -> dict[int, dict[str, Any]]:
    return {t["id"]: t for t in get_all(client, releases_path(slug, app_id))}


# --- host apps by name or id ------------------------------------------------------------------


def _host_apps(*sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{id, name}`` of each host app in ``sources``, once, in order."""
    found: dict[int, dict[str, Any]] = {}
    for source in sources:
        for app in source:
            found.setdefault(int(app["id"]), {"id": int(app["id"]), "name": str(app["name"])})
    return list(found.values())


def resolve_host_app(value: str, candidates: list[dict[str, Any]]) -> dict[str, Any]:
    """The host app ``value`` names: an id, else a name (case and surrounding spaces ignored)."""
    wanted = value.strip()
    for app in candidates:
        if str(app["id"]) == wanted:
            return app
    named = [app for app in candidates if app["name"].strip().casefold() == wanted.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(str(app["id"]) for app in named)
        raise UsageError(f"Several host apps are named “{wanted}”: pass its id instead ({ids}).")
    if not candidates:
        raise UsageError(
            f"“{wanted}” is not a host app of this mini program: it is not released to any host "
            "app yet (add one under “Release to” in the console)."
        )
    known = ", ".join(f"{app['name']} (id {app['id']})" for app in candidates)
    raise UsageError(f"“{wanted}” is not a host app of this mini program. Its host apps: {known}.")


# --- releases ---------------------------------------------------------------------------------


def _online_cell(release: dict[str, Any] | None) -> str:
    if not release:
        return "—"
    return f"{release['version']}{' (rollback)' if release.get('kind') == 'rollback' else ''}"


def cmd_releases(args: argparse.Namespace) -> int:
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    targets = get_all(client, releases_path(slug, args.app_id))
    if args.json:
        say(json.dumps(targets, indent=2, ensure_ascii=False))
        return OK
    if not targets:
        say(
            "Nothing has been submitted for release yet. Submit a ready version: "
            f"mpp submit {args.app_id} VERSION --env test --host-app NAME"
        )
        return OK
    rows = []
    for target in targets:
        online, open_release = target.get("online"), target.get("open_release")
        rows.append(
            [
                str(target["host_app"]["name"]),
                str(target["environment"]),
                _online_cell(online),
                when_label(online.get("published_at")) if online else "—",
                str(open_release["version"]) if open_release else "—",
                state_label(open_release["state"]) if open_release else "—",
                str(open_release["id"]) if open_release else "—",
            ]
        )
    say(
        table(
            rows, ["HOST APP", "ENVIRONMENT", "ONLINE", "SINCE", "IN PROGRESS", "STATE", "RELEASE"]
        )
    )
    return OK


def cmd_submit(args: argparse.Namespace) -> int:
    client = client_from_config()
    slug, detail = find_miniprogram(client, args.app_id, args.workspace)
    candidates = _host_apps(detail.get("host_apps") or [])
    chosen = [resolve_host_app(value, candidates) for value in args.host_app]
    ids = list(dict.fromkeys(app["id"] for app in chosen))
    created = client.post(
        f"{versions_path(slug, args.app_id)}/{args.version}/releases",
        {"host_app_ids": ids, "environment": args.env, "notes": args.notes or ""},
    )
    targets = _targets_by_id(client, slug, args.app_id)
    for release in created or []:
        where = _where(targets.get(release["target_id"]))
        head = f"Release {release['id']}: version {release['version']} to {where}"
        if release["state"] == "under_review":
            say(f"{head} is under review by the host app's owner.")
        elif release["state"] == "approved":
            say(f"{head} is approved. Publish it: mpp publish {args.app_id} {release['id']}")
        else:
            say(f"{head} is {state_label(release['state'])}.")
    return OK


def _release_action(args: argparse.Namespace, action: str) -> tuple[dict[str, Any], str]:
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    path = f"{releases_path(slug, args.app_id)}/{args.release_id}/{action}"
    release = client.post(path)
    targets = _targets_by_id(client, slug, args.app_id)
    return release, _where(targets.get(release["target_id"]))


def cmd_withdraw(args: argparse.Namespace) -> int:
    release, where = _release_action(args, "withdraw")
    say(
        f"Release {release['id']}: version {release['version']} to {where} is "
        f"{state_label(release['state'])}."
    )
    return OK


def cmd_publish(args: argparse.Namespace) -> int:
    release, where = _release_action(args, "publish")
    say(f"Release {release['id']}: version {release['version']} is online on {where}.")
    return OK


def cmd_rollback(args: argparse.Namespace) -> int:
    client = client_from_config()
    slug, detail = find_miniprogram(client, args.app_id, args.workspace)
    targets = get_all(client, releases_path(slug, args.app_id))
    host = resolve_host_app(
        args.host_app,
        _host_apps(detail.get("host_apps") or [], [t["host_app"] for t in targets]),
    )
    target = next(
        (t for t in targets if t["host_app"]["id"] == host["id"] and t["environment"] == args.env),
        None,
    )
    if target is None:
        raise ApiError(
            status=404,
            code="not_found",
            message=f"Nothing was ever released to {host['name']} ({args.env}): there is "
            "nothing to roll back.",
        )
    before = target.get("online") or {}
    path = f"{miniprogram_path(slug, args.app_id)}/targets/{target['id']}/rollback"
    rollback = client.post(path, {"note": args.note or ""})
    say(
        f"Rolled back {_where(target)}: version {rollback['version']} is online again "
        f"(release {rollback['id']}), in place of {before.get('version', 'the previous one')}."
    )
    return OK


# --- offline packages -------------------------------------------------------------------------


def check_offline_package(path: Path, *, app_id: str, version: str) -> dict[str, Any]:
    """The manifest of a downloaded ``.apkg``, once every file it lists has its SHA-256."""
    try:
        with zipfile.ZipFile(path) as apkg:
            manifest = json.loads(apkg.read("manifest.json"))
            if (manifest.get("app_id"), manifest.get("version")) != (app_id, version):
                raise DownloadDamaged("it is the package of another version")
            for entry in manifest.get("artifacts") or []:
                digest = hashlib.sha256()
                with apkg.open(entry["name"]) as fh:
                    while block := fh.read(1024 * 1024):
                        digest.update(block)
                if digest.hexdigest() != entry.get("sha256"):
                    raise DownloadDamaged(f"{entry['name']} does not match its SHA-256")
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise DownloadDamaged(f"it is not a complete offline package ({exc})") from None
    return manifest


def cmd_offline_package(args: argparse.Namespace) -> int:
    directory = Path(args.output).expanduser()
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a folder: -o names the folder to save the .apkg in.")
    client = client_from_config()
    slug, _detail = find_miniprogram(client, args.app_id, args.workspace)
    path = f"{versions_path(slug, args.app_id)}/{args.version}/offline-package"
    expected = f"{args.app_id}_{args.version}.apkg"
    note(f"Downloading the offline package of version {args.version} …")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mpp-", suffix=".apkg.part")
    except OSError as exc:
        raise UsageError(f"Cannot write in {directory}: {exc.strerror or exc}") from None
    part = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            client.download(path, fh)
        try:
            manifest = check_offline_package(part, app_id=args.app_id, version=args.version)
        except DownloadDamaged as exc:
            message = f"The downloaded file is damaged: {exc}. Download it again."
            raise DownloadDamaged(message) from None
        final = directory / expected  # the rule's name, never a path taken from the answer
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    size = final.stat().st_size
    files = len(manifest.get("artifacts") or [])
    say(
        f"Saved {final} ({format_size(size)}: version {args.version}, {files} built files, "
        f"package sha256 {str(manifest.get('package_sha256'))[:12]}…)."
    )
    return OK
