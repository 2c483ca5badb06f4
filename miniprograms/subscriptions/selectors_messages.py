"""Reads of a mini program's sent subscription messages: the delivery log and the daily numbers
per My Template. Every query is scoped to one mini program; a host tenant reading a merchant's
mini program passes ``host_workspace_id`` and reads only what went through its own host apps.

A host app's own ``user_id`` is the host tenant's data: the merchant knows its users by
``open_user_id`` only, so a search matches ``user_id`` only on messages of the viewer's own
host apps (``viewer_workspace_id``).
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from miniprograms.models import MiniProgram
from miniprograms.subscriptions.models import Message, MyTemplate

STATS_DAYS = 30
STATS_DAYS_MAX = 90
SEARCH_MAX = 128


@dataclass(frozen=True)
class DayCount:
    """One UTC day of one template: sent, and how they stand now."""

    day: date
    sends: int = 0
    delivered: int = 0
    failed: int = 0

    @property
    def pending(self) -> int:
        """Queued or being sent."""
        return self.sends - self.delivered - self.failed


@dataclass(frozen=True)
class TemplateStats:
    """A My Template and its last days (oldest first, every day present, zeros included)."""

    my_template: MyTemplate
    days: list[DayCount]

    @property
    def sends(self) -> int:
        return sum(d.sends for d in self.days)

    @property
    def delivered(self) -> int:
        return sum(d.delivered for d in self.days)

    @property
    def failed(self) -> int:
        return sum(d.failed for d in self.days)

    @property
    def pending(self) -> int:
        return sum(d.pending for d in self.days)

    @property
    def delivery_rate(self) -> float | None:
        """Delivered of those settled (delivered or failed), in percent; ``None`` when none."""
        settled = self.delivered + self.failed
        return round(100 * self.delivered / settled, 1) if settled else None


def utc_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_today() -> date:
    return timezone.now().astimezone(UTC).date()


def _visible(*, miniprogram: MiniProgram, host_workspace_id: int | None) -> QuerySet[Message]:
    rows = Message.objects.filter(miniprogram=miniprogram)
    if host_workspace_id is not None:
        rows = rows.filter(host_app__workspace_id=host_workspace_id)
    return rows


def _search(search: str, *, viewer_workspace_id: int | None) -> Q:
    """A message id (uuid), a user id (the open one; the host app's own only on the viewer's
    host apps) or a template id, matched exactly."""
    found = Q(open_user_id=search) | Q(template_id=search)
    if viewer_workspace_id is not None:
        found |= Q(user_id=search, host_app__workspace_id=viewer_workspace_id)
    with contextlib.suppress(ValueError):
        found |= Q(uid=uuid.UUID(search))
    return found


def message_list(
    *,
    miniprogram: MiniProgram,
    host_workspace_id: int | None = None,
    viewer_workspace_id: int | None = None,
    search: str = "",
    state: str = "",
    template_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Message]:
    """The delivery log, newest first (index ``message_log``); dates are UTC days, both ends
    included. Rows come without joins: pass :func:`message_page_load` to the paginator."""
    rows = _visible(miniprogram=miniprogram, host_workspace_id=host_workspace_id)
    if search:
        rows = rows.filter(_search(search, viewer_workspace_id=viewer_workspace_id))
    if state:
        rows = rows.filter(state=state)
    if template_id:
        rows = rows.filter(template_id=template_id)
    if since is not None:
        rows = rows.filter(created_at__gte=utc_day_start(since))
    if until is not None:
        rows = rows.filter(created_at__lt=utc_day_start(until + timedelta(days=1)))
    return rows.order_by("-created_at", "-id")


def message_page_load(rows: QuerySet[Message]) -> QuerySet[Message]:
    """What a page of the log shows besides the row: its host app (``IdsFirstPaginator``'s
    ``load``, so the join is on the page's rows only)."""
    return rows.select_related("host_app")


def message_get(
    *, miniprogram: MiniProgram, uid: str | uuid.UUID, host_workspace_id: int | None = None
) -> Message | None:
    """One message of the log by its public id; ``None`` if not there or not visible."""
    try:
        key = uid if isinstance(uid, uuid.UUID) else uuid.UUID(str(uid))
    except ValueError:
        return None
    rows = _visible(miniprogram=miniprogram, host_workspace_id=host_workspace_id)
    return message_page_load(rows.filter(uid=key)).first()


def message_daily_counts(
    *,
    my_template_ids: list[int],
    days: int = STATS_DAYS,
    host_workspace_id: int | None = None,
    today: date | None = None,
) -> dict[int, list[DayCount]]:
    """Per My Template, per UTC day of the last ``days`` (today included, oldest first, zeros
    filled in): sends, delivered, failed. One grouped query over ``message_template_day``."""
    last = today or utc_today()
    first = last - timedelta(days=days - 1)
    rows = Message.objects.filter(
        my_template_id__in=my_template_ids,
        created_at__gte=utc_day_start(first),
        created_at__lt=utc_day_start(last + timedelta(days=1)),
    )
    if host_workspace_id is not None:
        rows = rows.filter(host_app__workspace_id=host_workspace_id)
    grouped = (
        rows.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("my_template_id", "day")
        .annotate(
            sends=Count("id"),
            delivered=Count("id", filter=Q(state=Message.State.DELIVERED)),
            failed=Count("id", filter=Q(state=Message.State.FAILED)),
        )
        .order_by()
    )
    found: dict[tuple[int, date], DayCount] = {}
    for row in grouped:
        found[(row["my_template_id"], row["day"])] = DayCount(
            day=row["day"], sends=row["sends"], delivered=row["delivered"], failed=row["failed"]
        )
    calendar = [first + timedelta(days=i) for i in range(days)]
    return {
        pk: [found.get((pk, day)) or DayCount(day=day) for day in calendar]
        for pk in my_template_ids
    }


def message_template_stats(
    *,
    my_templates: list[MyTemplate],
    days: int = STATS_DAYS,
    host_workspace_id: int | None = None,
    today: date | None = None,
) -> list[TemplateStats]:
    """:func:`message_daily_counts` for these templates, in their order."""
    counts = message_daily_counts(
        my_template_ids=[t.pk for t in my_templates],
        days=days,
        host_workspace_id=host_workspace_id,
        today=today,
    )
    return [TemplateStats(my_template=t, days=counts[t.pk]) for t in my_templates]
