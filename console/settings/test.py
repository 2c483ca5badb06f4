"""Test settings: the base settings with fast hashing and a predictable environment."""

import os
import re

# pytest-xdist: each worker process (PYTEST_XDIST_WORKER=gw0, gw1, …) gets Redis databases of
# its own — REDIS_URL's database number plus the worker's index — so one worker's FLUSHDB or
# Celery queues never touch another's. Worker 0 keeps the configured number; a serial run too.
# Done once: a process the test starts inherits the environment, the shifted URL and the mark.
# CI runs two workers (Makefile): databases 1–2 here, 5–6 and 7–8 for the suites with their own.
XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
if XDIST_INDEX and os.environ.get("REDIS_URL") and not os.environ.get("MPP_XDIST_REDIS"):
    os.environ["REDIS_URL"] = re.sub(
        r"/(\d+)$", lambda m: f"/{int(m.group(1)) + XDIST_INDEX}", os.environ["REDIS_URL"]
    )
    os.environ["MPP_XDIST_REDIS"] = "1"

from .base import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the worker tests switch this off and use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405
# Webhook tests post to a real HTTP server on 127.0.0.1 (workspaces/tests/test_webhooks*.py).
WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1", "localhost"]
# Subscription messages: tests drive delivery by calling it (a test switches this on to check
# the ring).
SUBSCRIPTION_DELIVERY_IN_PROCESS = "off"
# seed_demo without its 30 days of analytics (tests of the demo analytics switch it on).
DEMO_ANALYTICS = False
