"""Alert rules, alerts and their history (issue 15): ``analytics/alerts/models.py``."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_log_search"),
        ("miniprograms", "0008_subscription_messages"),
        ("workspaces", "0008_sdk_key_frozen"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Alert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "metric",
                    models.CharField(
                        choices=[
                            ("jsapi_success_rate", "JSAPI success rate"),
                            ("http_exception_rate", "HTTP request exception rate"),
                            ("startup_success_rate", "Start-up success rate"),
                            ("startup_duration_p90", "Start-up duration (p90)"),
                            ("blank_screen_rate", "Blank-screen rate"),
                        ],
                        max_length=32,
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("firing", "Firing"), ("resolved", "Resolved")], max_length=16
                    ),
                ),
                (
                    "value",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
                ),
                ("samples", models.PositiveIntegerField(default=0)),
                ("threshold", models.DecimalField(decimal_places=2, max_digits=9)),
                ("min_samples", models.PositiveIntegerField()),
                ("window_start", models.DateTimeField()),
                ("window_end", models.DateTimeField()),
                ("fired_at", models.DateTimeField()),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("last_notified_at", models.DateTimeField(blank=True, null=True)),
                ("muted_until", models.DateTimeField(blank=True, null=True)),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "host_app",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="workspaces.hostapp",
                    ),
                ),
                (
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "muted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "alert",
            },
        ),
        migrations.CreateModel(
            name="AlertChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("fired", "Fired"), ("resolved", "Resolved")], max_length=16
                    ),
                ),
                (
                    "value",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
                ),
                ("samples", models.PositiveIntegerField(default=0)),
                ("threshold", models.DecimalField(decimal_places=2, max_digits=9)),
                ("min_samples", models.PositiveIntegerField()),
                ("window_start", models.DateTimeField()),
                ("window_end", models.DateTimeField()),
                ("is_notified", models.BooleanField(default=False)),
                ("note", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField()),
                (
                    "alert",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="analytics.alert",
                    ),
                ),
            ],
            options={
                "verbose_name": "alert change",
            },
        ),
        migrations.CreateModel(
            name="AlertRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "metric",
                    models.CharField(
                        choices=[
                            ("jsapi_success_rate", "JSAPI success rate"),
                            ("http_exception_rate", "HTTP request exception rate"),
                            ("startup_success_rate", "Start-up success rate"),
                            ("startup_duration_p90", "Start-up duration (p90)"),
                            ("blank_screen_rate", "Blank-screen rate"),
                        ],
                        max_length=32,
                    ),
                ),
                ("is_enabled", models.BooleanField(default=True)),
                ("threshold", models.DecimalField(decimal_places=2, max_digits=9)),
                ("min_samples", models.PositiveIntegerField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "host_app",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="workspaces.hostapp",
                    ),
                ),
                (
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alert_rules",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "alert rule",
            },
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(fields=["state", "-fired_at"], name="analytics_alert_state_fired"),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(
                fields=("miniprogram", "host_app", "metric"), name="analytics_alert_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["firing", "resolved"])),
                name="analytics_alert_state_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="alertchange",
            index=models.Index(fields=["alert", "-created_at"], name="analytics_alertchange_time"),
        ),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.UniqueConstraint(
                condition=models.Q(("host_app__isnull", True)),
                fields=("miniprogram", "metric"),
                name="analytics_alertrule_mp_metric",
            ),
        ),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.UniqueConstraint(
                condition=models.Q(("host_app__isnull", False)),
                fields=("miniprogram", "host_app", "metric"),
                name="analytics_alertrule_mp_host_metric",
            ),
        ),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "metric__in",
                        [
                            "jsapi_success_rate",
                            "http_exception_rate",
                            "startup_success_rate",
                            "startup_duration_p90",
                            "blank_screen_rate",
                        ],
                    )
                ),
                name="analytics_alertrule_metric_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="alertrule",
            constraint=models.CheckConstraint(
                condition=models.Q(("threshold__gte", 0)),
                name="analytics_alertrule_threshold_positive",
            ),
        ),
    ]
