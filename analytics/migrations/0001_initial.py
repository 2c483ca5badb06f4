# Analytics (issue 14): the raw SDK events and log lines.
#
# The models' state is declared as usual; the tables are created by ``tables_create``: on
# PostgreSQL range-partitioned by day on ``occurred_at`` (with the partitions around today),
# elsewhere plain tables (analytics/partitions.py).

from django.db import migrations, models

from analytics.partitions import tables_create


def create_tables(apps, schema_editor):
    tables_create(
        schema_editor,
        [apps.get_model("analytics", "Event"), apps.get_model("analytics", "LogLine")],
    )


def drop_tables(apps, schema_editor):
    for name in ("LogLine", "Event"):
        schema_editor.delete_model(apps.get_model("analytics", name))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("miniprograms", "0007_subscription_templates"),
        ("workspaces", "0008_sdk_key_frozen"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        ("occurred_at", models.DateTimeField()),
                        ("event_id", models.UUIDField()),
                        ("host_app_id", models.BigIntegerField()),
                        ("app_id", models.CharField(max_length=16)),
                        ("version", models.CharField(blank=True, max_length=64)),
                        (
                            "environment",
                            models.CharField(
                                choices=[
                                    ("development", "Development"),
                                    ("test", "Test"),
                                    ("sandbox", "Sandbox"),
                                    ("production", "Production"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("user_id", models.CharField(blank=True, max_length=128)),
                        ("device_id", models.CharField(max_length=128)),
                        ("platform", models.CharField(blank=True, max_length=32)),
                        ("os_version", models.CharField(blank=True, max_length=32)),
                        ("client_version", models.CharField(blank=True, max_length=32)),
                        ("base_version", models.CharField(blank=True, max_length=32)),
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "occurred_at",
                                "event_id",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "type",
                            models.CharField(
                                choices=[
                                    ("launch", "Launch"),
                                    ("page_view", "Page view"),
                                    ("jsapi_call", "JSAPI call"),
                                    ("http_request", "HTTP request"),
                                    ("startup", "Start-up"),
                                    ("blank_screen", "Blank screen"),
                                    ("favorite_add", "Favorite added"),
                                    ("favorite_remove", "Favorite removed"),
                                    ("search", "Search"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("page", models.CharField(blank=True, max_length=256)),
                        ("name", models.CharField(blank=True, max_length=64)),
                        ("domain", models.CharField(blank=True, max_length=253)),
                        ("keyword", models.CharField(blank=True, max_length=128)),
                        ("status_code", models.SmallIntegerField(blank=True, null=True)),
                        ("success", models.BooleanField(blank=True, null=True)),
                        ("duration_ms", models.IntegerField(blank=True, null=True)),
                    ],
                    options={
                        "verbose_name": "event",
                        "indexes": [
                            models.Index(
                                fields=["app_id", "occurred_at"], name="analytics_event_app_time"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="LogLine",
                    fields=[
                        ("occurred_at", models.DateTimeField()),
                        ("event_id", models.UUIDField()),
                        ("host_app_id", models.BigIntegerField()),
                        ("app_id", models.CharField(max_length=16)),
                        ("version", models.CharField(blank=True, max_length=64)),
                        (
                            "environment",
                            models.CharField(
                                choices=[
                                    ("development", "Development"),
                                    ("test", "Test"),
                                    ("sandbox", "Sandbox"),
                                    ("production", "Production"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("user_id", models.CharField(blank=True, max_length=128)),
                        ("device_id", models.CharField(max_length=128)),
                        ("platform", models.CharField(blank=True, max_length=32)),
                        ("os_version", models.CharField(blank=True, max_length=32)),
                        ("client_version", models.CharField(blank=True, max_length=32)),
                        ("base_version", models.CharField(blank=True, max_length=32)),
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "occurred_at",
                                "event_id",
                                blank=True,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "level",
                            models.SmallIntegerField(
                                choices=[(10, "Debug"), (20, "Info"), (30, "Warn"), (40, "Error")]
                            ),
                        ),
                        ("guid", models.CharField(blank=True, max_length=64)),
                        ("page", models.CharField(blank=True, max_length=256)),
                        ("message", models.TextField()),
                    ],
                    options={
                        "verbose_name": "log line",
                        "indexes": [
                            models.Index(
                                fields=["app_id", "occurred_at"], name="analytics_log_app_time"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_tables, drop_tables),
    ]
