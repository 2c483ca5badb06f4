"""The process's environment kept out of each request's WSGI environ.

The web server (Granian, see the Dockerfile) starts every request's environ from a copy of the
process environment (``dict(os.environ) | scope`` in ``granian/wsgi.py``), which PEP 3333 allows
but which puts ``SECRET_KEY``, ``DATABASE_URL``, ``EMAIL_URL`` (with its password) and the
``S3_*`` keys into ``request.META``: into Django's error reports (mailed to the admins; their
filter hides names with ``KEY``, ``SECRET``, ``PASS``, ``TOKEN``… but not ``DATABASE_URL`` or
``EMAIL_URL``) and into anything that lists the headers. :func:`without_process_environment`
removes those names before Django (or a fast path) sees the environ. A name that a server sets
for the request (``HTTP_*``, ``CONTENT_*``, ``REQUEST_METHOD``, ``PATH_INFO``, ``wsgi.*``…) is
never removed, so a request's own values are untouched, whatever the process environment
holds.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

# What a WSGI server writes for the request itself (PEP 3333 and CGI, RFC 3875).
REQUEST_NAMES = re.compile(
    r"(HTTP|CONTENT|REQUEST|SERVER|REMOTE|AUTH|GATEWAY|HTTPS|SSL)_.*|wsgi\..*|"
    r"PATH_INFO|PATH_TRANSLATED|QUERY_STRING|SCRIPT_NAME|HTTPS"
)


def process_names(environment: Iterable[str] | None = None) -> tuple[str, ...]:
    """The names of ``environment`` (the process environment) that are not request names."""
    names = os.environ if environment is None else environment
    return tuple(sorted(name for name in names if not REQUEST_NAMES.fullmatch(name)))


def without_process_environment(
    application: Callable[..., Any], environment: Iterable[str] | None = None
) -> Callable[..., Any]:
    """``application`` with the names of the process environment (read now) removed from each
    environ; the wrapper keeps ``application``'s attributes (the fast paths' handles)."""
    names = process_names(environment)

    def strip(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        pop = environ.pop
        for name in names:
            pop(name, None)
        return application(environ, start_response)

    return functools.update_wrapper(strip, application, assigned=("__doc__",))
