"""The JSAPI catalogue, features and applications (issue 12): miniprograms.jsapis."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0003_domains"),
        ("workspaces", "0005_approvals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Jsapi",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=64)),
                ("category", models.CharField(max_length=32)),
                ("description", models.CharField(max_length=300)),
                ("on_android", models.BooleanField(default=True)),
                ("on_ios", models.BooleanField(default=True)),
                ("is_sensitive", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jsapis",
                        to="workspaces.workspace",
                    ),
                ),
            ],
            options={
                "verbose_name": "JSAPI",
                "ordering": ["name", "id"],
                "permissions": [("manage_jsapicatalogue", "Edit the JSAPI catalogue and features")],
                "constraints": [
                    models.UniqueConstraint(fields=("workspace", "name"), name="jsapi_name_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("on_android", True), ("on_ios", True), _connector="OR"),
                        name="jsapi_some_platform",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="JsapiFeature",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=40)),
                ("description", models.CharField(blank=True, max_length=300)),
                (
                    "access",
                    models.CharField(
                        choices=[("direct", "Direct"), ("activation", "Activation needed")],
                        default="direct",
                        max_length=16,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "jsapis",
                    models.ManyToManyField(
                        blank=True, related_name="features", to="miniprograms.jsapi"
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jsapi_features",
                        to="workspaces.workspace",
                    ),
                ),
            ],
            options={
                "verbose_name": "JSAPI feature",
                "ordering": ["name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"),
                        models.F("workspace"),
                        name="jsapi_feature_name_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("access__in", ["direct", "activation"])),
                        name="jsapi_feature_access",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="JsapiApplication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("processing", "Waiting for approval"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                            ("cancelled", "Cancelled"),
                            ("revoked", "Revoked"),
                        ],
                        default="processing",
                        max_length=16,
                    ),
                ),
                ("reason", models.TextField(max_length=500)),
                ("revoke_reason", models.CharField(blank=True, max_length=500)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "approval",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="workspaces.approvalrequest",
                    ),
                ),
                (
                    "host_app",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jsapi_applications",
                        to="workspaces.hostapp",
                    ),
                ),
                (
                    "jsapi",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="applications",
                        to="miniprograms.jsapi",
                    ),
                ),
                (
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jsapi_applications",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "feature",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="applications",
                        to="miniprograms.jsapifeature",
                    ),
                ),
            ],
            options={
                "verbose_name": "JSAPI application",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["host_app", "state"], name="jsapi_application_host_state"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("feature__isnull", True), ("jsapi__isnull", False)),
                            models.Q(("feature__isnull", False), ("jsapi__isnull", True)),
                            _connector="OR",
                        ),
                        name="jsapi_application_one_subject",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "state__in",
                                [
                                    "processing",
                                    "approved",
                                    "rejected",
                                    "withdrawn",
                                    "cancelled",
                                    "revoked",
                                ],
                            )
                        ),
                        name="jsapi_application_state",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(
                            ("jsapi__isnull", False), ("state__in", ["processing", "approved"])
                        ),
                        fields=("miniprogram", "host_app", "jsapi"),
                        name="jsapi_application_one_live_jsapi",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(
                            ("feature__isnull", False), ("state__in", ["processing", "approved"])
                        ),
                        fields=("miniprogram", "host_app", "feature"),
                        name="jsapi_application_one_live_feature",
                    ),
                ],
            },
        ),
    ]
