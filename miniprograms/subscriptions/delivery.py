"""Delivery of subscription messages to the host apps' message endpoints (issue 13).

A send writes the message ``queued`` and rings the doorbell after its commit
(:func:`delivery_ring`); the worker task ``miniprograms.deliver_messages`` then runs
:func:`messages_deliver_due`, which drains every due message in batches:

* **claim** — up to :data:`BATCH` due rows (``queued`` and due, or ``sending`` with an expired
  lease: their worker died) become ``sending`` under a fresh lease token, with one conditional
  ``UPDATE`` (on PostgreSQL one statement with ``FOR UPDATE SKIP LOCKED``, so several workers
  share the queue);
* **post** — each body is signed (``X-MPP-Signature``, as the webhooks) and posted through
  ``workspaces.webhook_transport`` (HTTPS, public addresses only, timeouts, no redirects) by
  *lanes*, threads that each take the next post of the batch until none is left: one lane to
  begin with, another every :data:`RAMP_SECONDS` while the batch is unfinished, at most
  :data:`CONCURRENCY` (:func:`_post_all`), each keeping its connections to the endpoints open
  between messages (``KeptAlive``);
* **record** — one ``UPDATE`` per kind of outcome in the batch, each row only if the lease is
  still ours: ``delivered`` on a 2xx; ``failed``
  at once on a permanent answer (a 4xx other than 408/425/429, a refused URL, an endpoint turned
  off or removed) or after :data:`MAX_ATTEMPTS`; otherwise ``queued`` again, due after a capped
  exponential backoff (5 s, 10 s, 20 s … at most 10 minutes).

**The doorbell** is a Redis key set with ``NX``: a send rings the worker only when no ring is
outstanding (and asks Redis at most once per :data:`RING_QUIET_SECONDS` per process), and the
worker clears the key once the queue looks empty and then keeps looking for
:data:`LINGER_SECONDS`, so a message committed in between is never stranded (the argument is
:func:`delivery_ring`'s). A lost ring costs at most a minute: the
beat's :func:`messages_sweep` rings whenever something is due, fails rows out of attempts and
forgets messages after :data:`KEEP_MESSAGES`.

Without Redis (the embedded default) the ring starts one background thread in the web process
that drains the queue and waits for retries (``SUBSCRIPTION_DELIVERY_IN_PROCESS``: ``thread``;
the test settings use ``off`` and drive delivery by calling the functions).
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Field, Min, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from miniprograms.subscriptions.endpoints import message_endpoint_secret
from miniprograms.subscriptions.models import Message, MessageEndpoint
from workspaces import webhook_transport
from workspaces.webhook_transport import Outcome, WebhookURLRefused

logger = logging.getLogger(__name__)

State = Message.State
BATCH = 200
CONCURRENCY = 16  # lanes posting at once, at most (see _post_all)
RAMP_SECONDS = 0.01  # another lane after this long while the batch is unfinished
MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
LEASE = timedelta(minutes=2)  # far above one batch: posts time out after a few seconds
KEEP_MESSAGES = timedelta(days=30)
PURGE_BATCH = 2_000
DOORBELL_KEY = "mpp:subscriptions:doorbell"
DOORBELL_TTL = 30  # seconds: a ring whose worker died is forgotten after this
# A send skips the doorbell when its process found it set this recently; the worker keeps looking
# for longer than that after clearing it (see delivery_ring).
RING_QUIET_SECONDS = 0.05
LINGER_SECONDS = 0.2
LINGER_STEP_SECONDS = 0.025
# Under load, a batch smaller than GATHER_BELOW lets the next one gather this long.
GATHER_BELOW = 50
GATHER_SECONDS = 0.01
RETRYABLE_4XX = frozenset({408, 425, 429})
USER_AGENT = "MPP-Messages/1.0"


def backoff(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1``: 5 s, 10 s, 20 s, … capped at 10 minutes."""
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def message_body(message: Message, app_id: str) -> bytes:
    """What the host app's endpoint receives (documented in the README)."""
    payload = {
        "id": str(message.uid),
        "type": "subscription_message",
        "app_id": app_id,
        "template_id": message.template_id,
        "title": message.title,
        "kind": message.kind,
        "user_id": message.user_id,
        "page": message.page,
        "keywords": [{"name": name, "value": value} for name, value in message.data],
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def message_request(
    message: Message, *, app_id: str, secret: str, timestamp: int, attempt: int
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of attempt number ``attempt`` (1, 2, …) of ``message``."""
    body = message_body(message, app_id)
    headers = {
        "User-Agent": USER_AGENT,
        "X-MPP-Message-Id": str(message.uid),
        "X-MPP-Attempt": str(attempt),
        "X-MPP-Timestamp": str(timestamp),
        "X-MPP-Signature": webhook_transport.signature(
            secret=secret, timestamp=timestamp, body=body
        ),
    }
    return body, headers


# --- claim, post, record ----------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(state=State.QUEUED, next_attempt_at__lte=now) | Q(
        state=State.SENDING, lease_expires_at__lt=now
    )


def messages_claim(*, now: datetime, limit: int = BATCH) -> tuple[str, list[int]]:
    """Take up to ``limit`` due messages for this run: (lease token, their ids in order)."""
    token = secrets.token_hex(16)
    if connection.vendor == "postgresql":
        return token, _claim_postgresql(token=token, now=now, limit=limit)
    with transaction.atomic():
        ids: list[int] = []
        for rows in (  # as on PostgreSQL: rows whose lease ended first, then the queued ones
            Message.objects.filter(state=State.SENDING, lease_expires_at__lt=now).order_by(
                "lease_expires_at"
            ),
            Message.objects.filter(state=State.QUEUED, next_attempt_at__lte=now).order_by(
                "next_attempt_at", "id"
            ),
        ):
            if len(ids) < limit:
                if connection.features.has_select_for_update_skip_locked:
                    rows = rows.select_for_update(skip_locked=True)
                ids += rows.values_list("pk", flat=True)[: limit - len(ids)]
        if not ids:
            return token, []
        Message.objects.filter(pk__in=ids).filter(_due(now)).update(
            state=State.SENDING,
            lease_token=token,
            lease_expires_at=now + LEASE,
        )
    return token, sorted(
        Message.objects.filter(lease_token=token, state=State.SENDING).values_list("pk", flat=True)
    )


def _claim_postgresql(*, token: str, now: datetime, limit: int) -> list[int]:
    """The claim as one statement (no transaction of its own): the due rows locked with ``SKIP
    LOCKED`` (another worker's rows are left to it), leased and returned. Each arm — sent rows
    whose lease ended, queued rows that are due — is an ordered scan of its own partial index
    with a ``LIMIT``, so it stops after the rows it takes (an ``OR`` of the two was a bitmap of
    every version the table still held: a claim cost 3 ms after 12,000 messages without a
    vacuum). The due condition is checked again on the locked row (a row changed meanwhile is
    re-read under the lock). The locking queries are ``MATERIALIZED`` CTEs (``FOR UPDATE`` is not
    allowed in a ``UNION``'s arms, and as a subquery of the ``UPDATE`` the planner may run one
    again for every row it joins, each run locking the next rows: a claim of 2 took 4); rows
    an arm locked beyond the limit stay queued, unlocked when the statement ends."""
    table = Message._meta.db_table
    sql = f"""
WITH leased AS MATERIALIZED (
  SELECT m.id FROM {table} m WHERE m.state = 'sending' AND m.lease_expires_at < %(now)s
  ORDER BY m.lease_expires_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
), queued AS MATERIALIZED (
  SELECT m.id FROM {table} m WHERE m.state = 'queued' AND m.next_attempt_at <= %(now)s
  ORDER BY m.next_attempt_at, m.id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
), due AS (
  SELECT id FROM leased UNION ALL SELECT id FROM queued LIMIT %(limit)s
)
UPDATE {table} m SET state = 'sending', lease_token = %(token)s, lease_expires_at = %(expires)s
FROM due WHERE m.id = due.id
  AND ((m.state = 'queued' AND m.next_attempt_at <= %(now)s)
       OR (m.state = 'sending' AND m.lease_expires_at < %(now)s))
RETURNING m.id"""  # noqa: S608 - the table name from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, {"token": token, "expires": now + LEASE, "now": now, "limit": limit})
        return sorted(row[0] for row in cursor.fetchall())


def _permanent(outcome: Outcome) -> bool:
    code = outcome.status_code
    return code is not None and 400 <= code < 500 and code not in RETRYABLE_4XX


def _fields(
    *, message: Message, now: datetime, outcome: Outcome | None, error: str = ""
) -> dict[str, Any]:
    """What one attempt's outcome writes on ``message``'s row."""
    attempts = message.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "lease_token": "",
        "lease_expires_at": None,
        "last_status_code": outcome.status_code if outcome else None,
        "last_error": (error or (outcome.error if outcome else ""))[:300],
        "last_duration_ms": outcome.duration_ms if outcome else None,
    }
    if outcome is not None and outcome.ok:
        fields.update(state=State.DELIVERED, delivered_at=now)
    elif outcome is None or _permanent(outcome) or attempts >= MAX_ATTEMPTS:
        fields.update(state=State.FAILED)
    else:
        fields.update(state=State.QUEUED, next_attempt_at=now + backoff(attempts))
    return fields


# Fields that may differ from message to message within one kind of outcome (a CASE by id
# when they do); every other field is the same for the whole group.
_PER_MESSAGE = ("attempts", "last_duration_ms", "next_attempt_at")


def _record_all(
    *, token: str, now: datetime, outcomes: list[tuple[Message, Outcome | None, str]]
) -> dict[str, int]:
    """Write a batch's outcomes (the one door of a message's state after a claim), each only if
    the lease is still ``token``'s: one ``UPDATE`` per kind of outcome (delivered with a 200,
    queued again after a 503, …) rather than one per message — a batch of 200 delivered
    messages is one statement. Counts by resulting state."""
    groups: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = {}
    counts: dict[str, int] = {}
    for message, outcome, error in outcomes:
        fields = _fields(message=message, now=now, outcome=outcome, error=error)
        key = tuple(sorted((k, v) for k, v in fields.items() if k not in _PER_MESSAGE))
        groups.setdefault(key, []).append((message.pk, fields))
        state = str(fields["state"])
        counts[state] = counts.get(state, 0) + 1
    for key, rows in groups.items():
        values: dict[str, Any] = dict(key)
        for name in _PER_MESSAGE:
            if name not in rows[0][1]:  # next_attempt_at: only messages queued again
                continue
            distinct = {fields[name] for _pk, fields in rows}
            if len(distinct) == 1:
                values[name] = distinct.pop()
            else:
                values[name] = _by_id(name, rows)
        Message.objects.filter(
            pk__in=[pk for pk, _fields in rows], lease_token=token, state=State.SENDING
        ).update(**values)
    return counts


def _by_id(name: str, rows: list[tuple[int, dict[str, Any]]]) -> RawSQL:
    """``CASE id WHEN … THEN … END``: each row's own value of the field ``name``, as raw SQL
    (the ORM's ``Case(When(pk=…))`` cost more to build than the whole post of a message)."""
    field = cast(Field, Message._meta.get_field(name))
    column = connection.ops.quote_name(str(cast(Field, Message._meta.pk).column))
    params: list[Any] = []
    for pk, fields in rows:
        params += [pk, field.get_db_prep_save(fields[name], connection)]
    sql = f"CASE {column}{' WHEN %s THEN %s' * len(rows)} END"
    return RawSQL(sql, params, output_field=field)  # noqa: S611 - placeholders and a column


Job = tuple[str, bytes, dict[str, str]]  # the URL, the body and the headers of one POST


def _post(job: Job) -> Outcome | WebhookURLRefused:
    url, body, headers = job
    try:
        return webhook_transport.post(
            url=url,
            body=body,
            headers=headers,
            timeout=float(settings.SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS),
            kept_alive=_kept_alive,
        )
    except WebhookURLRefused as exc:
        return exc


# The posting threads keep their connections to the endpoints open between messages: a
# handshake per message cost more than the rest of its delivery (bench/send.py).
_kept_alive = webhook_transport.KeptAlive()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="mpp-post")
        return _pool


def _post_all(jobs: Sequence[Job]) -> list[Outcome | WebhookURLRefused]:
    """Post every job; the results in the jobs' order.

    The posts are taken by *lanes*: threads of the pool that each post the next job nobody has
    taken yet, until none is left. One lane starts, and one more every :data:`RAMP_SECONDS`
    while the batch is unfinished, up to :data:`CONCURRENCY`. A fast endpoint is posted to by
    a lane or two — handing every post to a thread of its own cost as much CPU as the post
    itself on the loopback (bench/send.py) — while slow or dead endpoints have every lane
    within ``CONCURRENCY × RAMP_SECONDS`` (0.16 s): a lane waiting for a timeout never holds
    up the other jobs, the next free lane takes them. An exception a post raises (a bug: the
    transport answers failures with an ``Outcome``) is raised here once every post is done."""
    count = len(jobs)
    if count <= 1:
        return [_post(job) for job in jobs]
    waiting: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(count):
        waiting.put(index)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []
    finished = 0
    done = threading.Condition()

    def lane() -> None:
        nonlocal finished
        while True:
            try:
                index = waiting.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = _post(jobs[index])
            except BaseException as exc:  # noqa: BLE001 - raised by the caller's thread
                errors.append(exc)
            with done:
                finished += 1
                if finished == count:
                    done.notify()

    pool = _executor()
    most = min(CONCURRENCY, count)
    lanes = 0
    with done:
        while finished < count:
            if lanes < most:
                pool.submit(lane)
                lanes += 1
            done.wait(RAMP_SECONDS if lanes < most else None)
    if errors:
        raise errors[0]
    return results


# What the delivery reads of a message (``message_body`` and the outcome's fields); the mini
# program's App ID comes along by a join.
_DELIVERY_FIELDS = (
    "uid",
    "template_id",
    "title",
    "kind",
    "user_id",
    "page",
    "data",
    "created_at",
    "attempts",
    "host_app_id",
)


def messages_deliver(*, token: str, ids: list[int], now: datetime | None = None) -> dict[str, int]:
    """Post the claimed messages ``ids`` and record each outcome; counts by resulting state."""
    messages: list[Any] = list(
        Message.objects.filter(pk__in=ids, lease_token=token)
        .only(*_DELIVERY_FIELDS)
        .annotate(app_id=F("miniprogram__app_id"))
    )
    endpoints = {
        e.host_app_id: e
        for e in MessageEndpoint.objects.filter(host_app_id__in={m.host_app_id for m in messages})
    }
    secrets_of = {  # decrypted once per endpoint and batch
        e.host_app_id: message_endpoint_secret(e) for e in endpoints.values() if e.is_active
    }
    stamp = int(time.time())
    jobs: list[tuple[Message, Job | None, str]] = []
    for message in messages:
        endpoint = endpoints.get(message.host_app_id)
        if endpoint is None or not endpoint.is_active:
            why = "removed" if endpoint is None else "turned off"
            jobs.append((message, None, f"Not sent: the host app's message endpoint was {why}."))
            continue
        body, headers = message_request(
            message,
            app_id=message.app_id,
            secret=secrets_of[message.host_app_id],
            timestamp=stamp,
            attempt=message.attempts + 1,
        )
        jobs.append((message, (endpoint.url, body, headers), ""))
    posts = [job for _m, job, _e in jobs if job is not None]
    results = iter(_post_all(posts))
    outcomes: list[tuple[Message, Outcome | None, str]] = []
    for message, job, error in jobs:
        if job is None:
            outcomes.append((message, None, error))
            continue
        result = next(results)
        if isinstance(result, WebhookURLRefused):
            outcomes.append((message, None, f"Not sent: {result}"))
        else:
            outcomes.append((message, result, ""))
    with transaction.atomic():
        return _record_all(token=token, now=now or timezone.now(), outcomes=outcomes)


def messages_deliver_due(
    *, now: datetime | None = None, budget_seconds: float = 50.0
) -> dict[str, int]:
    """Drain every due message, batch after batch, for at most ``budget_seconds`` (then ring
    again). Safe to run twice and in several workers at once (each claims its own rows).

    Run by the worker (the Redis doorbell), it lets a small batch's successors gather for
    :data:`GATHER_SECONDS` before claiming them (a batch's fixed cost — its statements, the
    endpoint and its secret — is then shared by more messages under load), and after clearing
    the doorbell keeps looking for :data:`LINGER_SECONDS`: a send that did not ring because it
    saw the doorbell set a moment earlier (:data:`RING_QUIET_SECONDS`) is still found."""
    started = time.monotonic()
    totals: dict[str, int] = {}
    doorbell = _doorbell_used()
    while True:
        at = now or timezone.now()
        token, ids = messages_claim(now=at)
        if not ids:
            token, ids = _claim_after_clearing(now)
            if not ids:
                break
        for state, count in messages_deliver(token=token, ids=ids, now=now).items():
            totals[state] = totals.get(state, 0) + count
        if time.monotonic() - started > budget_seconds:
            delivery_ring(force=True)
            break
        if doorbell and len(ids) < GATHER_BELOW:
            time.sleep(GATHER_SECONDS)
    return totals


def _claim_after_clearing(now: datetime | None) -> tuple[str, list[int]]:
    """Clear the doorbell, then look once more — and with the Redis doorbell, every
    :data:`LINGER_STEP_SECONDS` until :data:`LINGER_SECONDS` have passed since the clearing."""
    cleared = _doorbell_clear()
    token, ids = messages_claim(now=now or timezone.now())
    while not ids and cleared is not None:
        time.sleep(LINGER_STEP_SECONDS)
        looked = time.monotonic()
        token, ids = messages_claim(now=now or timezone.now())
        if looked - cleared >= LINGER_SECONDS:
            break
    return token, ids


def next_retry_in(*, now: datetime | None = None) -> float | None:
    """Seconds until the earliest queued message is due (0 if one is due), or ``None``."""
    at = now or timezone.now()
    earliest = Message.objects.filter(state=State.QUEUED).aggregate(m=Min("next_attempt_at"))["m"]
    if earliest is None:
        return None
    return max(0.0, (earliest - at).total_seconds())


def messages_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The beat's minute: fail rows whose lease expired after their last attempt, ring when
    anything is due, forget messages older than :data:`KEEP_MESSAGES`. Safe to run twice."""
    now = now or timezone.now()
    due = Message.objects.filter(_due(now)).exists()
    if due:
        delivery_ring(force=True)
    forgotten = 0
    while True:
        ids = list(
            Message.objects.filter(created_at__lt=now - KEEP_MESSAGES).values_list("pk", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not ids:
            break
        forgotten += Message.objects.filter(pk__in=ids).delete()[0]
    return {"rang": int(due), "forgotten": forgotten}


# --- the doorbell ------------------------------------------------------------------------------

_redis_clients: dict[str, Any] = {}


def _redis() -> Any:
    url = settings.REDIS_URL
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        _redis_clients[url] = client
    return client


def _eager() -> bool:
    from console.celery import app

    return bool(app.conf.task_always_eager)


def _doorbell_used() -> bool:
    """Whether sends ring this process through the Redis doorbell (the worker's case)."""
    return bool(settings.REDIS_URL) and not _eager()


def _doorbell_clear() -> float | None:
    """Clear the doorbell; when it was done (monotonic), ``None`` without a doorbell."""
    if not _doorbell_used():
        return None
    cleared = time.monotonic()
    try:
        _redis().delete(DOORBELL_KEY)
    except Exception as exc:  # noqa: BLE001 - the key expires by itself
        logger.warning("deliver_messages: could not clear the doorbell (%s)", exc)
    return cleared


# When this process last found the doorbell set (monotonic; set by it or by another process):
# a send within RING_QUIET_SECONDS of that does not ask Redis again.
_doorbell_seen_at = float("-inf")


def delivery_ring(force: bool = False) -> None:
    """Make sure a delivery run is coming (after a send's commit, or from the sweeper).

    With the Redis doorbell, a send asks Redis (``SET NX``) at most once per
    :data:`RING_QUIET_SECONDS` per process: a send skipped in that window follows a moment at
    which the doorbell was set (``asked``, taken before the request), so either the run that set
    it has not cleared it yet — it will claim the message, or clear the doorbell later and then
    keep looking for :data:`LINGER_SECONDS` > the window, past this send's commit — or it was
    set again by a send that rang a new run, which does the same. ``force`` always rings."""
    global _doorbell_seen_at
    asked = time.monotonic()
    if not force and asked - _doorbell_seen_at < RING_QUIET_SECONDS:
        return  # only ever set with the Redis doorbell: checked first, it is a send's usual case
    if _eager():
        mode = settings.SUBSCRIPTION_DELIVERY_IN_PROCESS
        if mode == "thread":
            _thread_ring()
        elif mode == "inline":
            messages_deliver_due()
        return
    from console.outbox import ring
    from miniprograms.subscriptions.tasks import deliver_messages

    try:
        rung = _redis().set(DOORBELL_KEY, "1", nx=True, ex=DOORBELL_TTL)
        _doorbell_seen_at = asked
        if not rung and not force:
            return  # a run is already coming: it will see this message
    except Exception as exc:  # noqa: BLE001 - ring anyway: a duplicate run claims nothing
        logger.warning("deliver_messages: doorbell unavailable (%s); ringing", exc)
    ring(deliver_messages, what="subscription messages")


# In-process delivery (no Redis): one daemon thread drains the queue and sleeps until the next
# retry is due; a ring while it runs makes it look again.
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()
_again = threading.Event()


def _thread_main() -> None:
    global _thread
    try:
        while True:
            _again.clear()
            try:
                messages_deliver_due()
                wait = next_retry_in()
            except Exception:
                logger.exception("deliver_messages: in-process delivery failed")
                wait = 60.0
            with _thread_lock:
                if wait is None and not _again.is_set():
                    _thread = None
                    return
            _again.wait(timeout=min(wait if wait is not None else 60.0, 60.0))
    finally:
        close_old_connections()
        connection.close()


def _thread_ring() -> None:
    global _thread
    with _thread_lock:
        _again.set()
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=_thread_main, name="mpp-message-delivery", daemon=True)
        _thread.start()
