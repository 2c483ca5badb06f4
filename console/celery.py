"""The Celery application. Settings come from Django's (``CELERY_*``), see console/settings."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.dev")

app = Celery("mpp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Workers log through Django's LOGGING (the request id on every line) instead of letting Celery
# replace the root handlers with its own format, which would drop the request id.
@setup_logging.connect
def _use_django_logging(**_kwargs):
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# Carry the request id from the web request that queued a task into the worker's log lines.
@before_task_publish.connect
def _stamp_request_id(headers=None, **_kwargs):
    from console import context

    if headers is not None and "mpp_request_id" not in headers:
        headers["mpp_request_id"] = context.current_request_id()


_tokens: dict[str, object] = {}


@task_prerun.connect
def _bind_request_id(task_id=None, task=None, **_kwargs):
    from console import context

    request_id = getattr(task.request, "mpp_request_id", None) or f"task-{task_id}"
    _tokens[task_id] = context.bind(request_id=context.clean_request_id(request_id))


@task_postrun.connect
def _unbind_request_id(task_id=None, **_kwargs):
    from console import context

    token = _tokens.pop(task_id, None)
    if token is not None:
        context.reset(token)
