"""A host app's SDK key may be frozen (issue 11)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0007_webhooks"),
    ]

    operations: list = []
