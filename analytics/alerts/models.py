"""Alert rules, alerts and their history (issue 15, SPEC §9). Imported by ``analytics.models``.

* :class:`AlertRule` — a row overrides the defaults of one metric (:mod:`analytics.alerts.rules`)
  for a mini program (``host_app`` empty) or for the mini program on one host app. No row: the
  Alipay+ defaults apply.
* :class:`Alert` — one per (mini program, host app, metric) once it first fired: the current
  state (firing or resolved), the numbers of the last evaluation, mute and acknowledgement.
* :class:`AlertChange` — the history: every firing and resolution with the numbers it was
  decided on (value, samples, threshold, minimum samples, window) and whether it was notified.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Alert", "AlertChange", "AlertRule", "Metric"]


class Metric(models.TextChoices):
    """The five rules of Alipay+ (SPEC §9)."""

    JSAPI_SUCCESS = "jsapi_success_rate", _("JSAPI success rate")
    HTTP_EXCEPTION = "http_exception_rate", _("HTTP request exception rate")
    STARTUP_SUCCESS = "startup_success_rate", _("Start-up success rate")
    STARTUP_DURATION = "startup_duration_p90", _("Start-up duration (p90)")
    BLANK_SCREEN = "blank_screen_rate", _("Blank-screen rate")


class AlertRule(models.Model):
    """One metric's rule for a mini program (or for it on one host app), overriding the
    defaults: whether it is on, its threshold (a percentage, or milliseconds for the start-up
    duration) and the samples the window must hold *more than* before it can fire."""

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="alert_rules"
    )
    host_app = models.ForeignKey(
        "workspaces.HostApp", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    metric = models.CharField(max_length=32, choices=Metric.choices)
    is_enabled = models.BooleanField(default=True)
    threshold = models.DecimalField(max_digits=9, decimal_places=2)
    min_samples = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("alert rule")
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "metric"],
                condition=Q(host_app__isnull=True),
                name="analytics_alertrule_mp_metric",
            ),
            models.UniqueConstraint(
                fields=["miniprogram", "host_app", "metric"],
                condition=Q(host_app__isnull=False),
                name="analytics_alertrule_mp_host_metric",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=Metric.values), name="analytics_alertrule_metric_valid"
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=0), name="analytics_alertrule_threshold_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} rule"


class Alert(models.Model):
    """The alert of one metric of a mini program on one host app (the evaluation's grain)."""

    class State(models.TextChoices):
        FIRING = "firing", _("Firing")
        RESOLVED = "resolved", _("Resolved")

    miniprogram = models.ForeignKey(
        "miniprograms.MiniProgram", on_delete=models.CASCADE, related_name="alerts"
    )
    host_app = models.ForeignKey("workspaces.HostApp", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    state = models.CharField(max_length=16, choices=State.choices)
    # The numbers of the last evaluation that saw it firing (or that resolved it).
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    samples = models.PositiveIntegerField(default=0)
    threshold = models.DecimalField(max_digits=9, decimal_places=2)
    min_samples = models.PositiveIntegerField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    fired_at = models.DateTimeField()  # when the current (or last) firing began
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_notified_at = models.DateTimeField(null=True, blank=True)  # the cool-down's clock
    muted_until = models.DateTimeField(null=True, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert")
        constraints = [
            models.UniqueConstraint(
                fields=["miniprogram", "host_app", "metric"], name="analytics_alert_key"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["firing", "resolved"]), name="analytics_alert_state_valid"
            ),
        ]
        indexes = [
            # The workspace list and the Overview card: firing first, newest first.
            models.Index(fields=["state", "-fired_at"], name="analytics_alert_state_fired"),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} alert"

    @property
    def spec(self):  # a RuleSpec (analytics.alerts.rules imports this module)
        from analytics.alerts.rules import SPECS

        return SPECS[self.metric]


class AlertChange(models.Model):
    """One step of an alert's history, with the numbers it was decided on."""

    class Kind(models.TextChoices):
        FIRED = "fired", _("Fired")
        RESOLVED = "resolved", _("Resolved")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    samples = models.PositiveIntegerField(default=0)
    threshold = models.DecimalField(max_digits=9, decimal_places=2)
    min_samples = models.PositiveIntegerField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    is_notified = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)  # why it was not notified, or resolved
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("alert change")
        indexes = [models.Index(fields=["alert", "-created_at"], name="analytics_alertchange_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
