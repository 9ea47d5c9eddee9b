from django.db import migrations

# PostgreSQL alone, like the search vector's index (0002): SQLite's fallback matches in
# Python. Both serve the pool search (talentpool.search):
# - the GIN index of the small profile vector (skills, tags, name, email, location):
#   profile matches and the skill and tag filters;
# - the current entries in expiry order (the id breaks ties): the order of the exact
#   skill matches, of those found in documents only and of a search without words, which
#   PostgreSQL can then read in order and stop once a page is full.
INDEXES = {
    "talentpool_entry_profile_gin": "USING gin (profile_vector)",
    "talentpool_entry_current_expiry": "(expires_at, id) WHERE ended_at IS NULL",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON talentpool_talentpoolentry {definition}"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("talentpool", "0003_profile_vector"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
