"""Which version one launch gets: the single evaluation function of grayscale releases.

Pure Python (no ORM, no I/O), so the runtime resolve view and the console's audience preview
call exactly the same code and cannot drift (SPEC §6, issue 11):

* :class:`Context` — one launch as the SDK describes it;
* :class:`Rule` — one grayscale task, compiled once per runtime snapshot. Everything that depends
  on the rule alone (parsed version bounds, the wording of the reasons) is computed when the
  rule is built, so evaluating it per launch only reads the context;
* :func:`evaluate` — does a launch meet every condition of a rule, and if not, which one failed
  and why (a plain English sentence for the audience preview);
* :func:`bucket` — the sticky percentage bucket of a user in a task, in [0, 100): an xxh64 hash
  of ``"<task id>:<user key>"``, identical in every process and on every machine. Raising the
  percentage keeps everyone who was in (``bucket < percentage``);
* :func:`choose` — the walk over a target's tasks, newest first: the first delivering task whose
  conditions match and whose admission (injected: the real one at runtime, a read-only one in
  the preview) accepts the user wins; otherwise the online version;
* :func:`parse_target_list` — GUID / device id / account lists typed or uploaded as .txt.

Version numbers are compared tolerantly (:func:`compare_versions`): dotted parts compare as
numbers, missing parts count as 0 (``"8.2" == "8.2.0"``), and text after a part's digits
(``"1-beta"``) sorts just below the bare number, as a pre-release does. Nothing raises on odd
input.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import xxhash

__all__ = [
    "Admit",
    "Candidate",
    "Context",
    "Decision",
    "Rule",
    "Verdict",
    "bucket",
    "choose",
    "compare_versions",
    "evaluate",
    "in_range",
    "parse_target_list",
    "user_key",
]

DELIVERING = "delivering"
TARGET_VALUE_MAX = 128  # characters of one GUID, device id or account
TARGET_LIST_MAX_LINES = 100_000
BUCKET_SCALE = 1_000_000  # buckets per 100 %: a resolution of 0.0001 %, so 0.01 % steps are 100

# --- version numbers ------------------------------------------------------------------------

_VERSION_MAX_CHARS = 64  # longer input is cut before parsing (no giant ints, bounded cache keys)
_PART = re.compile(r"([0-9]*)(.*)", re.ASCII | re.DOTALL)
_Part = tuple[int, int, str]  # (number, 1 for a bare number / 0 with trailing text, text)
_VersionKey = tuple[_Part, ...]
_ZERO: _Part = (0, 1, "")
_PADDING = (_ZERO,) * (_VERSION_MAX_CHARS // 2 + 1)  # more parts than a cut value can have
_KEY_MIN_PARTS = 4


@lru_cache(maxsize=8192)
def _parse_version(value: str) -> _VersionKey:
    text = value.strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    parts: list[_Part] = []
    for chunk in text.split("."):
        match = _PART.fullmatch(chunk.strip())
        digits, rest = match.groups() if match else ("", chunk)
        number = int(digits) if digits else 0
        parts.append((number, 0, rest.lower()) if rest else (number, 1, ""))
    while parts and parts[-1] == _ZERO:  # "8.2.0" is "8.2"
        parts.pop()
    if len(parts) < _KEY_MIN_PARTS:  # then padded, so that most keys have the same length
        parts.extend(_PADDING[: _KEY_MIN_PARTS - len(parts)])
    return tuple(parts)


def _version_key(value: str) -> _VersionKey:
    return _parse_version(value[:_VERSION_MAX_CHARS])


def _compare_keys(a: _VersionKey, b: _VersionKey) -> int:
    # Missing parts count as 0: pad the shorter key, then let tuples compare (in C).
    if len(a) == len(b):
        return (a > b) - (a < b)
    if len(a) < len(b):
        a += _PADDING[: len(b) - len(a)]
    elif len(b) < len(a):
        b += _PADDING[: len(a) - len(b)]
    return (a > b) - (a < b)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` is lower than, equal to or higher than ``b`` (tolerant, see above)."""
    return _compare_keys(_version_key(a), _version_key(b))


