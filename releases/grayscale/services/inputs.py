"""A task's settings as the console's form and the API pass them (:class:`TaskInput`), and
their cleaning: every field rule with its sentence, reported together by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from console.text import clean_display_text
from releases.grayscale.models import (
    NAME_MAX,
    NETWORKS,
    PLATFORMS,
    GrayscaleTargetList,
)
from releases.grayscale.targeting import compare_versions, parse_target_list

Kind = GrayscaleTargetList.Kind


# Shown on the page of a target outside production (the seeds' FAQ).
WHITELISTS_OUTSIDE_PRODUCTION = (
    "Outside production whitelists do not apply: a release there is visible to everyone, so "
    "only the task's conditions decide who gets the grayscale version."
)
MAX_USERS_LIMIT = 100_000_000
SCHEDULE_MAX_STEPS = 10
HOLD_HOURS_MAX = 24 * 90
LIST_ERRORS_SHOWN = 20
# The input field of each kind of target objects.
LIST_FIELDS: dict[str, str] = {
    "guids": Kind.GUID,
    "device_ids": Kind.DEVICE_ID,
    "accounts": Kind.ACCOUNT,
}
_VERSION_BOUND_MAX = 32


def pct_text(value: Decimal) -> str:
    """``5 %``, ``12.5 %``: the way a sentence shows a percentage."""
    text = format(value.normalize(), "f")
    return f"{text} %"


# --- input cleaning -----------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = clean_display_text(name or "", label="The task name", field="name")
    if not name:
        raise ValidationError({"name": "Give the task a name."})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": f"Keep the task name to {NAME_MAX} characters; this one has {len(name)}."}
        )
    return name


def _clean_bound(value: str, *, what: str) -> str:
    """A version bound of a range ("" open): dotted numbers, "8", "8.2", "8.2.1", "17.4.1.2"."""
    value = (value or "").strip()
    if not value:
        return ""
    parts = value.split(".")
    if (
        len(value) > _VERSION_BOUND_MAX
        or len(parts) > 4
        or not all(p.isascii() and p.isdigit() for p in parts)
    ):
        raise ValidationError(
            f"The {what} “{value}” is not a version number: write numbers separated by dots, "
            "such as 8.2.1."
        )
    return value


def _clean_range(lo: str, hi: str, *, what: str) -> tuple[str, str]:
    lo = _clean_bound(lo, what=f"lowest {what}")
    hi = _clean_bound(hi, what=f"highest {what}")
    if lo and hi and compare_versions(lo, hi) > 0:
        raise ValidationError(f"The lowest {what} ({lo}) is higher than the highest ({hi}).")
    return lo, hi


def _clean_platforms(platforms: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for name, bounds in (platforms or {}).items():
        if name not in PLATFORMS:
            raise ValidationError(f"Choose Android or iOS as platforms; “{name}” is not one.")
        lo, hi = [*bounds, "", ""][:2]
        label = "Android version" if name == "android" else "iOS version"
        cleaned[name] = list(_clean_range(lo, hi, what=label))
    return {name: cleaned[name] for name in PLATFORMS if name in cleaned}


def _clean_networks(networks: Iterable[str]) -> list[str]:
    chosen = {str(n).strip().lower() for n in networks or ()}
    unknown = sorted(chosen - set(NETWORKS))
    if unknown:
        raise ValidationError(
            f"Unknown network type “{unknown[0]}”: choose from {', '.join(NETWORKS)}."
        )
    return [n for n in NETWORKS if n in chosen]


def clean_percentage(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError("The percentage must be a number.") from exc
    if not Decimal(0) < number <= Decimal(100):
        raise ValidationError("The percentage must be more than 0 and at most 100.")
    return number


def _clean_schedule(steps: Sequence[Sequence[Any]] | None) -> list[list[Any]]:
    """``[[percentage, hold hours], …]``: rising percentages, each held a positive time (the
    last step's hold does not matter: nothing follows it)."""
    if not steps:
        return []
    if len(steps) > SCHEDULE_MAX_STEPS:
        raise ValidationError(f"A schedule has at most {SCHEDULE_MAX_STEPS} steps.")
    cleaned: list[list[Any]] = []
    previous: Decimal | None = None
    for index, step in enumerate(steps, start=1):
        try:
            raw_pct, raw_hours = step
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"Step {index} of the schedule needs a percentage and a hold time in hours."
            ) from exc
        try:
            pct = clean_percentage(raw_pct)
        except ValidationError as exc:
            raise ValidationError(f"Step {index} of the schedule: {exc.messages[0]}") from exc
        if pct is None:
            raise ValidationError(f"Step {index} of the schedule needs a percentage.")
        if previous is not None and pct <= previous:
            raise ValidationError(
                f"Each step of the schedule must raise the percentage: step {index} "
                f"({pct_text(pct)}) is not above step {index - 1} ({pct_text(previous)})."
            )
        try:
            hours = float(raw_hours)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"Step {index} of the schedule: the hold time is not a number."
            ) from exc
        last = index == len(steps)
        if not 0 <= hours <= HOLD_HOURS_MAX or (hours == 0 and not last):
            raise ValidationError(
                f"Step {index} of the schedule: hold it for more than 0 and at most "
                f"{HOLD_HOURS_MAX} hours."
            )
        cleaned.append([str(pct), hours])
        previous = pct
    return cleaned


