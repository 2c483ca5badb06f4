"""WSGI entry point. ``/runtime/v1/resolve`` and ``/runtime/v1/keys`` take the runtime API's
lean path (``releases.runtime.lean``: their 200 and 304 answers from a plain WSGI callable,
``FastPath``, everything else through a Django handler with only the middleware an SDK answer
needs); ``POST /open/v1/messages`` answers its ordinary 202 from a plain WSGI callable too
(``miniprograms.subscriptions.fastsend``, everything else through the full stack); every other
path goes through Django's full stack."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.dev")
django_application = get_wsgi_application()  # sets Django up

from miniprograms.subscriptions.fastsend import send_dispatcher  # noqa: E402
from releases.runtime.lean import wsgi_dispatcher  # noqa: E402 (needs Django set up)

application = send_dispatcher(wsgi_dispatcher(django_application))
