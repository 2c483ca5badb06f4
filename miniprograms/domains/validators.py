"""The rules of server domains and WAP URLs (SPEC §7), one module for forms, serializers and
services.

A list is typed one entry per line. Each line is checked on its own and the whole list is
refused when any line is wrong, with every bad line's number (nothing is stored). The rules:

- a server domain (``request``, ``uploadFile``, ``downloadFile``) is ``https://host[:port]``;
  a ``socket`` domain is ``wss://host[:port]``; a WAP URL (web-view, "business domain") is
  ``https://host[:port][/path]``: web pages are opened by address, so a path prefix narrows it
  (``https://m.example.com/shop/``); no query or fragment anywhere;
- the host is a real host name: at least two labels of letters, digits and hyphens (no label
  starting or ending with a hyphen, at most 63 characters each, 253 in all), a top-level label
  that is not all digits; international names are accepted and stored in their ASCII (IDNA)
  form; no IP address, no ``localhost``; no user name or password;
- a port is exact: ``https://api.example.com:8443`` allows port 8443 only; the scheme's default
  (443) is dropped, since ``https://a.example`` and ``https://a.example:443`` are one origin;
- at most :data:`MAX_PER_TYPE` entries per type, counted after duplicates are collapsed
  (the first spelling kept, in the order typed);
- the wildcard ``.*`` alone on a line allows everything for that type (the list becomes
  ``[".*"]``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# The five lists, in the order pages show them, with the runtime answer's keys.
REQUEST = "request"
UPLOAD_FILE = "uploadFile"
DOWNLOAD_FILE = "downloadFile"
SOCKET = "socket"
WEBVIEW = "webview"
TYPES: tuple[str, ...] = (REQUEST, UPLOAD_FILE, DOWNLOAD_FILE, SOCKET, WEBVIEW)

TYPE_LABELS: dict[str, str] = {
    REQUEST: "request domains",
    UPLOAD_FILE: "uploadFile domains",
    DOWNLOAD_FILE: "downloadFile domains",
    SOCKET: "socket domains",
    WEBVIEW: "WAP URLs (web-view)",
}

WILDCARD = ".*"
MAX_PER_TYPE = 200
MAX_LINE = 1024
MAX_HOST = 253
MAX_LABEL = 63
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", re.ASCII)


def scheme_of(kind: str) -> str:
    """The one scheme entries of ``kind`` use."""
    return "wss" if kind == SOCKET else "https"


def split_lines(value: str | Iterable[str]) -> list[tuple[int, str]]:
    """``(line number, text)`` of every non-blank line (a textarea, or a list from the API whose
    items count as lines 1, 2, …). A UTF-8 byte-order mark is dropped."""
    lines = value.lstrip("\ufeff").splitlines() if isinstance(value, str) else list(value)
    return [
        (number, str(line).strip()) for number, line in enumerate(lines, 1) if str(line).strip()
    ]


def _host(raw: str) -> str:
    """The host name in ASCII, lower case; raises ``ValueError`` with the reason."""
    if raw.startswith("["):
        raise ValueError("is an IP address; use a host name")
    host = raw.rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise ValueError("is an IP address; use a host name")
    if not host:
        raise ValueError("has no host name")
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise ValueError(f"has a host name that is not valid: {raw}") from None
    if ascii_host == "localhost" or ascii_host.endswith(".localhost"):
        raise ValueError("points at localhost; use a public host name")
    labels = ascii_host.split(".")
    if len(ascii_host) > MAX_HOST or any(len(label) > MAX_LABEL for label in labels):
        raise ValueError(f"has a host name that is too long: {raw}")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError(
            f"has a host name that is not valid: {raw} (letters, digits, hyphens and dots)"
        )
    if len(labels) < 2:
        raise ValueError(f"has a host name without a domain: {raw} (e.g. api.example.com)")
    if labels[-1].isdigit():
        raise ValueError("is an IP address; use a host name")
    return ascii_host


def normalize_entry(line: str, *, kind: str) -> str:
    """One entry in its stored form, or ``ValueError`` saying what is wrong with it."""
    if line == WILDCARD:
        return WILDCARD
    if len(line) > MAX_LINE:
        raise ValueError(f"is longer than {MAX_LINE} characters")
    if any(ch.isspace() for ch in line):
        raise ValueError("contains spaces; put one entry per line")
    scheme = scheme_of(kind)
    example = "wss://socket.example.com" if kind == SOCKET else "https://api.example.com"
    if "://" not in line:
        raise ValueError(f"must start with {scheme}:// (e.g. {example})")
    given = line.split("://", 1)[0].lower()
    if given != scheme:
        raise ValueError(f"must use {scheme}://, not {given}://")
    parts = urlsplit(line)
    if "?" in line or parts.query:
        raise ValueError("must not have a query (?…)")
    if "#" in line or parts.fragment:
        raise ValueError("must not have a fragment (#…)")
    if "@" in parts.netloc:
        raise ValueError("must not contain a user name or password")
    path = parts.path
    if kind != WEBVIEW and path not in ("", "/"):
        raise ValueError("must be a domain without a path (only WAP URLs may have one)")
    netloc = parts.netloc
    port = ""
    if netloc.startswith("["):
        raise ValueError("is an IP address; use a host name")
    if ":" in netloc:
        netloc, port = netloc.rsplit(":", 1)
        if not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(
                f"has a port that is not a number from 1 to 65535: {port or '(empty)'}"
            )
        port = "" if int(port) == 443 else str(int(port))
    host = _host(netloc)
    origin = f"{scheme}://{host}" + (f":{port}" if port else "")
    return origin + (path if kind == WEBVIEW and path not in ("", "/") else "")


@dataclass(frozen=True)
class LineError:
    line: int
    text: str
    problem: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return f"Line {self.line}: {shown} {self.problem}."


def clean_list(value: str | Iterable[str], *, kind: str) -> list[str]:
    """A list in its stored form (normalized, duplicates collapsed, ``[".*"]`` for the
    wildcard), or ``ValidationError`` listing every bad line (messages "Line 3: … must …")."""
    if kind not in TYPES:
        raise ValidationError(f"'{kind}' is not a kind of domain list.")
    entries: list[str] = []
    seen: set[str] = set()
    errors: list[LineError] = []
    for number, line in split_lines(value):
        try:
            entry = normalize_entry(line, kind=kind)
        except ValueError as exc:
            errors.append(LineError(number, line, str(exc)))
            continue
        if entry not in seen:
            seen.add(entry)
            entries.append(entry)
    if errors:
        raise ValidationError([str(error) for error in errors], code="line")
    if WILDCARD in seen:
        return [WILDCARD]
    if len(entries) > MAX_PER_TYPE:
        raise ValidationError(
            f"At most {MAX_PER_TYPE} {TYPE_LABELS[kind]}; this list has {len(entries)} "
            "(after duplicates were collapsed).",
            code="too_many",
        )
    return entries


def clean_lists(values: dict[str, str | Iterable[str]]) -> dict[str, list[str]]:
    """Every list of ``values`` (keyed by :data:`TYPES`; a missing key is an empty list), all or
    nothing: ``ValidationError`` keyed by type when any line of any list is wrong."""
    cleaned: dict[str, list[str]] = {}
    errors: dict[str, ValidationError] = {}
    for kind in TYPES:
        try:
            cleaned[kind] = clean_list(values.get(kind) or "", kind=kind)
        except ValidationError as exc:
            errors[kind] = exc
    unknown = sorted(set(values) - set(TYPES))
    if unknown:
        errors["__all__"] = ValidationError(f"Unknown lists: {', '.join(unknown)}.")
    if errors:
        raise ValidationError(errors)
    return cleaned


_VERSION = re.compile(r"^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$", re.ASCII)


def clean_version_number(value: str) -> str:
    """A canonical ``MAJOR.MINOR.PATCH`` (a leading ``v`` and spaces forgiven), or ``""`` for
    the global configuration."""
    value = (value or "").strip()
    if value[:1] in ("v", "V"):
        value = value[1:]
    if value and not _VERSION.match(value):
        raise ValidationError(
            {"version": f"“{value}” is not a version number like 1.2.0."}, code="version"
        )
    return value
