"""AppSecret, OAuth codes and tokens, environment variables (issue 12):
miniprograms.secrets and miniprograms.envvars."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0004_jsapis"),
        ("workspaces", "0002_tenancy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OAuthCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code_hash", models.CharField(max_length=64, unique=True)),
                ("user_id", models.CharField(max_length=128)),
                ("created_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
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
                        related_name="+",
                        to="miniprograms.miniprogram",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="OAuthAccessToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("open_user_id", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
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
                        related_name="+",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "code",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="access_token",
                        to="miniprograms.oauthcode",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AppSecret",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("secret_hash", models.CharField(blank=True, editable=False, max_length=64)),
                ("generated_at", models.DateTimeField(blank=True, null=True)),
                ("frozen_at", models.DateTimeField(blank=True, null=True)),
                (
                    "access_token_ttl",
                    models.PositiveIntegerField(
                        default=600, verbose_name="access token lifetime (seconds)"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "frozen_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "generated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "miniprogram",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="app_secret",
                        to="miniprograms.miniprogram",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("access_token_ttl__gte", 60), ("access_token_ttl__lte", 86399)
                        ),
                        name="appsecret_token_ttl_below_a_day",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("secret_hash", ""), _negated=True),
                            ("frozen_at__isnull", True),
                            _connector="OR",
                        ),
                        name="appsecret_frozen_needs_secret",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="EnvironmentVariable",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                ("key", models.CharField(max_length=64)),
                ("value", models.CharField(blank=True, max_length=1024)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="env_variables",
                        to="miniprograms.miniprogram",
                    ),
                ),
            ],
            options={
                "ordering": ["miniprogram", "environment", "key"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("miniprogram", "environment", "key"), name="envvar_key_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("environment__in", ["development", "test", "sandbox", "production"])
                        ),
                        name="envvar_environment_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("key__regex", "^[A-Z][A-Z0-9_]{0,63}$")),
                        name="envvar_key_valid",
                    ),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="oauthcode",
            index=models.Index(fields=["expires_at"], name="oauth_code_expires"),
        ),
        migrations.AddIndex(
            model_name="oauthaccesstoken",
            index=models.Index(fields=["expires_at"], name="oauth_token_expires"),
        ),
    ]
