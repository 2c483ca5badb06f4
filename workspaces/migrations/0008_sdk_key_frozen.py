"""A host app's SDK key may be frozen (issue 11)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0007_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="hostapp",
            name="sdk_key_frozen_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
