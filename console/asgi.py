"""ASGI entry point, dispatching like ``console.wsgi`` (``releases.runtime.lean``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.dev")
django_application = get_asgi_application()  # sets Django up

from releases.runtime.lean import asgi_dispatcher  # noqa: E402 (needs Django set up)

application = asgi_dispatcher(django_application)
