# ruff: noqa: S608 (the SQL is built from constant table names only)
"""The rollup's trigger function once more, for concurrent writers: each statement
upserts its rows in one global order (so two retention runs inserting at once wait for
each other instead of deadlocking), and only an update or delete, which can bring a
count to zero, sweeps the emptied rows (an insert no longer scans the table)."""

from __future__ import annotations

from django.db import migrations

TABLE = "anonymizer_statistic_rollup"
SOURCE = "anonymizer_applicationstatistic"
PROGRESS = (
    "CASE WHEN outcome = 'hired' THEN 'hired' "
    "WHEN stage_reached = 'hired' THEN 'offer' ELSE stage_reached END"
)


HIRED = "CASE WHEN outcome = 'hired' THEN 'hired' ELSE '' END"


def _groupings(rows: str, sign: str, only_days: bool = False) -> str:
    channel = f"""
    SELECT 'cs', month, department, channel, {PROGRESS}, -1, {sign} count(*)
      FROM {rows} GROUP BY month, department, channel, {PROGRESS}"""
    others = f"""
    UNION ALL
    SELECT 'g', month, department, gender, '', -1, {sign} count(*)
      FROM {rows} GROUP BY month, department, gender
    UNION ALL
    SELECT 'o', month, department, outcome, '', -1, {sign} count(*)
      FROM {rows} GROUP BY month, department, outcome
    UNION ALL
    SELECT 'd', month, department, {HIRED}, '', days_to_decision, {sign} count(*)
      FROM {rows} WHERE days_to_decision IS NOT NULL
      GROUP BY month, department, {HIRED}, days_to_decision"""
    days = f"""
    SELECT 'd', month, department, {HIRED}, '', days_to_decision, {sign} count(*)
      FROM {rows} WHERE days_to_decision IS NOT NULL
      GROUP BY month, department, {HIRED}, days_to_decision"""
    return f"""
    INSERT INTO {TABLE} (grouping, month, department, a, b, days, n)
    SELECT * FROM ({days if only_days else channel + others}) AS counted
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (grouping, month, department, a, b, days)
    DO UPDATE SET n = {TABLE}.n + EXCLUDED.n;
    """


def _function(groupings) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {TABLE}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE {TABLE};
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {groupings("old_rows", "-")}
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        {groupings("new_rows", "")}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM {TABLE} WHERE n = 0;
    END IF;
    RETURN NULL;
END
$$;
"""


FORWARD = _function(_groupings)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0006_statistic_rollup_days")]

    # Backwards: the function stays until 0003 is reverted.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
