# ruff: noqa: S608 (the SQL is built from constant table names only)
"""A version number of the statistics rollup (migration 0003), raised in the same
transaction as every change to it, so that the management statistics can tell in one
row whether the cube they keep in the cache still matches the erased statistics."""

from __future__ import annotations

from django.db import migrations

TABLE = "anonymizer_statistic_rollup"
VERSION = "anonymizer_statistic_rollup_version"
SOURCE = "anonymizer_applicationstatistic"

CREATE = f"""
CREATE TABLE {VERSION} (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO {VERSION} (id, version) VALUES (1, 1);

CREATE FUNCTION {VERSION}_raise() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {VERSION} SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER {VERSION}_raise AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {SOURCE}
    FOR EACH STATEMENT EXECUTE FUNCTION {VERSION}_raise();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {VERSION}_raise ON {SOURCE};
DROP FUNCTION IF EXISTS {VERSION}_raise();
DROP TABLE IF EXISTS {VERSION};
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0003_statistic_rollup")]

    operations = [migrations.RunPython(create, drop)]
