"""The JSAPI catalogue, features and applications (issue 12): miniprograms.jsapis."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0003_domains"),
    ]

    operations: list = []
