"""Where ``mpp login`` keeps the console URL and the API token.

``$MPP_CONFIG`` if set, else ``$XDG_CONFIG_HOME/mpp/config.json``, else
``~/.config/mpp/config.json``. The file holds only ``{"url", "token"}`` and is created with
mode 0600 (its folder 0700): the token is a secret, nothing else is cached.
``$MPP_URL`` and ``$MPP_TOKEN`` together stand in for the file (CI jobs need no login).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """The configuration is missing or unreadable; the message says what to do."""


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str


def config_path() -> Path:
    if explicit := os.environ.get("MPP_CONFIG"):
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "mpp" / "config.json"


def load() -> Credentials | None:
    """The stored credentials, or ``None`` when nobody is logged in."""
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}. Run `mpp login` again.") from exc
    if not isinstance(data, dict) or not data.get("url") or not data.get("token"):
        raise ConfigError(f"{path} has no URL or token. Run `mpp login` again.")
    return Credentials(url=str(data["url"]), token=str(data["token"]))


def credentials() -> Credentials:
    """``$MPP_URL`` + ``$MPP_TOKEN`` when both are set, else the stored login."""
    url, token = os.environ.get("MPP_URL"), os.environ.get("MPP_TOKEN")
    if url and token:
        return Credentials(url=url.rstrip("/"), token=token)
    stored = load()
    if stored is None:
        raise ConfigError(
            "You are not logged in. Run `mpp login` first (or set MPP_URL and MPP_TOKEN)."
        )
    return stored


def save(creds: Credentials) -> Path:
    """Write the file atomically, readable by its owner only; returns its path."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    body = json.dumps({"url": creds.url, "token": creds.token}, indent=2) + "\n"
    # mkstemp creates the file 0600 before anything is written to it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def delete() -> Credentials | None:
    """Remove the stored login; returns what was removed (``None`` if there was none)."""
    try:
        previous = load()
    except ConfigError:
        previous = None
    config_path().unlink(missing_ok=True)
    return previous
