# ruff: noqa: S608 (the SQL is built from constant table names only)
"""The rollup of ApplicationStatistic that the management statistics read on
PostgreSQL (anonymizer.statistics.queries): counts per month, department and category,
kept by statement-level triggers in the same transaction as every insert, update,
delete or truncate of the statistics, and filled from the rows already there. Counts
only: no id, nothing finer than a month. Other databases read the rows directly."""

from __future__ import annotations

from django.db import migrations

TABLE = "anonymizer_statistic_rollup"
SOURCE = "anonymizer_applicationstatistic"


def _groupings(rows: str, sign: str) -> str:
    """One INSERT of the four groupings of `rows`, counted with `sign`."""
    return f"""
    INSERT INTO {TABLE} (grouping, month, department, a, b, days, n)
    SELECT 'cs', month, department, channel, stage_reached, -1, {sign} count(*)
      FROM {rows} GROUP BY month, department, channel, stage_reached
    UNION ALL
    SELECT 'g', month, department, gender, '', -1, {sign} count(*)
      FROM {rows} GROUP BY month, department, gender
    UNION ALL
    SELECT 'o', month, department, outcome, '', -1, {sign} count(*)
      FROM {rows} GROUP BY month, department, outcome
    UNION ALL
    SELECT 'd', month, department, outcome, '', days_to_decision, {sign} count(*)
      FROM {rows} WHERE days_to_decision IS NOT NULL
      GROUP BY month, department, outcome, days_to_decision
    ON CONFLICT (grouping, month, department, a, b, days)
    DO UPDATE SET n = {TABLE}.n + EXCLUDED.n;
    """


CREATE = f"""
CREATE TABLE {TABLE} (
    grouping varchar(2) NOT NULL,
    month date NOT NULL,
    department varchar(120) NOT NULL,
    a varchar(16) NOT NULL,
    b varchar(16) NOT NULL,
    days integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (grouping, month, department, a, b, days)
);

CREATE FUNCTION {TABLE}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE {TABLE};
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_groupings("old_rows", "-")}
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        {_groupings("new_rows", "")}
    END IF;
    DELETE FROM {TABLE} WHERE n = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER {TABLE}_insert AFTER INSERT ON {SOURCE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_keep();
CREATE TRIGGER {TABLE}_update AFTER UPDATE ON {SOURCE}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_keep();
CREATE TRIGGER {TABLE}_delete AFTER DELETE ON {SOURCE}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_keep();
CREATE TRIGGER {TABLE}_truncate AFTER TRUNCATE ON {SOURCE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_keep();

{_groupings(SOURCE, "")}
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TABLE}_insert ON {SOURCE};
DROP TRIGGER IF EXISTS {TABLE}_update ON {SOURCE};
DROP TRIGGER IF EXISTS {TABLE}_delete ON {SOURCE};
DROP TRIGGER IF EXISTS {TABLE}_truncate ON {SOURCE};
DROP FUNCTION IF EXISTS {TABLE}_keep();
DROP TABLE IF EXISTS {TABLE};
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0002_retention_run_log")]

    operations = [migrations.RunPython(create, drop)]
