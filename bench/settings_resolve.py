"""Settings for the servers bench/resolve.py starts: production's, unchanged, plus one header.

``X-Bench-Worker`` names the process that answered, so the change-visibility check knows when
*every* gunicorn worker answers with the new revision (the bare app sends the same header).
Production's settings need ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``EMAIL_URL``: the script sets
throwaway ones (nothing is ever mailed), and sends ``X-Forwarded-Proto: https`` as the load
balancer would, so ``SECURE_SSL_REDIRECT`` stays on.
"""

import os

from console.settings.production import *  # noqa: F403
from console.settings.production import MIDDLEWARE

MIDDLEWARE = ["bench.settings_resolve.worker_header", *MIDDLEWARE]


def worker_header(get_response):
    """Add ``X-Bench-Worker: <pid>`` to every response (read per request: with ``--preload``
    the middleware is built in the master, before gunicorn forks the workers)."""

    def middleware(request):
        response = get_response(request)
        response["X-Bench-Worker"] = str(os.getpid())
        return response

    return middleware
