"""The merchant send's fast path (issue 13, performance): ``POST /open/v1/messages`` as a plain
WSGI callable, the way ``releases.runtime.lean.FastPath`` answers the runtime API.

**What it answers.** Only the ordinary send on PostgreSQL: an allowed host, HTTPS when asked
for, no cookie, a JSON object body, an accessToken, valid values, and a send the quota allows —
answered ``202`` byte for byte as ``views_open.send_message`` answers it, with the headers the
full middleware stack adds (request id, security and policy headers, ``Vary`` and
``Content-Language`` of the locale middleware). **Everything else** — a refusal of any kind, an
idempotent replay, a malformed request, a cookie, SQLite — is handed to the full Django stack
with the body already read, so every error code, message and log line stays Django's. Handing
over is safe because the fast path changes nothing unless it answers: its one statement either
commits a message or changes nothing.

**One statement.** The checks of ``sending.message_send`` and the writes are one SQL statement
(data-modifying CTEs, in one implicit transaction; prepared once per connection and run on a
generic plan — the key's check names the partial unique index's condition so that a generic
plan can use the index; besides it only the doorbell goes over the wire, at most once per
``delivery.RING_QUIET_SECONDS`` per process — no health check: a connection found dead is
replaced and the statement tried again, safely, see ``SendFastPath._run``):

* ``tok`` — the live accessToken by its keyed hash (not revoked, not expired; a user token only
  for its own user): no token cache, so a revoked token is refused at once;
* ``tpl`` — the mini program's My Template by id, its keywords exactly the list the values were
  checked against (the keyword order is remembered per template id, and checked here: a template
  edited since makes the statement find nothing and Django answers);
* ``sub`` — the quota, the same conditional ``UPDATE`` of the subscription row as
  ``sending._consume`` (long-term: accepted and under :data:`~sending.DAILY_LIMIT` today (UTC);
  one-time: a credit left), only if the host app has an active message endpoint and, with an
  ``Idempotency-Key``, no message has the key yet. PostgreSQL locks the row and re-checks the
  condition under concurrency, so no more than allowed is ever sent;
* the ``INSERT`` of the ``queued`` message, from the rows above. Two concurrent sends with one
  key: the second's insert violates the unique key, its statement is rolled back whole and
  Django answers the replay.

The doorbell of the delivery worker rings after the commit (``delivery.delivery_ring``), as on
the Django path. The JSON is ``json.dumps`` as ``JsonResponse`` makes it (same bytes).
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any, cast

import orjson
import psycopg
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)
from django.http import HttpRequest
from django.utils import timezone, translation

from console.clientip import client_ip
from console.context import bind, clean_request_id, reset
from miniprograms.secrets.models import OAuthAccessToken
from miniprograms.secrets.oauth import TOKEN_PREFIX
from miniprograms.subscriptions import sending
from miniprograms.subscriptions.delivery import delivery_ring
from miniprograms.subscriptions.errors import SubscriptionError
from miniprograms.subscriptions.models import (
    Message,
    MessageEndpoint,
    MyTemplate,
    PublicTemplate,
    Subscription,
)
from miniprograms.subscriptions.views_open import MAX_BODY, MAX_CREDENTIAL, TEMPLATE_ID_MAX, _text
from releases.runtime.lean import FastPath
from workspaces import keys

logger = logging.getLogger("django.request")

PATH = "/open/v1/messages"
MAX_TEMPLATES = 4096  # template id → keywords remembered per process
MAX_LANGUAGES = 64  # Accept-Language values → language remembered
_JSON_TYPE = re.compile(r"application/json\s*(;.*)?", re.IGNORECASE)


class _Template:
    """What ``sending.clean_data`` reads of a template."""

    __slots__ = ("keywords",)

    def __init__(self, keywords: list[str]) -> None:
        self.keywords = keywords


def send_sql(*, keyed: bool) -> str:
    """The statement (module doc); ``keyed``: with the idempotency key's check."""
    token = OAuthAccessToken._meta.db_table
    template = MyTemplate._meta.db_table
    public = PublicTemplate._meta.db_table
    subscription = Subscription._meta.db_table
    endpoint = MessageEndpoint._meta.db_table
    message = Message._meta.db_table
    no_key = (
        f" AND NOT EXISTS (SELECT 1 FROM {message} m"  # noqa: S608 - table names only
        " WHERE m.miniprogram_id = tpl.miniprogram_id AND m.idempotency_key = %(key)s"
        " AND m.idempotency_key <> '')"  # lets a generic plan use the partial unique index
        if keyed
        else ""
    )
    return f"""
WITH tok AS (
  SELECT miniprogram_id FROM {token}
  WHERE token_hash = %(token_hash)s AND revoked_at IS NULL AND expires_at > %(now)s
    AND (open_user_id = '' OR open_user_id = %(to)s)
), tpl AS (
  SELECT t.id, t.miniprogram_id, p.title, p.kind
  FROM {template} t JOIN {public} p ON p.id = t.public_template_id
  WHERE t.template_id = %(template_id)s
    AND t.miniprogram_id = (SELECT miniprogram_id FROM tok)
    AND t.keywords = %(keywords)s::jsonb
), sub AS (
  UPDATE {subscription} s SET
    day_count = CASE WHEN s.kind <> 'long_term' THEN s.day_count
                     WHEN s.day = %(today)s THEN s.day_count + 1 ELSE 1 END,
    day = CASE WHEN s.kind <> 'long_term' THEN s.day ELSE %(today)s END,
    credits = CASE WHEN s.kind <> 'long_term' THEN s.credits - 1 ELSE s.credits END
  FROM tpl
  WHERE s.my_template_id = tpl.id AND s.open_user_id = %(to)s
    AND EXISTS (SELECT 1 FROM {endpoint} e WHERE e.host_app_id = s.host_app_id AND e.is_active)
    AND CASE WHEN s.kind = 'long_term'
             THEN s.status = 'accepted'
                  AND (s.day IS NULL OR s.day <> %(today)s OR s.day_count < %(limit)s)
             ELSE s.credits > 0 END{no_key}
  RETURNING s.host_app_id, s.user_id, s.kind, s.day_count
), ins AS (
  INSERT INTO {message} (
    uid, miniprogram_id, my_template_id, host_app_id, template_id, title, kind,
    open_user_id, user_id, data, page, idempotency_key, request_hash, state, attempts,
    next_attempt_at, lease_token, last_error, created_at)
  SELECT %(uid)s, tpl.miniprogram_id, tpl.id, sub.host_app_id, %(template_id)s, tpl.title,
    tpl.kind, %(to)s, sub.user_id, %(data)s::jsonb, %(page)s, %(key)s, %(hash)s, 'queued', 0,
    %(now)s, '', '', %(now)s
  FROM tpl, sub
  RETURNING 1
)
SELECT sub.kind, sub.day_count FROM sub, ins"""  # noqa: S608 - table names from the models


