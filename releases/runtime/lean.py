"""The runtime API's lean path (issue 11, performance): ``console.wsgi`` and ``console.asgi``
send ``POST /runtime/v1/resolve`` and ``GET /runtime/v1/keys`` to a Django handler of their
own, which runs only the middleware an SDK answer needs.

Every other path (the console, ``/api/``, the runtime's artifact and logo downloads) keeps the
full stack. The lean handler is a ``WSGIHandler``/``ASGIHandler``: ``request_started`` /
``request_finished`` (database connections closed or reused as usual), ``django.request``
logging of 4xx/5xx and the script prefix work as everywhere else. Its middleware is
``settings.MIDDLEWARE`` without ``SKIPPED`` — the request id (``X-Request-ID``, bound for the
logs), Django's ``SecurityMiddleware`` (HTTPS redirect, HSTS, ``nosniff``, referrer policy),
the policy headers, ``CommonMiddleware`` (allowed hosts) and ``X-Frame-Options`` stay; the
session, locale, CSRF (the views are exempt), user, OTP, time zone, messages, axes and static
files middleware, which the SDK's calls never use, are skipped (over a third of a request's
time). The view is found by its exact path (no URL resolving). A view that raises is logged
like Django logs it (``django.request``, ``got_request_exception``) and answered with the
runtime's signed JSON error carrying the request id.

On WSGI, ``FastPath`` goes one step further for the ordinary answers (200 and 304): a plain
WSGI callable with the same view logic (``views.resolve_answer``) and the same headers, which
hands every other case to this handler (see ``FastPath``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

from console.clientip import client_ip
from console.context import bind, clean_request_id, reset
from releases.runtime import views

logger = logging.getLogger("django.request")

# Middleware the runtime API never needs: its callers have no session, cookie, user or locale.
SKIPPED = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "console.middleware.UserTimezoneMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)
# path (after the script prefix) → view
VIEWS: dict[str, Callable[[HttpRequest], HttpResponseBase]] = {
    "/runtime/v1/resolve": views.resolve,
    "/runtime/v1/keys": views.keys,
}


def lean_middleware() -> list[str]:
    return [path for path in settings.MIDDLEWARE if path not in SKIPPED]


class _Lean(BaseHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        """``BaseHandler.load_middleware`` over ``lean_middleware()`` (all sync-capable: the
        chain is built synchronous and adapted once at the top for ASGI)."""
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(lean_middleware()):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):  # none of the kept ones has these hooks today
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = self.adapt_method_mode(is_async, handler, False)

    def _get_response(self, request: HttpRequest) -> HttpResponseBase:
        view = VIEWS.get(request.path_info)
        if view is None:  # e.g. FORCE_SCRIPT_NAME: resolve as the full stack would
            return super()._get_response(request)  # type: ignore[misc]
        try:
            for process_view in self._view_middleware:
                response = process_view(request, view, (), {})
                if response is not None:
                    return response
            return view(request)
        except Exception as exc:
            if settings.DEBUG_PROPAGATE_EXCEPTIONS:
                raise
            for process_exception in self._exception_middleware:
                response = process_exception(request, exc)
                if response is not None:
                    return response
            signals.got_request_exception.send(sender=None, request=request)
            logger.error(
                "Internal Server Error: %s",
                request.path,
                exc_info=True,
                extra={"status_code": 500, "request": request},
            )
            response = views.server_error()
            response._has_been_logged = True  # type: ignore[attr-defined]
            return response


class RuntimeWSGIHandler(_Lean, WSGIHandler):
    pass


class RuntimeASGIHandler(_Lean, ASGIHandler):
    pass


# --- the WSGI fast path ---------------------------------------------------------------------------
# The kept middleware, whose effect on a runtime answer the fast path reproduces (any other one
# in ``settings.MIDDLEWARE`` outside ``SKIPPED`` turns the fast path off: Django runs it all).
FAST_MIDDLEWARE = frozenset(
    {
        "console.middleware.RequestIDMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "console.middleware.SecurityHeadersMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        # Development settings only; it changes 404 answers, which these two views never give.
        "console.views.DevelopmentNotFoundMiddleware",
    }
)
# view → its plain answer (``views.resolve_answer``): the fast path calls the answer directly.
ANSWERS: dict[Callable[..., Any], Callable[..., views.Answer]] = {
    views.resolve: views.resolve_answer,
    views.keys: views.keys_answer,
}
STATUS = {200: "200 OK", 304: "304 Not Modified", 500: "500 Internal Server Error"}
MAX_HOSTS = 64  # Host header values remembered as allowed


class FastPath:
    """The runtime's two lean paths as a plain WSGI callable, without Django's request and
    response objects or handler (issue 11's throughput target).

    It answers only the ordinary case, a 200 or 304 to a well-formed request: an allowed
    ``Host``, HTTPS when ``SECURE_SSL_REDIRECT`` asks for it, the runtime's own view. Its
    answers carry what the lean handler's middleware would add — the request id (bound for the
    logs, as ``RequestIDMiddleware`` does), HSTS, ``nosniff``, the referrer and opener policies,
    the CSP and ``Permissions-Policy``, ``X-Frame-Options``, ``Content-Length`` — computed once
    from the settings; ``request_started`` / ``request_finished`` are sent as Django sends them
    (connections closed or reused as usual). Everything else — another host, a plain-HTTP
    request to redirect, any refusal (401, 403, 4xx), a view replaced for a test — is handed to
    the lean Django handler, with the body already read, so errors, redirects and their
    ``django.request`` log lines stay Django's. The answers computed before a refusal change
    nothing, so answering twice is safe. A crash is logged as Django logs it and answered with
    the signed JSON ``server_error``.
    """

    def __init__(self, lean: RuntimeWSGIHandler) -> None:
        from console.middleware import PERMISSIONS_POLICY, content_security_policy

        self.lean = lean
        kept = set(lean_middleware())
        self.enabled = (
            kept <= FAST_MIDDLEWARE
            and not settings.DISALLOWED_USER_AGENTS
            and not settings.PREPEND_WWW
            and not settings.FORCE_SCRIPT_NAME
        )
        headers: list[tuple[str, str]] = []
        if "console.middleware.SecurityHeadersMiddleware" in kept:
            headers += [
                ("Content-Security-Policy", content_security_policy(nonce=None)),
                ("Permissions-Policy", PERMISSIONS_POLICY),
            ]
        if "django.middleware.security.SecurityMiddleware" in kept:
            if settings.SECURE_CONTENT_TYPE_NOSNIFF:
                headers.append(("X-Content-Type-Options", "nosniff"))
            policy = settings.SECURE_REFERRER_POLICY
            if policy:
                headers.append(
                    (
                        "Referrer-Policy",
                        ",".join(
                            [v.strip() for v in policy.split(",")]
                            if isinstance(policy, str)
                            else policy
                        ),
                    )
                )
            if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
                headers.append(
                    ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
                )
            self.hsts = ""
            if settings.SECURE_HSTS_SECONDS:
                self.hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
                if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                    self.hsts += "; includeSubDomains"
                if settings.SECURE_HSTS_PRELOAD:
                    self.hsts += "; preload"
            self.redirect = bool(settings.SECURE_SSL_REDIRECT)
        else:
            self.hsts, self.redirect = "", False
        if "django.middleware.clickjacking.XFrameOptionsMiddleware" in kept:
            headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS.upper()))
        self.headers = headers
        self.request_id = "console.middleware.RequestIDMiddleware" in kept
        self.proxy_ssl = settings.SECURE_PROXY_SSL_HEADER
        self.hosts: dict[str, bool] = {}

    def _host_allowed(self, environ: dict[str, Any]) -> bool:
        """``request.get_host()``'s check, remembered per Host value."""
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if "HTTP_X_FORWARDED_HOST" in environ and settings.USE_X_FORWARDED_HOST:
            return False  # rare: let Django read it
        allowed = self.hosts.get(host)
        if allowed is None:
            domain, _port = split_domain_port(host)
            hosts = settings.ALLOWED_HOSTS
            if settings.DEBUG and not hosts:
                hosts = [".localhost", "127.0.0.1", "[::1]"]
            allowed = bool(domain) and validate_host(domain, hosts)
            if len(self.hosts) >= MAX_HOSTS:
                self.hosts.clear()
            self.hosts[host] = allowed
        return allowed

    def _secure(self, environ: dict[str, Any]) -> bool:
        """``request.is_secure()``."""
        if self.proxy_ssl:
            header, secure_value = self.proxy_ssl
            value = environ.get(header)
            if value is not None:
                return value.split(",", 1)[0].strip() == secure_value
        return environ.get("wsgi.url_scheme") == "https"

    def __call__(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        answer_of: Callable[..., views.Answer],
    ) -> Any:
        if not self._host_allowed(environ):
            return self.lean(environ, start_response)
        secure = self._secure(environ)
        if self.redirect and not secure:
            return self.lean(environ, start_response)
        signals.request_started.send(sender=FastPath, environ=environ)
        try:
            return self._answer(environ, start_response, answer_of, secure)
        except BaseException:
            signals.request_finished.send(sender=FastPath)
            raise

    def _answer(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        answer_of: Callable[..., views.Answer],
        secure: bool,
    ) -> Any:
        request_id = clean_request_id(environ.get("HTTP_X_REQUEST_ID")) if self.request_id else None
        token = bind(request_id=request_id, ip=client_ip(_Meta(environ))) if request_id else None
        read: list[bytes] = []

        def body() -> bytes:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            data = environ["wsgi.input"].read(length) if length > 0 else b""
            read.append(data)
            return data

        try:
            status, headers, content = answer_of(environ["REQUEST_METHOD"].upper(), environ, body)
        except Exception:  # noqa: BLE001 - logged as Django logs it, answered in JSON
            status, headers, content = self._crashed(environ)
            crashed = True
        else:
            crashed = False
        finally:
            if token is not None:
                reset(token)
        if status not in (200, 304) and not crashed:  # a refusal: Django answers it again
            signals.request_finished.send(sender=FastPath)
            if read:
                environ["wsgi.input"] = io.BytesIO(read[0])
            return self.lean(environ, start_response)
        headers.extend(self.headers)
        if secure and self.hsts:
            headers.append(("Strict-Transport-Security", self.hsts))
        headers.append(("Content-Length", str(len(content))))
        if request_id is not None:
            headers.append(("X-Request-ID", request_id))
        start_response(STATUS[status], headers)
        return _Sent((content,))

    def _crashed(self, environ: dict[str, Any]) -> views.Answer:
        """Log as Django does (``django.request``, ``got_request_exception``) and answer the
        signed JSON ``server_error`` (its request id is still bound)."""
        if settings.DEBUG_PROPAGATE_EXCEPTIONS:
            raise
        request = self.lean.request_class(environ)
        signals.got_request_exception.send(sender=None, request=request)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )
        return views.server_error_answer()


