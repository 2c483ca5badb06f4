"""Server domains and WAP URLs (issue 12): miniprograms.domains."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0002_industries"),
    ]

    operations: list = []
