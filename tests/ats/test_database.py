from __future__ import annotations

from django.db import connection

from tests import services


def test_ci_runs_the_suite_on_postgresql(db):
    if connection.vendor != "postgresql":
        services.missing("PostgreSQL", f"the suite runs on {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000