_Bounds = tuple[_VersionKey | None, _VersionKey | None]


def _bounds(lo: str, hi: str) -> _Bounds:
    return (_version_key(lo) if lo else None, _version_key(hi) if hi else None)


def _within(value: str, bounds: _Bounds) -> bool:
    lo, hi = bounds
    if lo is None and hi is None:
        return True
    if not value:
        return False
    key = _version_key(value)
    if lo is not None and (key < lo if len(key) == len(lo) else _compare_keys(key, lo) < 0):
        return False
    return hi is None or (key <= hi if len(key) == len(hi) else _compare_keys(key, hi) <= 0)


def in_range(value: str, lo: str, hi: str) -> bool:
    """Is ``lo <= value <= hi``? A ``""`` bound is open; an empty value fails any bound."""
    return _within(value, _bounds(lo, hi))


# --- the launch and the bucket --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Context:
    """One launch, as the SDK describes it (everything but the host app is optional)."""

    host_app_id: int
    host_app_version: str = ""  # "8.2.1"
    platform: str = ""  # "android" | "ios" | "harmonyos" | ""
    os_version: str = ""  # "14", "17.4.1"
    guid: str = ""
    device_id: str = ""
    user_account: str = ""
    network: str = ""  # "wifi" | "4g" | "5g" | "3g" | "2g" | "unknown" | ""
    language: str = ""  # BCP 47, "zh-Hans"
    subpackages: bool = True  # the SDK loads subpackages


def user_key(context: Context) -> str:
    """Who the launch is, for buckets and cohorts: the account, else the device id, else the
    GUID; ``""`` when the launch gives none of them."""
    return context.user_account or context.device_id or context.guid


