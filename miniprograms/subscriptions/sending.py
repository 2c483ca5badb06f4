"""The merchant backend's send (issue 13): one subscription message to one user, with the quotas
of SPEC §8, queued for the delivery worker.

**Who may send.** A live accessToken of the mini program (``/oauth/v1/token``): an *app* token
(``grant_type=client_credentials``) sends to any user of the mini program; a *user* token (from
an authCode) only to its own user (``token_user_mismatch``).

**Quotas**, each consumed by one conditional ``UPDATE`` of the subscription row, so that under
any number of concurrent sends the database lets exactly the allowed number through (PostgreSQL
locks the row and re-checks the condition; SQLite serialises writers):

* **one-time**: each accept of the user is one credit; a send uses one (``credits > 0``) —
  refused with ``not_subscribed`` (never accepted) or ``subscription_used`` (accepted, used);
* **long-term**: at most :data:`DAILY_LIMIT` (5) messages per user per template per **UTC
  day** — ``daily_limit`` (429, ``Retry-After`` until 00:00 UTC) — while the user has not
  withdrawn (``subscription_withdrawn``). Why UTC: a super app's users live in many time zones
  and the send comes from a server, not from the user's phone; one boundary for everyone means
  the same quota on every web process and region, no client-supplied zone to game, and a reset
  time the API can state exactly (``quota.resets_at``).

**Idempotency.** With an ``Idempotency-Key`` (1–64 printable ASCII characters) a retried request
— after a timeout, say — returns the first request's message (``duplicate: true``) and sends
nothing again; the key is unique per mini program in the database, so two concurrent requests
with one key cannot both send. The same key with a different request is ``idempotency_conflict``.
A refused send stores nothing (retrying it is asked again).

**Values** (``data``): one per keyword of the template, by keyword name; each 1–
:data:`VALUE_MAX` characters after trimming, no control characters; no unknown names. **page**:
a path inside the mini program (``pages/order/detail?id=42``), at most :data:`PAGE_MAX`
characters, no scheme or host.

The message is written ``queued`` in the same transaction as the quota; the delivery worker is
rung after the commit (``delivery.delivery_ring``) and never called from the request, so a slow
or dead endpoint never slows the send.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from console.text import has_control
from miniprograms.secrets.models import OAuthAccessToken
from miniprograms.subscriptions.delivery import delivery_ring
from miniprograms.subscriptions.errors import SubscriptionError
from miniprograms.subscriptions.models import Message, MessageEndpoint, MyTemplate, Subscription

DAILY_LIMIT = 5
VALUE_MAX = 200
PAGE_MAX = 256
KEY_MAX = 64
KEY_RE = re.compile(r"[\x21-\x7e]{1,64}")
_PAGE_BAD = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|\\")


@dataclass(frozen=True)
class Sent:
    message: Message
    duplicate: bool  # the Idempotency-Key named an earlier message: nothing was sent again
    remaining_today: int | None  # long-term: sends left for this user today (UTC)


def next_utc_midnight(now: datetime) -> datetime:
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_SPACE = re.compile(r"\s")  # str.isspace()'s characters


def clean_data(template: MyTemplate, data: Any) -> list[list[str]]:
    """The values in the template's keyword order, or ``invalid_data`` saying what is wrong."""
    if not isinstance(data, dict):
        raise SubscriptionError(
            "invalid_data", detail="“data” must be an object: keyword name → value."
        )
    unknown = [name for name in data if name not in template.keywords]
    if unknown:
        raise SubscriptionError(
            "invalid_data",
            detail=f"“{str(unknown[0])[:40]}” is not a keyword of this template (its keywords: "
            + ", ".join(template.keywords)
            + ").",
        )
    cleaned: list[list[str]] = []
    for name in template.keywords:
        value = data.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise SubscriptionError("invalid_data", detail=f"Give a value for “{name}”.")
        value = value.strip()
        if len(value) > VALUE_MAX:
            raise SubscriptionError(
                "invalid_data",
                detail=f"The value of “{name}” is longer than {VALUE_MAX} characters.",
            )
        if has_control(value):
            raise SubscriptionError(
                "invalid_data", detail=f"The value of “{name}” contains control characters."
            )
        cleaned.append([name, value])
    return cleaned


def clean_page(page: Any) -> str:
    if page is None or page == "":
        return ""
    if not isinstance(page, str):
        raise SubscriptionError("invalid_page", detail="“page” must be a string.")
    page = page.strip()
    if len(page) > PAGE_MAX:
        raise SubscriptionError(
            "invalid_page", detail=f"“page” is longer than {PAGE_MAX} characters."
        )
    if has_control(page) or _SPACE.search(page) or _PAGE_BAD.search(page):
        raise SubscriptionError(
            "invalid_page",
            detail="“page” is a path inside the mini program, like pages/order/detail?id=42 "
            "(no scheme, host, spaces or control characters).",
        )
    return page.lstrip("/")


