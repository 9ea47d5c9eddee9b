# ruff: noqa: S608 (the SQL is built from constant table names only)
"""The rollup's days-to-decision grouping keeps only whether the outcome was a hire
("hired" or ""), which is all the medians need: half the rows to sum for a view. The
trigger function is replaced and the grouping rebuilt."""

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
    {days if only_days else channel + others}
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
    DELETE FROM {TABLE} WHERE n = 0;
    RETURN NULL;
END
$$;
"""


FORWARD = f"""
{_function(_groupings)}
DELETE FROM {TABLE} WHERE grouping = 'd';
{_groupings(SOURCE, "", only_days=True)}
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0005_statistic_rollup_progress")]

    # Backwards: the days are grouped the new way until 0003 is reverted.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
