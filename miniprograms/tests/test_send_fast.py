"""The send's fast path (``miniprograms.subscriptions.fastsend``, served by ``console.wsgi``): the
same bytes and headers as the full Django stack for every request — the ordinary 202s it answers
itself on PostgreSQL, and every refusal, replay and malformed request it hands to Django — and
the quotas and idempotency under 50 concurrent sends through it (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from django.core import signals
from django.db import close_old_connections, connection, connections, transaction
from django.test import RequestFactory
from django.test.client import FakePayload

from conftest import require_service
from console.wsgi import application
from miniprograms.secrets.oauth import open_user_id
from miniprograms.subscriptions.models import Message, Subscription
from miniprograms.subscriptions.runtime import subscription_record
from miniprograms.tests.subscribing import SEND, World

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the request signals must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class Ids:
    """The next message id: the same for the two answers of one request (``both``)."""

    def __init__(self, new) -> None:
        self.new = new
        self.uid = new()

    def __call__(self) -> uuid.UUID:
        return self.uid


@pytest.fixture
def frozen(monkeypatch):
    """One time and one message id for both paths, so that their answers compare byte for byte."""
    from django.utils import timezone

    ids = Ids(uuid.uuid4)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    monkeypatch.setattr(uuid, "uuid4", ids)
    field = Message._meta.get_field("uid")
    field.__dict__.pop("_get_default", None)  # a cached_property of the default
    monkeypatch.setattr(field, "default", ids)
    yield ids
    field.__dict__.pop("_get_default", None)


@pytest.fixture
def w(owner) -> World:
    return World(owner)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], content: bytes):
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.names = sorted(name.lower() for name, _v in headers)
        self.content = content

    def json(self) -> Any:
        return orjson.loads(self.content)


def call(app: Any, payload: bytes, **meta: str) -> Answer:
    """One request through a WSGI application, as a WSGI server sends it."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=SEND,
        REQUEST_METHOD="POST",
        CONTENT_LENGTH=str(len(payload)),
        CONTENT_TYPE=meta.pop("CONTENT_TYPE", "application/json"),
        HTTP_X_REQUEST_ID="req-fast-1",
        **{"wsgi.input": FakePayload(payload), "wsgi.url_scheme": "https"},
        **meta,
    )
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        started.update(status=status, headers=headers)

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Answer(started["status"], started["headers"], content)


def body(template, to: str, data: Any = None, page: str = "pages/order/detail?id=42") -> bytes:
    values = data if data is not None else {n: f"value of {n}" for n in template.keywords}
    return orjson.dumps(
        {"template_id": template.template_id, "to_user_id": to, "data": values, "page": page}
    )


def both(payload: bytes, *, fast: bool, ids: Ids | None = None, **meta: str) -> Answer:
    """The request through ``console.wsgi`` (rolled back) and through the full Django stack:
    the same status, bytes and headers; ``fast``: whether the fast path answered it itself
    (only on PostgreSQL: on SQLite it hands everything to Django)."""
    if ids is not None:
        ids.uid = ids.new()  # one new id for both answers
    before = application.send.answered
    with transaction.atomic():
        quick = call(application, payload, **meta)
        transaction.set_rollback(True)
    answered = application.send.answered - before
    full = call(application.full, payload, **meta)
    assert (quick.status_code, quick.content) == (full.status_code, full.content)
    assert quick.names == full.names
    assert quick.headers == full.headers
    assert answered == (1 if fast and POSTGRES else 0)
    if ids is not None:
        ids.uid = ids.new()  # the next send's
    return full