def clean_idempotency_key(key: str | None) -> str:
    if not key:
        return ""
    if not KEY_RE.fullmatch(key):
        raise SubscriptionError(
            "bad_request",
            "The Idempotency-Key header is 1–64 printable ASCII characters without spaces.",
        )
    return key


def _request_hash(template_id: str, to_user_id: str, data: list[list[str]], page: str) -> str:
    canonical = json.dumps([template_id, to_user_id, data, page], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(message: Message, request_hash: str) -> Sent:
    if message.request_hash != request_hash:
        raise SubscriptionError("idempotency_conflict")
    return Sent(message=message, duplicate=True, remaining_today=None)


def _why_not(subscription: Subscription) -> SubscriptionError:
    """Why the quota's conditional UPDATE changed nothing (read after it)."""
    row = Subscription.objects.filter(pk=subscription.pk).first() or subscription
    if row.kind == "long_term":
        if row.status != Subscription.Status.ACCEPTED:
            return SubscriptionError("subscription_withdrawn")
        return SubscriptionError("daily_limit")
    if row.status != Subscription.Status.ACCEPTED and row.credits == 0:
        return SubscriptionError("not_subscribed")
    return SubscriptionError("subscription_used")


def _consume(subscription: Subscription, now: datetime) -> int | None:
    """Take one message of the quota, or raise the refusal. Long-term: the sends left today."""
    today = now.astimezone(UTC).date()
    rows = Subscription.objects.filter(pk=subscription.pk)
    if subscription.kind == "long_term":
        taken = (
            rows.filter(status=Subscription.Status.ACCEPTED)
            .filter(Q(day__isnull=True) | ~Q(day=today) | Q(day_count__lt=DAILY_LIMIT))
            .update(
                day_count=Case(When(day=today, then=F("day_count") + 1), default=Value(1)),
                day=today,
            )
        )
        if not taken:
            raise _why_not(subscription)
        used = rows.values_list("day_count", flat=True).first() or DAILY_LIMIT
        return DAILY_LIMIT - int(used)
    if not rows.filter(credits__gt=0).update(credits=F("credits") - 1):
        raise _why_not(subscription)
    return None


def message_send(
    *,
    token: OAuthAccessToken,
    template_id: str,
    to_user_id: str,
    data: Any,
    page: Any = "",
    idempotency_key: str = "",
    now: datetime | None = None,
) -> Sent:
    """Queue one message of the My Template ``template_id`` to the user ``to_user_id`` (the mini
    program's id of the user), or raise the refusal. See the module's text for the rules."""
    if token.open_user_id and token.open_user_id != to_user_id:
        raise SubscriptionError("token_user_mismatch")
    template = (
        MyTemplate.objects.filter(miniprogram_id=token.miniprogram_id, template_id=template_id)
        .select_related("public_template")
        .first()
    )
    if template is None:
        raise SubscriptionError("unknown_template", template_id=template_id[:64])
    values = clean_data(template, data)
    path = clean_page(page)
    key = clean_idempotency_key(idempotency_key)
    request_hash = _request_hash(template_id, to_user_id, values, path) if key else ""
    if key:
        earlier = Message.objects.filter(
            miniprogram_id=token.miniprogram_id, idempotency_key=key
        ).first()
        if earlier is not None:
            return _replay(earlier, request_hash)
    subscription = (
        Subscription.objects.filter(my_template=template, open_user_id=to_user_id)
        .annotate(
            has_endpoint=Exists(
                MessageEndpoint.objects.filter(host_app_id=OuterRef("host_app_id"), is_active=True)
            )
        )
        .first()
    )
    if subscription is None:
        raise SubscriptionError("not_subscribed")
    if not subscription.has_endpoint:
        raise SubscriptionError("endpoint_not_configured")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                miniprogram_id=token.miniprogram_id,
                my_template=template,
                host_app_id=subscription.host_app_id,
                template_id=template.template_id,
                title=template.public_template.title,
                kind=template.public_template.kind,
                open_user_id=to_user_id,
                user_id=subscription.user_id,
                data=values,
                page=path,
                idempotency_key=key,
                request_hash=request_hash,
                next_attempt_at=now,
                created_at=now,
            )
            remaining = _consume(subscription, now)
            transaction.on_commit(delivery_ring)
    except IntegrityError:
        if not key:
            raise
        earlier = Message.objects.filter(
            miniprogram_id=token.miniprogram_id, idempotency_key=key
        ).first()
        if earlier is None:
            raise
        return _replay(earlier, request_hash)
    return Sent(message=message, duplicate=False, remaining_today=remaining)


def message_get(*, miniprogram_id: int, uid: str) -> Message:
    """A message of this mini program by its public id (the sender's status call)."""
    message = Message.objects.filter(miniprogram_id=miniprogram_id, uid=uid).first()
    if message is None:
        raise SubscriptionError("not_found")
    return message
