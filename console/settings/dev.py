"""The embedded default used by ``make run``: DEBUG on, SQLite, in-process tasks."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# The product's 404 page rather than Django's debug list of URL patterns (console/views.py).
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "console.views.DevelopmentNotFoundMiddleware",
)

# Webhooks to a receiver on this machine (plain HTTP, loopback) are fine while developing.
WEBHOOK_ALLOW_HTTP_HOSTS = env.list("WEBHOOK_ALLOW_HTTP_HOSTS", default=["127.0.0.1", "localhost"])