def bucket(task_id: int, user_key: str) -> float:
    """The user's sticky bucket in a task, in [0, 100) with a resolution of 0.0001.

    ``xxh64("<task_id>:<user_key>")`` (seed 0, UTF-8) modulo 1,000,000, divided by 10,000: the
    same in every process, so a user stays in as the percentage rises.
    """
    digest = xxhash.xxh64_intdigest(f"{task_id}:{user_key}".encode())
    return (digest % BUCKET_SCALE) / (BUCKET_SCALE // 100)


# --- wording ----------------------------------------------------------------------------------

_PLATFORM_NAMES = {"android": "Android", "ios": "iOS", "harmonyos": "HarmonyOS"}
_NETWORK_NAMES = {
    "wifi": "Wi-Fi",
    "5g": "5G",
    "4g": "4G",
    "3g": "3G",
    "2g": "2G",
    "unknown": "an unknown network",
}
# kind -> (label, plural), in the order the reasons name them
_TARGET_KINDS = {
    "account": ("account", "accounts"),
    "device_id": ("device id", "device ids"),
    "guid": ("GUID", "GUIDs"),
}


def _shown(value: str, limit: int = 10) -> str:
    """An id or version as a reason shows it: long ones are cut ("1380013…")."""
    return value if len(value) <= limit else value[: limit - 3] + "…"


def _number(value: float) -> str:
    """5 → "5", 12.5 → "12.5", 0.0001 → "0.0001" (never rounded up to a misleading value)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _either(words: list[str], joiner: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def _span(lo: str, hi: str) -> str:
    if lo and hi:
        return lo if compare_versions(lo, hi) == 0 else f"{lo} to {hi}"
    if lo:
        return f"{lo} or later"
    return f"{hi} or earlier" if hi else "any version"


def _platform_name(platform: str) -> str:
    return _PLATFORM_NAMES.get(platform, platform)


def _network_name(network: str) -> str:
    return _NETWORK_NAMES.get(network, network)


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n:,} {singular if n == 1 else plural}"


# --- rules and verdicts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a launch meets a task, and if not which condition failed and why.

    ``failed`` is ``""`` when matched, else one of ``"host_app"``, ``"host_app_version"``,
    ``"platform"``, ``"os_version"``, ``"target"``, ``"network"``, ``"percentage"`` (from
    :func:`evaluate`) or, from :func:`choose`, ``"state"`` (the task is not delivering) and
    ``"limit"`` (admission refused, or no user key to count against the limit).
    """

    matched: bool
    failed: str
    reason: str


MATCHED = Verdict(True, "", "Every condition of this task matches.")


@dataclass(frozen=True, slots=True)
class Rule:
    """One grayscale task, compiled: build it once per snapshot, evaluate it per launch.

    Conditions all have to match (SPEC §6). Empty mappings and sets mean "no condition of that
    kind"; a ``""`` version bound is open. Target objects: when any of ``guids``, ``device_ids``
    and ``accounts`` is non-empty, the launch must be on at least one of the non-empty lists
    (by its own id of that kind). ``percentage`` is ``None`` or ``0 < p <= 100``.
    """

    task_id: int
    version: str
    host_app_ranges: Mapping[int, tuple[str, str]]
    platforms: Mapping[str, tuple[str, str]]
    guids: frozenset[str]
    device_ids: frozenset[str]
    accounts: frozenset[str]
    networks: frozenset[str]
    percentage: float | None
    # compiled in __post_init__ from the fields above
    _hosts: dict[int, _Bounds] = field(init=False, repr=False, compare=False)
    _systems: dict[str, _Bounds] = field(init=False, repr=False, compare=False)
    _has_targets: bool = field(init=False, repr=False, compare=False)
    _host_app_wanted: str = field(init=False, repr=False, compare=False)
    _host_version_wanted: dict[int, str] = field(init=False, repr=False, compare=False)
    _platform_wanted: str = field(init=False, repr=False, compare=False)
    _os_wanted: dict[str, str] = field(init=False, repr=False, compare=False)
    _network_wanted: str = field(init=False, repr=False, compare=False)
    _percentage_shown: str = field(init=False, repr=False, compare=False)
    _win_reason: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        p = self.percentage
        if p is not None and not (math.isfinite(p) and 0 < p <= 100):
            raise ValueError(f"percentage must be None or in (0, 100], not {p!r}")
        hosts = sorted(self.host_app_ranges.items())
        systems = sorted(self.platforms.items())
        ids = [str(host_id) for host_id, _ in hosts]
        names = [_platform_name(name) for name, _ in systems]
        compiled = {
            "_hosts": {host_id: _bounds(lo, hi) for host_id, (lo, hi) in hosts},
            "_systems": {name: _bounds(lo, hi) for name, (lo, hi) in systems},
            "_has_targets": bool(self.guids or self.device_ids or self.accounts),
            "_host_app_wanted": (
                f"host app {ids[0]}" if len(ids) == 1 else f"host apps {_either(ids, 'and')}"
            ),
            "_host_version_wanted": {host_id: _span(lo, hi) for host_id, (lo, hi) in hosts},
            "_platform_wanted": _either(names),
            "_os_wanted": {
                name: (
                    f"any {_platform_name(name)} version"
                    if not (lo or hi)
                    else f"{_platform_name(name)} {_span(lo, hi)}"
                )
                for name, (lo, hi) in systems
            },
            "_network_wanted": _either(sorted(_network_name(n) for n in self.networks)),
            "_percentage_shown": _number(p) if p is not None else "",
            "_win_reason": (
                f"Grayscale task {self.task_id} delivers version {self.version}: "
                "every condition matches."
            ),
        }
        for name, value in compiled.items():
            object.__setattr__(self, name, value)


def _fail(failed: str, reason: str) -> Verdict:
    return Verdict(False, failed, reason)


def _target_reason(rule: Rule, context: Context) -> str:
    clauses = []
    for kind, values, own in (
        ("account", rule.accounts, context.user_account),
        ("device_id", rule.device_ids, context.device_id),
        ("guid", rule.guids, context.guid),
    ):
        if not values:
            continue
        label, plural = _TARGET_KINDS[kind]
        listed = _count(len(values), label, plural)
        if own:
            clauses.append(f"{label} {_shown(own)} is not on this task's list of {listed}")
        else:
            clauses.append(f"the launch gives no {label} for this task's list of {listed}")
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


def evaluate(rule: Rule, context: Context) -> Verdict:
    """Does ``context`` meet every condition of ``rule``? The first failing one is named, in the
    order host app, host app version, platform, OS version, target objects, network,
    percentage."""
    hosts = rule._hosts
    if hosts:
        host_id = context.host_app_id
        span = hosts.get(host_id)
        if span is None:
            return _fail(
                "host_app",
                f"The launch comes from host app {host_id}; this task delivers only in "
                f"{rule._host_app_wanted}.",
            )
        if not _within(context.host_app_version, span):
            wanted = rule._host_version_wanted[host_id]
            seen = context.host_app_version
            return _fail(
                "host_app_version",
                f"The host app is version {_shown(seen, 32)}; this task wants host app "
                f"version {wanted}."
                if seen
                else "The launch does not say which host app version it runs; this task "
                f"wants host app version {wanted}.",
            )
    systems = rule._systems
    if systems:
        platform = context.platform
        span = systems.get(platform)
        if span is None:
            return _fail(
                "platform",
                f"The device runs {_shown(_platform_name(platform), 32)}; this task delivers "
                f"only to {rule._platform_wanted}."
                if platform
                else "The launch does not say which platform the device runs; this task "
                f"delivers only to {rule._platform_wanted}.",
            )
        if not _within(context.os_version, span):
            name = _platform_name(platform)
            wanted = rule._os_wanted[platform]
            seen = context.os_version
            return _fail(
                "os_version",
                f"The device runs {name} {_shown(seen, 32)}; this task wants {wanted}."
                if seen
                else f"The launch does not say which {name} version the device runs; this "
                f"task wants {wanted}.",
            )
    if rule._has_targets:
        account, device_id, guid = context.user_account, context.device_id, context.guid
        if not (
            (account and account in rule.accounts)
            or (device_id and device_id in rule.device_ids)
            or (guid and guid in rule.guids)
        ):
            return _fail("target", _target_reason(rule, context))
    networks = rule.networks
    if networks and context.network not in networks:
        network = context.network
        return _fail(
            "network",
            f"The device is on {_shown(_network_name(network), 32)}; this task wants "
            f"{rule._network_wanted}."
            if network
            else "The launch does not say which network the device is on; this task wants "
            f"{rule._network_wanted}.",
        )
    percentage = rule.percentage
    if percentage is None or percentage >= 100:
        return MATCHED  # 100 %: everyone, nobody needs a bucket
    key = user_key(context)
    shown = rule._percentage_shown
    if not key:
        return _fail(
            "percentage",
            "The launch gives no user account, device id or GUID, so it has no bucket in this "
            f"task's {shown} %.",
        )
    position = bucket(rule.task_id, key)
    if position >= percentage:
        return _fail(
            "percentage",
            f"Percentage {shown} %: this user's bucket is {_number(position)}, not below {shown}.",
        )
    return Verdict(
        True,
        "",
        f"Every condition of this task matches; percentage {shown} %: this user's bucket is "
        f"{_number(position)}.",
    )


# --- the choice -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """The version a launch gets (``None``: nothing to load), where it comes from
    (``"online"``, ``"grayscale"`` or ``"none"``), the winning task, every task looked at with
    its verdict (in order) and one sentence saying why."""

    version: str | None
    source: str
    task_id: int | None
    checks: tuple[tuple[int, Verdict], ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """What one release target offers, compiled in the snapshot: the online version (``None``
    when nothing is online) and its grayscale tasks as ``(rule, max_users, state)``, newest
    first. Only state ``"delivering"`` is served; ``max_users <= 0`` means no limit."""

    online_version: str | None
    rules: tuple[tuple[Rule, int, str], ...]
    _fallback: Decision = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        online = self.online_version
        if online is None:
            fallback = Decision(
                None,
                "none",
                None,
                (),
                "Nothing is online for this target and no grayscale task delivers to this launch.",
            )
        elif self.rules:
            fallback = Decision(
                online,
                "online",
                None,
                (),
                f"No grayscale task delivers to this launch, so it gets the online version "
                f"{online}.",
            )
        else:
            fallback = Decision(
                online, "online", None, (), f"The online version {online} is served to everyone."
            )
        object.__setattr__(self, "_fallback", fallback)


Admit = Callable[[int, str, int], bool]


def choose(candidate: Candidate, context: Context, *, admit: Admit) -> Decision:
    """The version ``context`` gets from ``candidate``.

    Delivering tasks are walked newest first; the first whose :func:`evaluate` matches and
    whose ``admit(task_id, user_key, max_users)`` returns True wins. The runtime passes the real
    admission (it may record the user), the audience preview a read-only "would admit": both
    call this function, so they cannot disagree. A launch with no user key never enters a task
    with a user limit (nobody to count) or a percentage below 100 (nobody to bucket), and
    ``admit`` is only called with a non-empty key. Otherwise: the online version, or nothing.
    """
    rules = candidate.rules
    fallback = candidate._fallback
    if not rules:
        return fallback
    key = user_key(context)
    checks: list[tuple[int, Verdict]] = []
    for rule, max_users, state in rules:
        task_id = rule.task_id
        if state != DELIVERING:
            checks.append(
                (task_id, _fail("state", f"This task is {state}, so it delivers to nobody."))
            )
            continue
        verdict = evaluate(rule, context)
        if verdict.matched:
            if key:
                if not admit(task_id, key, max_users):
                    verdict = _fail("limit", f"The limit of {max_users:,} users is reached.")
            elif max_users > 0:
                verdict = _fail(
                    "limit",
                    "The launch gives no user account, device id or GUID, so it cannot be "
                    f"counted against this task's limit of {max_users:,} users.",
                )
        checks.append((task_id, verdict))
        if verdict.matched:
            return Decision(rule.version, "grayscale", task_id, tuple(checks), rule._win_reason)
    return Decision(fallback.version, fallback.source, None, tuple(checks), fallback.reason)


# --- target lists -----------------------------------------------------------------------------

_REFUSED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _bad_character(value: str) -> str | None:
    """Why ``value`` (already stripped) cannot be an id, or None."""
    if value.isascii():
        if value.isprintable():
            return "space" if " " in value else None
        return next(  # a control character: name the first one
            f"U+{ord(c):04X}" for c in value if not c.isprintable()
        )
    for char in value:
        category = unicodedata.category(char)
        if category == "Zs":
            return "space"
        if category in _REFUSED:
            return f"U+{ord(char):04X}"
    return None


def parse_target_list(
    text: str, *, kind: str, max_lines: int = TARGET_LIST_MAX_LINES
) -> tuple[list[str], list[tuple[int, str]]]:
    """Parse a GUID / device id / account list: one value per line (LF or CRLF).

    Values are stripped; blank lines are skipped; duplicates collapse (first one kept, order
    kept). Returns ``(values, errors)``; ``errors`` are ``(line number, sentence)`` for values
    longer than 128 characters, holding a space or an invisible/control character, and a single
    ``(max_lines + 1, …)`` when the text has more than ``max_lines`` lines (nothing else is
    parsed then). Callers refuse the whole list when there is any error. Linear in the text.
    """
    if kind not in _TARGET_KINDS:
        raise ValueError(f"unknown target kind {kind!r}; use one of {sorted(_TARGET_KINDS)}")
    label = _TARGET_KINDS[kind][0]
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if lines > max_lines:
        return [], [
            (
                max_lines + 1,
                f"The list has {lines:,} lines; at most {max_lines:,} are allowed. "
                "Split it into smaller lists.",
            )
        ]
    if text.startswith("\ufeff"):  # a byte order mark from a Windows editor
        text = text[1:]
    seen: dict[str, None] = {}
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        value = line.strip()
        if not value:
            continue
        if len(value) > TARGET_VALUE_MAX:
            errors.append(
                (
                    number,
                    f"This {label} has {len(value):,} characters; at most "
                    f"{TARGET_VALUE_MAX} are allowed.",
                )
            )
            continue
        bad = _bad_character(value)
        if bad == "space":
            errors.append((number, f"This {label} contains a space; put one value on each line."))
        elif bad is not None:
            errors.append(
                (
                    number,
                    f"This {label} contains an invisible or control character ({bad}); remove it.",
                )
            )
        else:
            seen[value] = None
    return list(seen), errors
