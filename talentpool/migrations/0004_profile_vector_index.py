from django.db import migrations

# The GIN index of the small profile vector (skills, tags, name, email, location), on
# PostgreSQL alone like the search vector's (0002): the search ranks the profile matches
# and filters by skill and tag through it (talentpool.search).
PROFILE_GIN_INDEX = "talentpool_entry_profile_gin"


def create_profile_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PROFILE_GIN_INDEX} "
            "ON talentpool_talentpoolentry USING gin (profile_vector)"
        )


def drop_profile_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PROFILE_GIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("talentpool", "0003_profile_vector"),
    ]

    operations = [
        migrations.RunPython(create_profile_index, drop_profile_index, elidable=False),
    ]