def subscribe(w: World, template, user_id: str = "u-1", decision: str = "accept") -> str:
    subscription_record(
        host_app=w.wallet,
        app_id=w.shop.app_id,
        user_id=user_id,
        decisions={template.template_id: decision},
    )
    return open_user_id(app_id=w.shop.app_id, host_app_id=w.wallet.pk, user_id=user_id)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_ordinary_send_is_answered_by_the_fast_path_as_django_answers_it(w, frozen):
    user = subscribe(w, w.long)
    auth = bearer(w.app_token())
    sent = both(body(w.long, user), fast=True, ids=frozen, **auth)
    assert sent.status_code == 202
    assert sent.json() == {
        "id": str(Message.objects.get().uid),
        "template_id": w.long.template_id,
        "to_user_id": user,
        "state": "queued",
        "attempts": 0,
        "created_at": "2026-12-02T09:30:15.123456Z",
        "delivered_at": None,
        "last_status_code": None,
        "last_error": None,
        "duplicate": False,
        "quota": {"limit": 5, "remaining": 4, "resets_at": "2026-12-03T00:00:00Z"},
    }
    assert sent.headers["x-request-id"] == "req-fast-1"
    assert sent.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in sent.headers
    # Another language, a one-time template, numbers as values, an Idempotency-Key.
    both(body(w.long, user), fast=True, ids=frozen, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9", **auth)
    once = subscribe(w, w.once, user_id="u-2")
    first, second = w.once.keywords
    answer = both(
        body(w.once, once, data={first: 42, second: " B "}), fast=True, ids=frozen, **auth
    )
    assert "quota" not in answer.json()
    both(body(w.long, user), fast=True, ids=frozen, HTTP_IDEMPOTENCY_KEY="order-42", **auth)
    # A user's own token, for that user.
    token, mine = w.user_token("u-1")
    assert mine == user
    both(body(w.long, user), fast=True, ids=frozen, **bearer(token))
    # Nothing was kept of the fast answers (rolled back): only the Django ones.
    assert Message.objects.count() == 5
    message = Message.objects.filter(template_id=w.once.template_id).get()
    assert message.data == [[first, "42"], [second, "B"]]


def test_the_fast_path_writes_the_message_and_takes_the_quota(w):
    user = subscribe(w, w.long)
    auth = bearer(w.app_token())
    before = application.send.answered
    answers = [call(application, body(w.long, user), **auth) for _ in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert [a.json()["quota"]["remaining"] for a in answers[:5]] == [4, 3, 2, 1, 0]
    assert answers[5].json()["error"]["code"] == "daily_limit"
    assert application.send.answered - before == (5 if POSTGRES else 0)
    messages = Message.objects.order_by("id")
    assert [str(m.uid) for m in messages] == [a.json()["id"] for a in answers[:5]]
    message = messages[0]
    assert (message.state, message.attempts, message.page) == (
        "queued",
        0,
        "pages/order/detail?id=42",
    )
    assert message.host_app_id == w.wallet.pk and message.user_id == "u-1"
    assert message.title == w.long_term_public.title and message.kind == "long_term"
    assert message.data == [[k, f"value of {k}"] for k in w.long.keywords]
    assert Subscription.objects.get(my_template=w.long).day_count == 5


@pytest.mark.skipif(not POSTGRES, reason="the fast path answers on PostgreSQL only")
def test_the_send_statement_is_prepared_once_and_planned_generically(w):
    """Django turns psycopg's preparing off, which ignored ``prepare=True``: each send was parsed
    and planned again. Both statements (with and without an Idempotency-Key) are prepared on the
    connection and, after PostgreSQL's five custom plans, run on a generic plan."""
    auth = bearer(w.app_token())
    users = [subscribe(w, w.long, user_id=f"u-{n}") for n in range(4)]
    answers = [call(application, body(w.long, users[n // 5]), **auth) for n in range(10)]
    answers += [
        call(application, body(w.long, users[2 + n // 5]), HTTP_IDEMPOTENCY_KEY=f"k-{n}", **auth)
        for n in range(10)
    ]
    assert [a.status_code for a in answers] == [202] * 20
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement LIKE %s, generic_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s ORDER BY 1",
            ["%idempotency_key = $%", "%WITH tok AS%"],
        )
        plans = cursor.fetchall()
    assert [keyed for keyed, _generic in plans] == [False, True]
    assert all(generic >= 5 for _keyed, generic in plans), plans


def test_every_refusal_is_django_s_answer(w, frozen):
    user = subscribe(w, w.long)
    token = w.app_token()
    auth = bearer(token)
    first, second = w.once.keywords
    once = subscribe(w, w.once, user_id="u-2")
    rejected = subscribe(w, w.once_c, user_id="u-3", decision="reject")
    cases: list[tuple[bytes, dict[str, str], int, str]] = [
        (body(w.long, user), {}, 401, "invalid_token"),
        (body(w.long, user), bearer("at_nope"), 401, "invalid_token"),
        (body(w.long, user), {"HTTP_AUTHORIZATION": f"Basic {token}"}, 401, "invalid_token"),
        (b"{not json", auth, 400, "bad_request"),
        (b"[1, 2]", auth, 400, "bad_request"),
        (body(w.long, user), {**auth, "CONTENT_TYPE": "text/plain"}, 415, "unsupported_media_type"),
        (b" " * (16 * 1024 + 1), auth, 413, "too_large"),
        (
            orjson.dumps({"template_id": "zzz", "to_user_id": user, "data": {}}),
            auth,
            404,
            "unknown_template",
        ),
        (orjson.dumps({"template_id": w.long.template_id, "data": {}}), auth, 400, "bad_request"),
        (body(w.once, once, data={first: "A"}), auth, 400, "invalid_data"),
        (
            body(w.once, once, data={first: "A", second: "B", "Bogus": "C"}),
            auth,
            400,
            "invalid_data",
        ),
        (body(w.once, once, data={first: "A", second: "x" * 201}), auth, 400, "invalid_data"),
        (body(w.once, once, data=["A", "B"]), auth, 400, "invalid_data"),
        (body(w.once, once, page="https://evil.example/"), auth, 400, "invalid_page"),
        (body(w.long, user), {**auth, "HTTP_IDEMPOTENCY_KEY": "bad key"}, 400, "bad_request"),
        (body(w.once_c, rejected), auth, 403, "not_subscribed"),
        (body(w.once, user), auth, 403, "not_subscribed"),
        (body(w.long, user), bearer(w.user_token("u-9")[0]), 403, "token_user_mismatch"),
    ]
    for payload, meta, status, code in cases:
        answer = both(payload, fast=False, ids=frozen, **meta)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), code
        assert answer.json()["error"]["request_id"] == "req-fast-1"
    # A cookie (the locale could come from it): Django answers, the same way.
    both(body(w.long, user), fast=False, ids=frozen, HTTP_COOKIE="django_language=de", **auth)


def test_used_quotas_replays_and_a_missing_endpoint_are_django_s_answers(w, frozen):
    user = subscribe(w, w.long)
    once = subscribe(w, w.once, user_id="u-2")
    auth = bearer(w.app_token())
    keyed = {**auth, "HTTP_IDEMPOTENCY_KEY": "order-42"}
    # The first keyed send for real (through Django), then its retry and a conflicting one.
    assert call(application.full, body(w.long, user), **keyed).status_code == 202
    replay = both(body(w.long, user), fast=False, ids=frozen, **keyed)
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    conflict = both(body(w.long, user, page="pages/other"), fast=False, ids=frozen, **keyed)
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert call(application.full, body(w.once, once), **auth).status_code == 202
    used = both(body(w.once, once), fast=False, ids=frozen, **auth)
    assert used.json()["error"]["code"] == "subscription_used"
    Subscription.objects.filter(my_template=w.long).update(day=NOW.date(), day_count=5)
    limit = both(body(w.long, user), fast=False, ids=frozen, **auth)
    assert (limit.status_code, limit.json()["error"]["code"]) == (429, "daily_limit")
    assert "retry-after" in limit.headers
    Subscription.objects.filter(my_template=w.long).update(day=None, day_count=0)
    subscribe(w, w.long, decision="reject")
    withdrawn = both(body(w.long, user), fast=False, ids=frozen, **auth)
    assert withdrawn.json()["error"]["code"] == "subscription_withdrawn"
    subscribe(w, w.long)
    w.endpoint.is_active = False
    w.endpoint.save()
    off = both(body(w.long, user), fast=False, ids=frozen, **auth)
    assert off.json()["error"]["code"] == "endpoint_not_configured"
    w.endpoint.is_active = True
    w.endpoint.save()
    both(body(w.long, user), fast=True, ids=frozen, **auth)


def test_a_template_edited_since_it_was_remembered_is_checked_again(w, frozen):
    user = subscribe(w, w.long)
    auth = bearer(w.app_token())
    both(body(w.long, user), fast=True, ids=frozen, **auth)  # its keyword order is remembered now
    application.send.templates[w.long.template_id] = list(reversed(w.long.keywords))
    # The statement finds the keywords differ: Django answers (a 202 too).
    answer = both(body(w.long, user), fast=False, ids=frozen, **auth)
    assert answer.status_code == 202
    application.send.templates.pop(w.long.template_id)


def test_a_database_failure_on_the_fast_path_is_a_logged_500_never_a_second_try(
    w, monkeypatch, caplog
):
    """The statement's outcome is unknown: Django must not try it again."""
    from django.db import OperationalError

    user = subscribe(w, w.long)

    def down(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(application.send, "_run", down)
    handed = application.send.handed
    answer = call(application, body(w.long, user), **bearer(w.app_token()))
    if POSTGRES:
        assert answer.status_code == 500  # the console's 500 page, as Django answers a crash
        assert b"req-fast-1" in answer.content
        assert answer.headers["x-request-id"] == "req-fast-1"
        assert application.send.handed == handed
        assert "Internal Server Error: /open/v1/messages" in caplog.text
        assert not Message.objects.exists()
    else:  # SQLite: Django answers every send
        assert answer.status_code == 202
        assert application.send.handed == handed + 1


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.skipif(not POSTGRES, reason="the fast path answers on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_between_sends_is_replaced_without_a_health_check(w):
    """No ``SELECT 1`` before each send: the send on a connection the server has closed since
    the last one is tried again on a new connection, and sent once."""
    import psycopg

    user = subscribe(w, w.long)
    auth = bearer(w.app_token())
    assert call(application, body(w.long, user), **auth).status_code == 202
    dead = _backend_pid()
    server = connection.connection.info.get_parameters()
    password = connection.settings_dict["PASSWORD"] or None
    with psycopg.connect(**server, password=password, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dead])
    answered = application.send.answered
    answer = call(application, body(w.long, user), **auth)
    assert answer.status_code == 202 and application.send.answered == answered + 1
    assert answer.json()["quota"]["remaining"] == 3
    assert Message.objects.count() == 2 and _backend_pid() != dead
    assert Subscription.objects.get(my_template=w.long).day_count == 2


@pytest.mark.skipif(not POSTGRES, reason="the fast path answers on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["", "order-77"])
def test_a_send_whose_answer_was_lost_with_the_connection_is_not_sent_twice(w, monkeypatch, key):
    """The worst case of trying again: the first statement committed, then the connection died
    before its answer arrived. The second try (same message id) writes nothing, and the 202 is
    the stored message's."""
    from django.db import OperationalError

    user = subscribe(w, w.long)
    auth = bearer(w.app_token())
    meta = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    assert call(application, body(w.long, user), **auth).status_code == 202  # a kept connection
    real = application.send._statement
    tries: list[int] = []

    def committed_then_lost(sql: str, params: dict[str, Any]) -> Any:
        tries.append(1)
        row = real(sql, params)
        if len(tries) == 1:
            assert row is not None  # it did commit
            raise OperationalError("server closed the connection unexpectedly")
        return row

    monkeypatch.setattr(application.send, "_statement", committed_then_lost)
    answer = call(application, body(w.long, user), **auth, **meta)
    assert len(tries) == 2
    assert answer.status_code == 202, answer.content
    stored = Message.objects.order_by("id").last()
    assert answer.json()["id"] == str(stored.uid)
    assert answer.json()["quota"]["remaining"] == 3
    assert Message.objects.count() == 2
    assert Subscription.objects.get(my_template=w.long).day_count == 2


@pytest.mark.skipif(not POSTGRES, reason="the fast path answers on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_failure_on_a_connection_opened_for_the_send_is_not_tried_again(w, monkeypatch):
    from django.db import OperationalError

    user = subscribe(w, w.long)
    auth = bearer(w.app_token())
    connection.close()  # the send opens its own
    tries: list[int] = []

    def fails(sql: str, params: dict[str, Any]) -> Any:
        tries.append(1)
        raise OperationalError("could not connect")

    monkeypatch.setattr(application.send, "_statement", fails)
    answer = call(application, body(w.long, user), **auth)
    assert answer.status_code == 500 and tries == [1]
    assert not Message.objects.exists()


# --- concurrency (PostgreSQL) ---------------------------------------------------------------

RACERS = 50


def race(count: int, payload: bytes, **meta: str) -> list[Answer]:
    barrier = threading.Barrier(count)
    answers: list[Answer] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            answer = call(application, payload, **meta)
            with lock:
                answers.append(answer)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def codes(answers: list[Answer]) -> Counter:
    return Counter(
        a.json()["error"]["code"] if a.status_code >= 400 else a.status_code for a in answers
    )


@pytest.fixture
def racing(owner):
    if not POSTGRES:
        require_service("PostgreSQL", False, "concurrent sends need it (set DATABASE_URL)")
    return World(owner)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_fast_sends_deliver_at_most_five(racing):
    w = racing
    user = subscribe(w, w.long)
    before = application.send.answered
    answers = race(RACERS, body(w.long, user), **bearer(w.app_token()))
    assert codes(answers) == Counter({202: 5, "daily_limit": RACERS - 5})
    assert application.send.answered - before == 5
    assert Message.objects.count() == 5
    assert Subscription.objects.get(my_template=w.long).day_count == 5


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_fast_one_time_sends_use_exactly_the_credits(racing):
    w = racing
    user = ""
    for _ in range(3):
        user = subscribe(w, w.once)
    answers = race(RACERS, body(w.once, user), **bearer(w.app_token()))
    assert codes(answers) == Counter({202: 3, "subscription_used": RACERS - 3})
    assert Subscription.objects.get(my_template=w.once).credits == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_fast_retries_with_one_idempotency_key_send_once(racing):
    w = racing
    user = subscribe(w, w.long)
    meta = {**bearer(w.app_token()), "HTTP_IDEMPOTENCY_KEY": "order-42"}
    answers = race(20, body(w.long, user), **meta)
    assert codes(answers) == Counter({202: 1, 200: 19})
    assert len({a.json()["id"] for a in answers}) == 1
    assert Message.objects.count() == 1
    assert Subscription.objects.get(my_template=w.long).day_count == 1
