"""WSGI entry point. ``/runtime/v1/resolve`` and ``/runtime/v1/keys`` take the runtime API's
lean path (``releases.runtime.lean``: their 200 and 304 answers from a plain WSGI callable,
``FastPath``, everything else through a Django handler with only the middleware an SDK answer
needs); every other path goes through Django's full stack."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.dev")
django_application = get_wsgi_application()  # sets Django up

from releases.runtime.lean import wsgi_dispatcher  # noqa: E402 (needs Django set up)

application = wsgi_dispatcher(django_application)
