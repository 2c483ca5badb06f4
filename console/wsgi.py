"""WSGI entry point (served by Granian in the Docker image). ``/runtime/v1/resolve`` and
``/runtime/v1/keys`` take the runtime API's lean path (``releases.runtime.lean``: their 200 and
304 answers from a plain WSGI callable, ``FastPath``, everything else through a Django handler
with only the middleware an SDK answer needs); ``POST /open/v1/messages`` answers its ordinary
202 from a plain WSGI callable too (``miniprograms.subscriptions.fastsend``, everything else
through the full stack); every other path goes through Django's full stack. The process
environment, which Granian copies into every request's environ, is removed first
(``console.wsgienv``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.dev")
django_application = get_wsgi_application()  # sets Django up

from console.wsgienv import without_process_environment  # noqa: E402
from miniprograms.subscriptions.fastsend import send_dispatcher  # noqa: E402
from releases.runtime.lean import wsgi_dispatcher  # noqa: E402 (needs Django set up)

application = without_process_environment(send_dispatcher(wsgi_dispatcher(django_application)))