def _iso(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class SendFastPath:
    """The fast path as a WSGI callable over ``full`` (the full Django stack), with the headers
    of ``releases.runtime.lean.FastPath`` (built from the same settings) plus the locale
    middleware's. ``answered`` and ``handed`` count its two outcomes (tests, diagnostics)."""

    def __init__(self, full: WSGIHandler, common: FastPath) -> None:
        self.full = full
        self.common = common  # a FastPath: host check, HTTPS, security headers
        middleware = set(settings.MIDDLEWARE)
        self.locale = "django.middleware.locale.LocaleMiddleware" in middleware
        self.session = "django.contrib.sessions.middleware.SessionMiddleware" in middleware
        # ``Vary`` as the locale and the session middleware leave it on this answer.
        self.vary = ", ".join(
            name
            for name, used in (("Accept-Language", self.locale), ("Cookie", self.session))
            if used
        )
        # ``SUBSCRIPTION_SEND_FAST_PATH = False`` turns it off (Django answers every send).
        self.enabled = bool(common.enabled) and getattr(
            settings, "SUBSCRIPTION_SEND_FAST_PATH", True
        )
        self.sql = {False: send_sql(keyed=False), True: send_sql(keyed=True)}
        self.templates: dict[str, list[str]] = {}
        self.languages: dict[str, str] = {}
        self.answered = 0
        self.handed = 0
        self._i18n_patterns: bool | None = None

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        common = self.common
        if (
            not self.enabled
            or environ.get("HTTP_COOKIE")
            or environ.get("SCRIPT_NAME")
            or connections[DEFAULT_DB_ALIAS].vendor != "postgresql"
            or not common._host_allowed(environ)
        ):
            return self._hand(environ, start_response, None)
        secure = common._secure(environ)
        if common.redirect and not secure:
            return self._hand(environ, start_response, None)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length <= 0 or length > MAX_BODY:
            return self._hand(environ, start_response, None)
        body = environ["wsgi.input"].read(length)
        signals.request_started.send(sender=SendFastPath, environ=environ)
        request_id = clean_request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = bind(request_id=request_id, ip=client_ip(_Meta(environ)))
        try:
            content = self._send(environ, body)
        except Exception:  # noqa: BLE001 - logged as Django logs it, answered as Django does
            return self._crashed(environ, start_response, body, token, request_id)
        except BaseException:
            reset(token)
            signals.request_finished.send(sender=SendFastPath)
            raise
        reset(token)
        if content is None:
            signals.request_finished.send(sender=SendFastPath)
            return self._hand(environ, start_response, body)
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        headers.extend(common.headers)
        if secure and common.hsts:
            headers.append(("Strict-Transport-Security", common.hsts))
        if self.locale:
            headers.append(("Content-Language", self._language(environ)))
        if self.vary:
            headers.append(("Vary", self.vary))
        headers.append(("Content-Length", str(len(content))))
        if common.request_id:
            headers.append(("X-Request-ID", request_id))
        self.answered += 1
        start_response("202 Accepted", headers)
        return _Sent((content,))

    def _hand(self, environ: dict[str, Any], start_response: Callable[..., Any], body: Any) -> Any:
        self.handed += 1
        if body is not None:
            environ["wsgi.input"] = io.BytesIO(body)
        return self.full(environ, start_response)

    def _crashed(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        body: bytes,
        token: Any,
        request_id: str,
    ) -> Any:
        """An error that is not a refusal (the database is down, say): logged as Django logs
        it (``django.request``, ``got_request_exception``) and answered with the console's 500
        (``handler500``, as a crash in the view is). Not handed to Django: the statement's
        outcome is unknown."""
        from console.views import server_error

        try:
            if settings.DEBUG_PROPAGATE_EXCEPTIONS:
                raise
            environ["wsgi.input"] = io.BytesIO(body)
            request = self.full.request_class(environ)
            request.request_id = request_id  # type: ignore[attr-defined]
            signals.got_request_exception.send(sender=None, request=request)
            logger.error(
                "Internal Server Error: %s",
                request.path,
                exc_info=True,
                extra={"status_code": 500, "request": request},
            )
            response = server_error(request)
            headers = [*response.items(), *self.common.headers]
            if self.common.request_id:
                headers.append(("X-Request-ID", request_id))
        finally:
            reset(token)
            signals.request_finished.send(sender=SendFastPath)
        content = response.content
        headers.append(("Content-Length", str(len(content))))
        start_response("500 Internal Server Error", headers)
        return [content]

    # --- the send -----------------------------------------------------------------------------

    def _send(self, environ: dict[str, Any], raw: bytes) -> bytes | None:
        """The 202's body, or ``None``: Django answers (nothing was written)."""
        # ``connections[…]`` once (``django.db.connection`` looks it up on every attribute)
        db = connections[DEFAULT_DB_ALIAS]
        kept = db.connection is not None  # from an earlier request (see _run)
        if not _JSON_TYPE.fullmatch(environ.get("CONTENT_TYPE", "")):
            return None
        scheme, _, bearer = environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
        bearer = bearer.strip()[:MAX_CREDENTIAL]
        if scheme.lower() != "bearer" or not bearer.startswith(TOKEN_PREFIX):
            return None
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(payload, dict):
            return None
        try:
            template_id = _text(payload, "template_id", TEMPLATE_ID_MAX)
            to_user_id = _text(payload, "to_user_id", 64)
            data = payload.get("data")
            keywords = self.templates.get(template_id)
            if keywords is None:
                keywords = self._keywords(template_id)
                if keywords is None:
                    return None
            values = sending.clean_data(cast(MyTemplate, _Template(keywords)), data)
            page = sending.clean_page(payload.get("page", ""))
            key = sending.clean_idempotency_key(environ.get("HTTP_IDEMPOTENCY_KEY", "").strip())
        except SubscriptionError:
            return None
        now = timezone.now()
        uid = uuid.uuid4()
        params = {
            "token_hash": keys.keyed_hash(bearer),
            "now": now,
            "to": to_user_id,
            "template_id": template_id,
            "keywords": orjson.dumps(keywords).decode(),  # jsonb: compared, not kept as text
            "today": now.astimezone(UTC).date(),
            "limit": sending.DAILY_LIMIT,
            "uid": uid,
            "data": orjson.dumps(values).decode(),  # jsonb: stored as values, not as text
            "page": page,
            "key": key,
            "hash": sending._request_hash(template_id, to_user_id, values, page) if key else "",
        }
        row = self._execute(self.sql[bool(key)], params, kept=kept)
        if row is None:
            return None
        kind, day_count = row
        answer: dict[str, Any] = {
            "id": str(uid),
            "template_id": template_id,
            "to_user_id": to_user_id,
            "state": "queued",
            "attempts": 0,
            "created_at": _iso(now),
            "delivered_at": None,
            "last_status_code": None,
            "last_error": None,
            "duplicate": False,
        }
        if kind == "long_term":
            answer["quota"] = {
                "limit": sending.DAILY_LIMIT,
                "remaining": sending.DAILY_LIMIT - int(day_count),
                "resets_at": _iso(sending.next_utc_midnight(now)),
            }
        try:
            db.on_commit(delivery_ring)  # transaction.on_commit, on the connection at hand
        except Exception:  # the message is queued: the sweeper rings within a minute
            logger.exception("fast send: the delivery doorbell failed after the commit")
        return json.dumps(answer, ensure_ascii=False).encode()

    def _keywords(self, template_id: str) -> list[str] | None:
        """The template's keyword order (checked again by the statement), remembered."""
        keywords = (
            MyTemplate.objects.filter(template_id=template_id)
            .values_list("keywords", flat=True)
            .first()
        )
        if not isinstance(keywords, list):
            return None
        if len(self.templates) >= MAX_TEMPLATES:
            self.templates.clear()
        self.templates[template_id] = keywords
        return keywords

    def _execute(self, sql: str, params: dict[str, Any], *, kept: bool) -> tuple[str, int] | None:
        """Run the statement; ``None`` when it wrote nothing (a refusal, a replay, a race lost
        on the idempotency key: Django answers)."""
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:  # a test's: keep it usable
            try:
                with transaction.atomic():
                    return self._run(sql, params, kept=kept)
            except IntegrityError:
                return None
        try:
            return self._run(sql, params, kept=kept)
        except IntegrityError:
            return None

    def _run(self, sql: str, params: dict[str, Any], *, kept: bool) -> tuple[str, int] | None:
        """The statement, with no health check (Django's ``SELECT 1`` cost a round trip a
        send): on a connection kept from an earlier request that turns out dead (the server
        restarted or dropped it), the statement is run once more on a fresh connection with the
        same message id. The id is unique, so the two cannot both write: if the first did commit
        before its answer was lost, the second writes nothing (its insert fails, or its key's
        check finds the first) and the answer is built from the stored message
        (:meth:`_stored`). A failure on a connection opened for this request is not retried
        (``kept``: the connection was open when the request came)."""
        db = connections[DEFAULT_DB_ALIAS]
        db.ensure_connection()
        try:
            return self._statement(sql, params)
        except (OperationalError, InterfaceError):
            if not kept or db.in_atomic_block:
                raise
        logger.warning("fast send: the database connection was lost; once more on a new one")
        db.close()
        try:
            row = self._statement(sql, params)
        except IntegrityError:
            row = None
            if (stored := self._stored(params["uid"])) is None:
                raise
            return stored
        return row if row is not None else self._stored(params["uid"])

    def _statement(self, sql: str, params: dict[str, Any]) -> tuple[str, int] | None:
        """One execution, as a prepared statement on the connection (a server-side-binding
        cursor of psycopg: planned once per connection, not per send), with Django's error
        wrapping."""
        db = connections[DEFAULT_DB_ALIAS]
        db.ensure_connection()
        raw = db.connection  # prepared per the settings' prepare_threshold (base.py)
        with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None

    def _stored(self, uid: uuid.UUID) -> tuple[str, int] | None:
        """What the 202 needs of the message ``uid`` if it was written (the kind, and the
        subscription's count of the day as it is now), or ``None``."""
        message = (
            Message.objects.filter(uid=uid)
            .values_list("kind", "my_template_id", "open_user_id")
            .first()
        )
        if message is None:
            return None
        kind, template, user = message
        day_count = (
            Subscription.objects.filter(my_template_id=template, open_user_id=user)
            .values_list("day_count", flat=True)
            .first()
        )
        return kind, day_count or 0

    # --- headers ------------------------------------------------------------------------------

    def _language(self, environ: dict[str, Any]) -> str:
        """The ``Content-Language`` of ``LocaleMiddleware`` (no cookie on this path)."""
        accept = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        language = self.languages.get(accept)
        if language is None:
            if self._i18n_patterns is None:
                from django.conf.urls.i18n import is_language_prefix_patterns_used

                self._i18n_patterns = is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]
            language = translation.get_language_from_request(
                cast(HttpRequest, _Meta(environ)), check_path=self._i18n_patterns
            )
            if len(self.languages) >= MAX_LANGUAGES:
                self.languages.clear()
            self.languages[accept] = language
        return language


class _Sent(tuple):
    """The body; closing it ends the request for Django (``request_finished``)."""

    __slots__ = ()

    def close(self) -> None:
        signals.request_finished.send(sender=SendFastPath)


class _Meta:
    """The ``META`` (and no ``COOKIES``) of a request, for helpers that read only those."""

    __slots__ = ("COOKIES", "META", "path_info")

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ
        self.COOKIES: dict[str, str] = {}
        self.path_info = environ.get("PATH_INFO", "")


def send_dispatcher(application: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the WSGI application of ``releases.runtime.lean.wsgi_dispatcher``: ``POST
    /open/v1/messages`` to :class:`SendFastPath` (which hands what it does not answer to the
    full stack), everything else to ``application``."""
    full = application.full  # type: ignore[attr-defined]
    fast = SendFastPath(full, application.fast)  # type: ignore[attr-defined]

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "POST":
            return fast(environ, start_response)
        return application(environ, start_response)

    dispatch.lean = application.lean  # type: ignore[attr-defined]
    dispatch.fast = application.fast  # type: ignore[attr-defined]
    dispatch.full = full  # type: ignore[attr-defined]
    dispatch.send = fast  # type: ignore[attr-defined]
    return dispatch
