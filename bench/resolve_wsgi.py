"""What bench/resolve.py serves as the real endpoint: ``console.wsgi.application``, as production
serves it, with one header added on the way out: ``X-Bench-Worker: <pid>`` names the process
that answered, so the change-visibility check knows when *every* server process answers with
the new revision (the bare app sends the same header).

A WSGI wrapper rather than a middleware: a middleware the runtime's fast path does not know
turns the fast path off (``releases.runtime.lean.FastPath``), and the benchmark must measure
the production path.

    DJANGO_SETTINGS_MODULE=bench.settings_resolve .venv/bin/granian --interface wsgi \
        bench.resolve_wsgi:application
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from console.wsgi import application as console_application


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    worker = ("X-Bench-Worker", str(os.getpid()))  # per request: workers fork after import

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        headers.append(worker)
        return start_response(status, headers, exc_info)

    return console_application(environ, start)
