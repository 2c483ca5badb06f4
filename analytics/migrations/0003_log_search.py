# The real-time log query's access paths (analytics/logs.py): level, GUID, page, OS and the
# versions, each beside the (app_id, occurred_at) index, and on PostgreSQL a GIN index of
# (app_id, message trigrams) for "message contains" (ILIKE; pg_trgm and btree_gin). The tables
# are partitioned there: an index created on the parent is created on every partition, present
# and future. SQLite needs no trigram index (its LIKE scans the mini program's lines of the
# time range).

from django.db import migrations, models

TRIGRAM_INDEX = "analytics_log_message_trgm"


def trigram_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # app_id in the GIN index
    # One mini program's lines only: a word common elsewhere never floods the bitmap.
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{TRIGRAM_INDEX}" ON "analytics_logline" '
        "USING gin (app_id, message gin_trgm_ops)"
    )


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{TRIGRAM_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_daily_rollup")]

    operations = [
        migrations.AddIndex(
            model_name="logline",
            index=models.Index(
                fields=["app_id", "level", "occurred_at"], name="analytics_log_app_level"
            ),
        ),
        migrations.AddIndex(
            model_name="logline",
            index=models.Index(
                fields=["app_id", "guid", "occurred_at"], name="analytics_log_app_guid"
            ),
        ),
        migrations.AddIndex(
            model_name="logline",
            index=models.Index(
                fields=["app_id", "page", "occurred_at"], name="analytics_log_app_page"
            ),
        ),
        migrations.AddIndex(
            model_name="logline",
            index=models.Index(
                fields=["app_id", "platform", "os_version", "occurred_at"],
                name="analytics_log_app_os",
            ),
        ),
        migrations.AddIndex(
            model_name="logline",
            index=models.Index(
                fields=["app_id", "base_version", "occurred_at"], name="analytics_log_app_base"
            ),
        ),
        migrations.AddIndex(
            model_name="logline",
            index=models.Index(
                fields=["app_id", "client_version", "occurred_at"], name="analytics_log_app_client"
            ),
        ),
        migrations.RunPython(trigram_index_create, trigram_index_drop),
    ]
