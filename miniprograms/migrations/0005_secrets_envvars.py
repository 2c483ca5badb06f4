"""AppSecret, OAuth codes and tokens, environment variables (issue 12)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0004_jsapis"),
    ]

    operations: list = []
