# Subscription messages (issue 13), first increment: public template library and My Templates.

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0006_console_scale"),
        ("workspaces", "0008_sdk_key_frozen"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=40)),
                ("category", models.CharField(max_length=32)),
                (
                    "kind",
                    models.CharField(
                        choices=[("one_time", "One-time"), ("long_term", "Long-term")],
                        max_length=16,
                    ),
                ),
                ("keywords", models.JSONField(default=list)),
                ("is_retired", models.BooleanField(default=False)),
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
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="public_templates",
                        to="workspaces.workspace",
                    ),
                ),
            ],
            options={
                "verbose_name": "public message template",
                "ordering": ["category", "title", "id"],
            },
        ),
        migrations.CreateModel(
            name="MyTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("template_id", models.CharField(max_length=43, unique=True)),
                ("keywords", models.JSONField(default=list)),
                ("keyword_set", models.CharField(max_length=1000)),
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
                    "miniprogram",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="my_templates",
                        to="miniprograms.miniprogram",
                    ),
                ),
                (
                    "public_template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="my_templates",
                        to="miniprograms.publictemplate",
                    ),
                ),
            ],
            options={
                "verbose_name": "my message template",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddConstraint(
            model_name="publictemplate",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("title"),
                models.F("workspace"),
                name="public_template_title",
            ),
        ),
        migrations.AddConstraint(
            model_name="publictemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["one_time", "long_term"])),
                name="public_template_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="mytemplate",
            constraint=models.UniqueConstraint(
                fields=("miniprogram", "public_template", "keyword_set"),
                name="my_template_keyword_set_unique",
            ),
        ),
    ]
