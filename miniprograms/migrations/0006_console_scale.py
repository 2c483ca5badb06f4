"""Indexes for the console at 10,000 mini programs (issue 16).

The lists' order, ``(workspace, -created_at, -id)``, replaces ``(workspace, -created_at)``:
with its tie-break in the index, a page's ids are read from the index alone (an index-only
scan), however deep the page.

On PostgreSQL, the name search (``miniprograms.selectors.name_search_q``: a substring of the
name in any language, any case) is served by trigram GIN indexes on ``UPPER(name)`` of the mini
program and of its language texts: ``icontains`` compiles to ``UPPER(name::text) LIKE
UPPER('%term%')``, which these indexes answer without reading every row. ``pg_trgm`` is a
trusted extension (PostgreSQL 13+): the database owner may create it. Other databases (SQLite)
get nothing: their search reads the workspace's rows, which is fine at their scale.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

INDEXES = (
    ("miniprogram_name_trgm", "miniprograms_miniprogram"),
    ("miniprogram_language_name_trgm", "miniprograms_miniprogramlanguage"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            'USING gin ((UPPER("name"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("miniprograms", "0005_secrets_envvars"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
        # The lists' order with its tie-break, so a deep page's ids come from the index alone.
        migrations.RemoveIndex(model_name="miniprogram", name="miniprogram_ws_created"),
        migrations.AddIndex(
            model_name="miniprogram",
            index=models.Index(
                fields=["workspace", "-created_at", "-id"], name="miniprogram_ws_created_id"
            ),
        ),
    ]
