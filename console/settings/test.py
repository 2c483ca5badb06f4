"""Test settings: the base settings with fast hashing and a predictable environment."""

from .base import *  # noqa: F403

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