def _clean_target_list(field: str, value: str | Iterable[str]) -> list[str]:
    """Typed values or an uploaded .txt (one value per line), through the shared parser; every
    bad line is reported by its number, and nothing is kept when one is bad."""
    text = value if isinstance(value, str) else "\n".join(str(v) for v in value)
    values, errors = parse_target_list(text, kind=LIST_FIELDS[field])
    if errors:
        shown = [f"Line {line}: {message}" for line, message in errors[:LIST_ERRORS_SHOWN]]
        if len(errors) > LIST_ERRORS_SHOWN:
            shown.append(f"… and {len(errors) - LIST_ERRORS_SHOWN} more lines with problems.")
        raise ValidationError({field: shown})
    return values


@dataclass(frozen=True)
class TaskInput:
    """A task's settings, as the console's form and the API's serializer pass them."""

    name: str
    starts_at: datetime
    ends_at: datetime
    max_users: int
    host_app_version_min: str = ""
    host_app_version_max: str = ""
    platforms: Mapping[str, Sequence[str]] | None = None
    networks: Sequence[str] = ()
    guids: str | Sequence[str] = ""
    device_ids: str | Sequence[str] = ""
    accounts: str | Sequence[str] = ""
    percentage: Any = None
    schedule: Sequence[Sequence[Any]] | None = None


def _field(errors: dict[str, list[str]], field: str, check: Any) -> Any:
    """Run one field's check, keeping its sentences under ``field``."""
    try:
        return check()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
        else:
            errors.setdefault(field, []).extend(exc.messages)
        return None


def clean_input(data: TaskInput, *, now: datetime) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"name": _field(errors, "name", lambda: _clean_name(data.name))}
    if data.starts_at is None or data.ends_at is None:
        errors["ends_at"] = ["Give the task a start and an end time."]
    elif data.ends_at < now:
        errors["ends_at"] = ["The end time cannot be earlier than the task's creation (now)."]
    elif data.ends_at <= data.starts_at:
        errors["ends_at"] = ["The end time must be after the start time."]
    if (
        isinstance(data.max_users, bool)
        or not isinstance(data.max_users, int)
        or not 0 < data.max_users <= MAX_USERS_LIMIT
    ):
        errors["max_users"] = [
            f"The maximum number of users must be a whole number from 1 to {MAX_USERS_LIMIT:,}."
        ]
    out["host_app_version"] = _field(
        errors,
        "host_app_version",
        lambda: _clean_range(
            data.host_app_version_min, data.host_app_version_max, what="host app version"
        ),
    )
    out["platforms"] = _field(errors, "platforms", lambda: _clean_platforms(data.platforms))
    out["networks"] = _field(errors, "networks", lambda: _clean_networks(data.networks))
    for field in LIST_FIELDS:
        out[field] = _field(errors, field, lambda f=field: _clean_target_list(f, getattr(data, f)))
    out["schedule"] = _field(errors, "schedule", lambda: _clean_schedule(data.schedule))
    out["percentage"] = _field(errors, "percentage", lambda: clean_percentage(data.percentage))
    if out["schedule"] and out["percentage"] is not None:
        first = Decimal(out["schedule"][0][0])
        if out["percentage"] != first:
            errors.setdefault("percentage", []).append(
                f"With a schedule the task starts at its first step ({pct_text(first)}): leave the "
                "percentage empty or make it the same."
            )
    if errors:
        raise ValidationError(errors)
    if out["schedule"]:
        out["percentage"] = Decimal(out["schedule"][0][0])
    return out