class _Sent(tuple):
    """The body; the server closes it once sent, which ends the request for Django
    (``request_finished``), as it does for a Django response."""

    __slots__ = ()

    def close(self) -> None:
        signals.request_finished.send(sender=FastPath)


class _Meta:
    """What ``console.clientip.client_ip`` reads of a request: its ``META``."""

    __slots__ = ("META",)

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ


def wsgi_dispatcher(full: Callable[..., Any]) -> Callable[..., Any]:
    """The WSGI application: the runtime's lean paths to ``FastPath`` (or, when it cannot
    answer, ``RuntimeWSGIHandler``), all else to ``full`` (the console's ``WSGIHandler``)."""
    lean = RuntimeWSGIHandler()
    fast = FastPath(lean)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        view = VIEWS.get(environ.get("PATH_INFO", ""))
        if view is None:
            return full(environ, start_response)
        answer_of = ANSWERS.get(view) if fast.enabled else None
        if answer_of is None or environ.get("SCRIPT_NAME"):
            return lean(environ, start_response)
        return fast(environ, start_response, answer_of)

    application.lean = lean  # type: ignore[attr-defined]
    application.fast = fast  # type: ignore[attr-defined]
    application.full = full  # type: ignore[attr-defined]
    return application


def asgi_dispatcher(full: Callable[..., Any]) -> Callable[..., Any]:
    """The ASGI application, dispatching like ``wsgi_dispatcher``."""
    lean = RuntimeASGIHandler()

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") == "http":
            path, root = scope.get("path", ""), scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            if path in VIEWS:
                return await lean(scope, receive, send)
        return await full(scope, receive, send)

    application.lean = lean  # type: ignore[attr-defined]
    application.full = full  # type: ignore[attr-defined]
    return application
