"""Server domains and WAP URLs (issue 12): miniprograms.domains."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0002_industries"),
        ("workspaces", "0005_approvals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DomainConfig",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(blank=True, default="", max_length=32)),
                ("request", models.JSONField(blank=True, default=list)),
                ("upload_file", models.JSONField(blank=True, default=list)),
                ("download_file", models.JSONField(blank=True, default=list)),
                ("socket", models.JSONField(blank=True, default=list)),
                ("webview", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domain_configs",
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
                "ordering": ["miniprogram_id", "version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("miniprogram", "version"), name="domainconfig_one_per_version"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DomainRestriction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "miniprogram",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domain_restriction",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "restricted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="DomainEditGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "developer_workspace",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domain_edit_grants_received",
                        to="workspaces.workspace",
                    ),
                ),
                (
                    "granted_by",
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
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domain_edit_grants",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domain_edit_grants",
                        to="workspaces.workspace",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("developer_workspace__isnull", True),
                                ("miniprogram__isnull", False),
                            ),
                            models.Q(
                                ("developer_workspace__isnull", False),
                                ("miniprogram__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="domaineditgrant_one_subject",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("developer_workspace__isnull", False)),
                        fields=("tenant", "developer_workspace"),
                        name="domaineditgrant_workspace_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("miniprogram__isnull", False)),
                        fields=("tenant", "miniprogram"),
                        name="domaineditgrant_miniprogram_once",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="DomainVerificationSkip",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
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
                    "approved_by",
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
                        related_name="domain_skips",
                        to="workspaces.hostapp",
                    ),
                ),
                (
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="domain_skips",
                        to="miniprograms.miniprogram",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("miniprogram", "host_app"), name="domainskip_once_per_host_app"
                    )
                ],
            },
        ),
    ]
