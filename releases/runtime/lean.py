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
"""

from __future__ import annotations

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
from django.http.response import HttpResponseBase
from django.utils.module_loading import import_string

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


def wsgi_dispatcher(full: Callable[..., Any]) -> Callable[..., Any]:
    """The WSGI application: the runtime's lean paths to ``RuntimeWSGIHandler``, all else to
    ``full`` (the console's ``WSGIHandler``)."""
    lean = RuntimeWSGIHandler()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") in VIEWS:
            return lean(environ, start_response)
        return full(environ, start_response)

    application.lean = lean  # type: ignore[attr-defined]
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
