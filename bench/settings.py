"""Settings for the server bench/upload.py starts: the base (production-like) settings, with
tasks published to an in-memory broker instead of run inside the web process, so an upload
request measures the upload alone (nobody consumes: the scan is bench/scan.py's subject)."""

from console.settings.base import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"
