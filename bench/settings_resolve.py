"""Settings for the servers bench/resolve.py starts: production's, unchanged.

Production's settings need ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``EMAIL_URL``: the script sets
throwaway ones (nothing is ever mailed), and sends ``X-Forwarded-Proto: https`` as the load
balancer would, so ``SECURE_SSL_REDIRECT`` stays on. The ``X-Bench-Worker`` header naming the
process that answered is added by ``bench/resolve_wsgi.py`` (a WSGI wrapper: a middleware would
turn the runtime's fast path off).
"""

from console.settings.production import *  # noqa: F403
