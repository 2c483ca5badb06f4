"""Production: refuses to start without a real SECRET_KEY, host names and a way to send email;
sign-up is closed unless turned on; every ``check --deploy`` item on."""

import base64
import binascii

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEV_SECRET_KEY, env

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
DEBUG = False
MPP_ENVIRONMENT = "production"
# The runtime API signs every answer; SDKs pin its public key, so it must not follow SECRET_KEY.
RUNTIME_SIGNING_KEY = env.str("RUNTIME_SIGNING_KEY", default="")
try:
    _signing_key_length = len(base64.b64decode(RUNTIME_SIGNING_KEY, validate=True))
except (binascii.Error, ValueError):
    _signing_key_length = 0
if _signing_key_length != 32:
    raise ImproperlyConfigured(
        "RUNTIME_SIGNING_KEY must be set in production to 32 random bytes in base64, e.g. "
        "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
    )
if not env.list("ALLOWED_HOSTS", default=[]):
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the console answers on.")

# Email carries password-reset and invitation links: production sends it through SMTP. A
# backend that prints (consolemail), files (filemail), keeps (memorymail) or drops (dummymail)
# messages puts those links in logs or nowhere, so it needs ALLOW_UNSENT_EMAIL=true as well.
if not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "EMAIL_URL must be set in production, e.g. smtp+tls://user:password@smtp.example.com:587 "
        "(password-reset and invitation emails are sent through it)."
    )
if EMAIL_BACKEND != SMTP_BACKEND and not env.bool("ALLOW_UNSENT_EMAIL", default=False):  # noqa: F405
    raise ImproperlyConfigured(
        f"EMAIL_URL={env.str('EMAIL_URL').split(':', 1)[0]}:// does not send email: password-reset "
        "and invitation links would only be printed, filed or dropped. Use an smtp:// URL, or "
        "also set ALLOW_UNSENT_EMAIL=true if this deployment is not meant to send email."
    )

# Self-service sign-up is off unless the operator opens it (base: on, for development).
MPP_ALLOW_SIGNUP = env.bool("ALLOW_SIGNUP", default=False)

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is an opt-in decision for the operator's domain, not a code default.
    "security.W021",
]
