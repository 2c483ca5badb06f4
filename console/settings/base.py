"""Settings shared by every environment, read from the environment (12-factor).

Nothing here needs a running service: without ``DATABASE_URL`` the console uses SQLite under
``var/``; without ``REDIS_URL`` tasks run in-process and the cache is local memory; without
``S3_BUCKET`` packages are stored under ``var/media``. See the configuration table in README.md.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A development-only key: production.py refuses to start without SECRET_KEY in the environment.
DEV_SECRET_KEY = "django-insecure-mpp-development-only-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
MPP_ENVIRONMENT = "development"  # production.py says "production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Pepper for the keyed fast hash of API tokens and secrets (HMAC-SHA256). Separate from
# SECRET_KEY so rotating session signing does not invalidate every issued token.
HASH_PEPPER = env.str(
    "HASH_PEPPER", default=hashlib.sha256(f"mpp-pepper:{SECRET_KEY}".encode()).hexdigest()
)
# The Ed25519 key the runtime API signs its answers with: 32 random bytes in base64. Required
# in production; elsewhere derived from SECRET_KEY (releases/runtime/signing.py).
RUNTIME_SIGNING_KEY = env.str("RUNTIME_SIGNING_KEY", default="")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "console.admin_site.ConsoleAdminConfig",  # the admin behind the console sign-in (2FA)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "console",
    "workspaces",
    "miniprograms",
    "releases",
    "analytics",
]

MIDDLEWARE = [
    "console.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CSP, Permissions-Policy, private Cache-Control; after WhiteNoise so static files skip it.
    "console.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "console.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"
ASGI_APPLICATION = "console.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.shell",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'mpp.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not DATABASES[
    "default"
].get("DISABLE_SERVER_SIDE_CURSORS"):
    # Django's default (None) turns psycopg's preparing off, which also ignores prepare=True:
    # the send's fast path statement was parsed and planned on every send. Django's own cursors
    # bind on the client and are never prepared, so a threshold they cannot reach prepares only
    # the statements that ask for it. Not behind a pooler in transaction mode (Django's sign of
    # one: DISABLE_SERVER_SIDE_CURSORS).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**62)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery (Redis when configured, in-process otherwise) ------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mpp",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None  # the database is the ledger; results are never read back
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Above the slowest task's hard limit, so Redis never re-delivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "console.send_email": {"queue": "notifications"},
    # The outbox's deliveries (emails, file clean-up): beside email, never behind a scan.
    "console.outbox_deliver": {"queue": "notifications"},
    # Scans and builds are CPU- and I/O-heavy: their own queue, so a deployment can give them
    # their own workers (`-Q packages`) without delaying email or housekeeping.
    "releases.run_job": {"queue": "packages"},
    # Subscription messages to the host apps' endpoints: beside email, never behind a scan.
    "miniprograms.deliver_messages": {"queue": "notifications"},
}
# Every queue a worker must consume somewhere (Makefile, docker-compose, the test worker).
CELERY_QUEUES_ALL = ("default", "notifications", "packages")
CELERY_TIMEZONE = "UTC"
# The package pipeline's job lease (releases/package/jobs.py): a running job whose worker stopped
# extending it for this long is taken over by the sweeper. Read when a job is claimed.
PACKAGE_JOB_LEASE_SECONDS = env.int("PACKAGE_JOB_LEASE_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "console.clear_expired_sessions",
        "schedule": timedelta(hours=24),
    },
    # The package pipeline's ledger: re-ring stuck jobs, give up on lost ones
    # (releases/package/jobs.py).
    "releases-sweep-jobs": {
        "task": "releases.sweep_jobs",
        "schedule": timedelta(minutes=1),
    },
    # The outbox of after-commit side effects (emails, file clean-up): see console/outbox.py.
    "console-sweep-outbox": {
        "task": "console.sweep_outbox",
        "schedule": timedelta(minutes=1),
    },
    # Webhook deliveries: fail those stuck pending, forget those past 30 days.
    "workspaces-sweep-webhooks": {
        "task": "workspaces.sweep_webhooks",
        "schedule": timedelta(hours=1),
    },
    # Grayscale tasks: start on their start time, end on their end time or user limit, advance
    # staged schedules (releases/grayscale/services.py; a re-run changes nothing).
    "releases-grayscale-tick": {
        "task": "releases.grayscale_tick",
        "schedule": timedelta(minutes=1),
    },
    # OAuth: forget authCodes and accessTokens expired over a day ago (miniprograms/secrets).
    "miniprograms-oauth-purge": {
        "task": "miniprograms.oauth_purge",
        "schedule": timedelta(hours=1),
    },
    # Analytics (analytics/stream.py): write the SDK events stream to the database (each run
    # stops after ANALYTICS_DRAIN_SECONDS; a run still queued when the next is due is dropped).
    "analytics-drain-stream": {
        "task": "analytics.drain_stream",
        "schedule": timedelta(seconds=5),
        "options": {"expires": 5},
    },
    # The raw events' daily partitions: days ahead created, days past 3 dropped.
    "analytics-partitions-ensure": {
        "task": "analytics.partitions_ensure",
        "schedule": timedelta(hours=1),
    },
    "analytics-partitions-drop": {
        "task": "analytics.partitions_drop",
        "schedule": timedelta(hours=1),
    },
    # The T+1 rollups (analytics/rollups.py): yesterday, and the day before again (late
    # events), after midnight UTC; rollup rows past 90 days deleted.
    "analytics-rollup-nightly": {
        "task": "analytics.rollup_nightly",
        "schedule": crontab(hour=0, minute=20),
    },
    "analytics-rollup-retention": {
        "task": "analytics.rollup_retention",
        "schedule": crontab(hour=0, minute=50),
    },
    # Alerts (analytics/alerts/evaluate.py): the rules over the last 30 minutes of events.
    "analytics-alerts-evaluate": {
        "task": "analytics.alerts_evaluate",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    # Guardrails (analytics/guardrails/services.py): every delivering grayscale task's cohort
    # against the online version over the last 30 minutes; a worse cohort suspends its task.
    "analytics-guardrails-check": {
        "task": "analytics.guardrails_check",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    # Subscription messages: ring for due deliveries (lost rings, retries), forget those past
    # 30 days (miniprograms/subscriptions/delivery.py).
    "miniprograms-sweep-messages": {
        "task": "miniprograms.sweep_messages",
        "schedule": timedelta(minutes=1),
    },
}
# The SDK events stream (analytics/stream.py): its Redis key; past this many queued requests
# (of up to 500 events each) the endpoint answers 429 with Retry-After; a drain's run time;
# how long an entry may stay pending with a dead drain before another takes it over.
ANALYTICS_STREAM = env.str("ANALYTICS_STREAM", default="mpp:analytics:events")
ANALYTICS_STREAM_MAX_LENGTH = env.int("ANALYTICS_STREAM_MAX_LENGTH", default=2000)
ANALYTICS_DRAIN_SECONDS = env.float("ANALYTICS_DRAIN_SECONDS", default=4.0)
ANALYTICS_CLAIM_IDLE_SECONDS = env.int("ANALYTICS_CLAIM_IDLE_SECONDS", default=60)
# ``seed_demo`` adds 30 days of demo analytics (``analytics_demo``) unless this is off.
DEMO_ANALYTICS = env.bool("MPP_DEMO_ANALYTICS", default=True)
# Task modules outside an app's ``tasks.py`` (autodiscovery finds only those).
CELERY_IMPORTS = (
    "analytics.alerts.tasks",
    "analytics.guardrails.tasks",
    "releases.grayscale.tasks",
    "miniprograms.secrets.tasks",
    "miniprograms.subscriptions.tasks",
)
# Webhooks (workspaces/webhook_transport.py): hosts that may be called over plain HTTP and at
# private addresses (none in production), and the timeout of one delivery attempt.
WEBHOOK_ALLOW_HTTP_HOSTS = env.list("WEBHOOK_ALLOW_HTTP_HOSTS", default=[])
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Subscription messages (miniprograms/subscriptions/delivery.py): the timeout of one delivery
# attempt, and how the embedded default (no Redis, no worker) delivers: "thread" (a background
# thread of the web process), "inline" (right after the send's commit) or "off".
SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS = env.float(
    "SUBSCRIPTION_DELIVERY_TIMEOUT_SECONDS", default=5.0
)
SUBSCRIPTION_DELIVERY_IN_PROCESS = env.str("SUBSCRIPTION_DELIVERY_IN_PROCESS", default="thread")

# --- Storage --------------------------------------------------------------------------------
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

# A private bucket: objects carry no ACL (buckets with ACLs disabled, the AWS default since
# 2023, refuse any ACL header) and are read only through presigned URLs (Signature Version 4:
# S3 no longer accepts version 2 on new buckets) valid five minutes. An opened object spools to
# a temporary file above 8 MB (django-storages' default would keep a whole 95 MB package in the
# worker's memory). Keys are generated and never overwritten.
S3_STORAGE_OPTIONS: dict[str, Any] = {
    "default_acl": None,
    "querystring_auth": True,
    "querystring_expire": 300,
    "signature_version": "s3v4",
    "file_overwrite": False,
    "max_memory_size": 8 * 1024 * 1024,
}
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "console.storage.S3Storage",  # transfers that keep little in memory
        "OPTIONS": {
            **S3_STORAGE_OPTIONS,
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Email ----------------------------------------------------------------------------------
# Empty counts as unset (production.py then refuses to start: it needs a real one).
EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MPP <no-reply@mpp.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts, sign-in, 2FA, throttling -----------------------------------------------------
AUTH_USER_MODEL = "workspaces.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # three hours
# Self-service sign-up (/welcome/signup/). Off: people join only through an invitation.
MPP_ALLOW_SIGNUP = env.bool("ALLOW_SIGNUP", default=True)

# 5 failed sign-ins per 15 minutes lock the account and, separately, the client IP.
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "workspaces.services.accounts.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = True

# --- Client IP behind proxies, abuse limits, sign-up links ------------------------------------
# The client IP (sign-in lockout, audit, API tokens) is the right-most untrusted hop of
# X-Forwarded-For + REMOTE_ADDR (console/clientip.py). Default: trust no proxy (REMOTE_ADDR).
MPP_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MPP_TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])  # addresses or CIDR networks
AXES_CLIENT_IP_CALLABLE = "console.clientip.client_ip"
# Workspaces one user may create per hour (console, API, developer workspaces), counted in the
# database so the limit holds across processes.
MPP_WORKSPACE_CREATE_PER_HOUR = env.int("WORKSPACE_CREATE_PER_HOUR", default=10)
# How long the link of a sign-up confirmation email works.
MPP_SIGNUP_LINK_MAX_AGE = 60 * 60 * env.int("SIGNUP_LINK_HOURS", default=24)
# API writes (POST/PUT/PATCH/DELETE) per user, counted in the cache (Redis in production):
# console.throttles.WriteRateThrottle, in REST_FRAMEWORK below. Empty: no write throttle.
MPP_API_WRITE_RATE = env.str("API_WRITE_RATE", default="300/minute") or None
# ---------------------------------------------------------------------------------------------

OTP_TOTP_ISSUER = "MPP"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
MPP_RECOVERY_CODE_COUNT = 10

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_HTTPONLY = False  # the upload page's JS reads it for XHR posts

# django-guardian: there is no anonymous user with object permissions in MPP.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# Rows per page of every list, console and API (console/paging.py).
PAGE_SIZE = 50

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workspaces.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "console.api.Pagination",
    "PAGE_SIZE": PAGE_SIZE,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "console.drf.JSONParser",  # a too-deeply nested body is a 400
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "console.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "console.drf.Metadata",  # OPTIONS never introspects a view
    "DEFAULT_SCHEMA_CLASS": "console.api_schema.AutoSchema",  # documents the plumbing's errors
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["console.throttles.WriteRateThrottle"],  # MPP_API_WRITE_RATE
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MPP API",
    "DESCRIPTION": (
        "The Mini Program Platform REST API. Authenticate with a personal API token: "
        "`Authorization: Bearer <token>`. Errors have one shape: "
        '`{"error": {"code", "message", "request_id", "fields"}}`. In form-encoded and '
        "multipart bodies an empty optional field counts as not sent, as in an HTML form; in "
        "JSON bodies and query strings an empty value is validated like any other. A JSON "
        "number sent for a text field is read as its decimal text, and 0/1 as false/true."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The runtime API (plain Django views for the SDK) is added to the document by a hook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "releases.runtime.schema.add_runtime_paths",
        "miniprograms.secrets.schema.add_oauth_paths",  # /oauth/v1/… (plain Django views)
        "analytics.schema.add_events_path",  # POST /runtime/v1/events (a plain Django view)
        # /runtime/v1/subscription… and /open/v1/messages (plain Django views)
        "miniprograms.subscriptions.schema.add_subscription_paths",
    ],
    # Several serializers share field names ("status", "role", "kind") with different choice
    # sets; name each set once so the schema has no ambiguous enum names.
    "ENUM_NAME_OVERRIDES": {
        "WorkspaceKindEnum": "workspaces.models.Workspace.Kind",
        "MembershipRoleEnum": "workspaces.models.Membership.Role",
        "AssignableRoleEnum": "workspaces.serializers_tenancy.common.ASSIGNABLE_ROLES",
        "MembershipStatusEnum": "workspaces.models.Membership.Status",
        "InvitationStatusEnum": "workspaces.serializers_tenancy.common.INVITATION_STATUSES",
        "MiniProgramKindEnum": "miniprograms.models.MiniProgram.Kind",
        "AppSecretStateEnum": "miniprograms.secrets.models.STATES",
        "VersionStatusEnum": "releases.models.Version.Status",
        "WebhookDeliveryStateEnum": "workspaces.models.WebhookDelivery.State",
        "GrayscaleTaskStateEnum": "releases.grayscale.models.GrayscaleTask.State",
        "MessageStateEnum": "miniprograms.subscriptions.models.Message.State",
        "AlertStateEnum": "analytics.alerts.models.Alert.State",
        "MessageTemplateKindEnum": "miniprograms.subscriptions.models.PublicTemplate.Kind",
    },
}
API_TOKEN_LAST_USED_RESOLUTION = timedelta(seconds=60)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Logging: every line carries the request id ---------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "console.context.RequestIDLogFilter"},
        # A 403 is an expected refusal: one line at INFO, not a WARNING with a traceback.
        "expected_refusal": {"()": "console.logfilters.ExpectedRefusalFilter"},
    },
    "formatters": {
        "console": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "console",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["expected_refusal"]},
        "axes": {"level": "WARNING"},
    },
}

# --- Security defaults that hold everywhere --------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
