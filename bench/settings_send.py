"""Settings for the web servers and the Celery worker bench/send.py starts: production's,
unchanged.

Production's settings need ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``EMAIL_URL``: the script sets
throwaway ones (nothing is ever mailed) and sends ``X-Forwarded-Proto: https`` as the load
balancer would. The message endpoint it starts listens on plain HTTP on the loopback, so the
environment of the servers and the worker names ``WEBHOOK_ALLOW_HTTP_HOSTS=127.0.0.1`` (empty in
production).

``BENCH_SEND_FAST_PATH=0`` (``bench/send.py --no-fast-path``) turns the send's fast path off
(``miniprograms.subscriptions.fastsend``): every send through the full Django stack, to compare.
"""

import os

from console.settings.production import *  # noqa: F403

SUBSCRIPTION_SEND_FAST_PATH = os.environ.get("BENCH_SEND_FAST_PATH", "1") != "0"
