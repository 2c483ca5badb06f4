"""Raw SDK events and log lines (issue 14, SPEC §9): append-only logs kept 3 days.

Both tables are keyed by ``(occurred_at, event_id)``, so a redelivered batch inserts nothing
twice, and on PostgreSQL both are range-partitioned by day on ``occurred_at`` (the migration
creates them; :mod:`analytics.partitions` adds days ahead and drops days past retention). The
mini program and host app are plain columns, not foreign keys: a log outlives what it names,
and the nightly rollup groups by ``(day, app_id, host_app_id, environment, version)``.

Text the SDK did not send is ``""``; the type-specific columns of other types are ``NULL``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Environment(models.TextChoices):
    """The runtime's environments (the same values as ``releases.ReleaseTarget.Environment``)."""

    DEVELOPMENT = "development", _("Development")
    TEST = "test", _("Test")
    SANDBOX = "sandbox", _("Sandbox")
    PRODUCTION = "production", _("Production")


class Context(models.Model):
    """The columns every event and log line carries: who, where and on what."""

    occurred_at = models.DateTimeField()
    event_id = models.UUIDField()
    host_app_id = models.BigIntegerField()  # the authenticated host app (workspaces.HostApp)
    app_id = models.CharField(max_length=16)  # the mini program's App ID
    version = models.CharField(max_length=64, blank=True)
    environment = models.CharField(max_length=16, choices=Environment.choices)
    user_id = models.CharField(max_length=128, blank=True)
    device_id = models.CharField(max_length=128)
    platform = models.CharField(max_length=32, blank=True)
    os_version = models.CharField(max_length=32, blank=True)
    client_version = models.CharField(max_length=32, blank=True)  # the host app's version
    base_version = models.CharField(max_length=32, blank=True)  # the base library's version

    class Meta:
        abstract = True


class Event(Context):
    class Type(models.TextChoices):
        LAUNCH = "launch", _("Launch")
        PAGE_VIEW = "page_view", _("Page view")
        JSAPI_CALL = "jsapi_call", _("JSAPI call")
        HTTP_REQUEST = "http_request", _("HTTP request")
        STARTUP = "startup", _("Start-up")
        BLANK_SCREEN = "blank_screen", _("Blank screen")
        FAVORITE_ADD = "favorite_add", _("Favorite added")
        FAVORITE_REMOVE = "favorite_remove", _("Favorite removed")
        SEARCH = "search", _("Search")

    pk = models.CompositePrimaryKey("occurred_at", "event_id")
    type = models.CharField(max_length=16, choices=Type.choices)
    page = models.CharField(max_length=256, blank=True)  # page_view, launch, blank_screen
    name = models.CharField(max_length=64, blank=True)  # jsapi_call: the API's name
    domain = models.CharField(max_length=253, blank=True)  # http_request
    keyword = models.CharField(max_length=128, blank=True)  # search
    status_code = models.SmallIntegerField(null=True, blank=True)  # http_request (0: no answer)
    success = models.BooleanField(null=True, blank=True)  # jsapi_call, startup
    duration_ms = models.IntegerField(null=True, blank=True)  # jsapi_call, http_request, startup

    class Meta:
        verbose_name = _("event")
        indexes = [
            # The rollup's and the real-time pages' access path: one mini program over time.
            models.Index(fields=["app_id", "occurred_at"], name="analytics_event_app_time"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.app_id} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class LogLine(Context):
    class Level(models.IntegerChoices):
        """Ordered, so "warn and above" is ``level >= WARN``."""

        DEBUG = 10, _("Debug")
        INFO = 20, _("Info")
        WARN = 30, _("Warn")
        ERROR = 40, _("Error")

    pk = models.CompositePrimaryKey("occurred_at", "event_id")
    level = models.SmallIntegerField(choices=Level.choices)
    guid = models.CharField(max_length=64, blank=True)
    page = models.CharField(max_length=256, blank=True)
    message = models.TextField()

    class Meta:
        verbose_name = _("log line")
        indexes = [
            models.Index(fields=["app_id", "occurred_at"], name="analytics_log_app_time"),
            # The log query's filters, newest first within each value (0003_log_search;
            # message text has a pg_trgm index there, on PostgreSQL only): a rare value, or
            # none at all, is found without walking the mini program's every line.
            models.Index(fields=["app_id", "level", "occurred_at"], name="analytics_log_app_level"),
            models.Index(fields=["app_id", "guid", "occurred_at"], name="analytics_log_app_guid"),
            models.Index(fields=["app_id", "page", "occurred_at"], name="analytics_log_app_page"),
            models.Index(
                fields=["app_id", "platform", "os_version", "occurred_at"],
                name="analytics_log_app_os",
            ),
            models.Index(
                fields=["app_id", "base_version", "occurred_at"], name="analytics_log_app_base"
            ),
            models.Index(
                fields=["app_id", "client_version", "occurred_at"], name="analytics_log_app_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.app_id} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class DailyRollup(models.Model):
    """The T+1 figures of one UTC day (issue 14, SPEC §9), kept 90 days.

    One row per ``(day, app_id, host_app_id, environment, version)`` and, because distinct
    visitors do not add up, also one per coarser grain: ``version = ALL`` (every version of the
    mini program on that host app and environment) and ``host_app_id = ALL_HOST_APPS`` with
    ``version = ALL`` (the mini program on every host app of that environment). Written by the
    nightly rollup (``analytics.rollups``), re-runnable: a day is recomputed and upserted.

    Definitions (SPEC §9; exactly in ``analytics.rollups``): **pv** page views; **uv** distinct
    visitors (``user_id``, else ``device_id``, of a host app); **uv_previous** the same grain's
    uv the day before (DoD = uv against it); **visits** launches; **total_users** visits
    accumulated up to and including the day (a returning user counts again: "Total Users" of
    the seeds is not unique users).
    """

    ALL = "*"  # version: every version
    ALL_HOST_APPS = 0  # host_app_id: every host app

    day = models.DateField()
    app_id = models.CharField(max_length=16)
    host_app_id = models.BigIntegerField()
    environment = models.CharField(max_length=16, choices=Environment.choices)
    version = models.CharField(max_length=64)

    pv = models.BigIntegerField(default=0)
    uv = models.BigIntegerField(default=0)
    uv_previous = models.BigIntegerField(null=True, blank=True)
    visits = models.BigIntegerField(default=0)
    total_users = models.BigIntegerField(default=0)
    favorites_added = models.BigIntegerField(default=0)
    favorites_removed = models.BigIntegerField(default=0)
    search_users = models.BigIntegerField(default=0)
    startups = models.BigIntegerField(default=0)
    startup_successes = models.BigIntegerField(default=0)
    startup_duration_ms_sum = models.BigIntegerField(default=0)
    jsapi_calls = models.BigIntegerField(default=0)
    jsapi_successes = models.BigIntegerField(default=0)
    http_requests = models.BigIntegerField(default=0)
    http_exceptions = models.BigIntegerField(default=0)
    blank_screens = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("daily rollup")
        constraints = [
            models.UniqueConstraint(
                fields=["app_id", "host_app_id", "environment", "version", "day"],
                name="analytics_rollup_key",
            ),
        ]
        indexes = [
            # The workspace Analytics page: every mini program of a day at one grain.
            models.Index(
                fields=["day", "host_app_id", "environment", "version"],
                name="analytics_rollup_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {self.day} host {self.host_app_id} {self.environment} {self.version}"


from analytics.alerts.models import *  # noqa: E402, F403  (issue 15's models live beside their code)
from analytics.guardrails.models import *  # noqa: E402, F403
