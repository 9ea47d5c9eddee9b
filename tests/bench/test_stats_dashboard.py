"""The management statistics dashboard over one million anonymised statistics on
PostgreSQL, against a bare `SELECT COUNT(*)` of the same table in the same run.

A fresh database `hirewell_bench_<random>` next to DATABASE_URL's is migrated (the
rollup table and its triggers included) and filled in SQL with generate_series: one
million ApplicationStatistic rows over the five whole years before the current one, in
eight departments (the unsolicited applications among them), seven channels, four
genders, five stages with a realistic funnel (about 3 % hired) and days to decision for
nine in ten. The rollup is filled by the insert trigger, as the retention job's inserts
fill it.

In a production-mode `manage.py shell` (ATS_DEBUG=0, the Redis cache) a management
user's requests are timed with Django's test client, in-process (no HTTP server), for
two views: the full dashboard (all time, all departments) and one department in one
year. Each view is timed three ways, five rounds each, the median reported:

- cold: the cache (and the process's last cube) emptied first: the counts read, the
  cube built and protected (anonymizer.statistics.disclosure), the view computed and
  rendered: what the first reader after a change to the data waits for;
- first view: the cube in the cache (another view built it), this view not yet;
- cached: the view rendered again.

The goal, under 300 ms for the full dashboard, is judged on the first view (what a
reader meets while the data has not changed since any statistics page was last shown;
the cube is rebuilt when statistics are erased or, at most every five minutes, when
live applications changed). Missing it marks the test xfail with the figures.

See docs/benchmarks.md ("Statistics dashboard").
"""

from __future__ import annotations

import json
import time

import pytest

from tests.bench.test_careers_throughput import production_env, run
from tests.bench.test_workspace_throughput import postgres_url, scratch_database

GOAL_MS = 300.0
ROWS = 1_000_000
ROUNDS = 5

SEED = """
INSERT INTO anonymizer_applicationstatistic
    (id, month, department, channel, gender, stage_reached, outcome, days_to_decision)
SELECT gen_random_uuid(),
       (make_date(extract(year FROM now())::int - 5, 1, 1)
        + ((n % 60) || ' months')::interval)::date,
       (ARRAY['Engineering', 'People', 'Sales', 'Marketing', 'Finance', 'Operations',
              'Legal', ''])[1 + (n / 7) % 8],
       (ARRAY['careers_site', 'job_board', 'linkedin', 'referral', 'event', 'email',
              'other'])[1 + h % 7],
       (ARRAY['female', 'male', 'male', 'female', 'not_stated', 'diverse', 'male',
              'female', 'female', 'male'])[1 + (h / 7) % 10],
       stage,
       CASE WHEN stage = 'hired' THEN 'hired' WHEN (h / 70) % 10 < 8 THEN 'rejected'
            WHEN (h / 70) % 10 = 8 THEN 'withdrawn' ELSE 'none' END,
       CASE WHEN (h / 70) % 10 = 9 AND stage <> 'hired' THEN NULL ELSE (h / 700) % 120 END
FROM (
    SELECT n, h,
           CASE WHEN (h / 7000) % 100 < 40 THEN 'new'
                WHEN (h / 7000) % 100 < 70 THEN 'screening'
                WHEN (h / 7000) % 100 < 90 THEN 'interview'
                WHEN (h / 7000) % 100 < 97 THEN 'offer' ELSE 'hired' END AS stage
    FROM (SELECT n, abs(hashtext(n::text)) AS h FROM generate_series(1, %(rows)s) AS n) s
) t;
ANALYZE anonymizer_applicationstatistic;
ANALYZE anonymizer_statistic_rollup;
"""

MEASURE = """
import json, statistics, time
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connection
from django.test import Client

from anonymizer import tasks
from anonymizer.statistics import dashboard, disclosure, queries

user = User.objects.create_user("bench-management")
user.groups.add(Group.objects.get(name="management"))
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
with connection.cursor() as cursor:
    cursor.execute("SELECT extract(year FROM now())::int - 2")
    year = cursor.fetchone()[0]
FULL, ONE = "/stats/", f"/stats/?period={year}&department=Sales"


def get(url):
    began = time.perf_counter()
    response = client.get(url)
    took = time.perf_counter() - began
    assert response.status_code == 200, (url, response.status_code)
    assert b"Application statistics" in response.content
    return took * 1000


def timed(function, *args, **kwargs):
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - began) * 1000, result


def count():
    with connection.cursor() as cursor:
        began = time.perf_counter()
        cursor.execute("SELECT COUNT(*) FROM anonymizer_applicationstatistic")
        rows = cursor.fetchone()[0]
        return (time.perf_counter() - began) * 1000, rows


def empty():
    # Another process's cache and memory: nothing of the statistics in either.
    cache.clear()
    dashboard._LAST.clear()


get(FULL)  # imports, the first connection, template loading
names = (
    "count_ms", "build_ms", "task_cold_ms", "task_unchanged_ms",
    "full_cold_ms", "full_warmed_ms", "full_first_view_ms", "full_cached_ms",
    "one_cold_ms", "one_first_view_ms", "one_cached_ms",
)
figures = {name: [] for name in names}
until = dashboard.periods.last_complete_month(dashboard.timezone.localdate())
counts = dashboard._complete(queries.counts(), until)
fixed = dashboard._fixed()
for _ in range(ROUNDS):
    figures["count_ms"].append(count()[0])
    # The cube alone: filling and protecting it from counts read already.
    took, cube = timed(disclosure.build, counts, k=10, until=until, extra_departments=fixed)
    figures["build_ms"].append(took)
    # Cold: no snapshot at all (first start, no worker): the request takes one.
    empty()
    figures["full_cold_ms"].append(get(FULL))
    figures["full_cached_ms"].append(get(FULL))
    # The background task from cold (as after the data changed), then a reader in a
    # web process that did not build the cube.
    empty()
    figures["task_cold_ms"].append(timed(tasks.refresh_statistics)[0])
    figures["task_unchanged_ms"].append(timed(tasks.refresh_statistics)[0])
    dashboard._LAST.clear()
    figures["full_warmed_ms"].append(get(FULL))
    figures["one_first_view_ms"].append(get(ONE))
    figures["one_cached_ms"].append(get(ONE))
    # The cube cached, no view warmed: the full dashboard's first view.
    empty()
    dashboard.refresh()
    dashboard._LAST.clear()
    figures["full_first_view_ms"].append(get(FULL))
    empty()
    figures["one_cold_ms"].append(get(ONE))
    figures["count_ms"].append(count()[0])
result = {name: statistics.median(values) for name, values in figures.items()}
result["rows"] = count()[1]
result["cells"] = len(cube.counts)
result["suppressed"] = cube.hidden.count(1)
result["primary"] = sum(1 for value in cube.counts if value < cube.k)
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM anonymizer_statistic_rollup")
    result["rollup_rows"] = cursor.fetchone()[0]
print("RESULT " + json.dumps(result))
"""


def test_statistics_dashboard_against_a_bare_count(tmp_path, report):
    database_url = postgres_url()
    started = time.monotonic()
    with scratch_database(database_url) as url:
        env = production_env(tmp_path, DATABASE_URL=url)
        run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        import psycopg

        began = time.monotonic()
        with psycopg.connect(url) as conn:
            conn.execute(SEED.replace("%(rows)s", str(ROWS)))
        seed_seconds = time.monotonic() - began
        script = MEASURE.replace("ROUNDS", str(ROUNDS))
        output = run(["manage.py", "shell", "--no-imports", "-c", script], env)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    assert figures["rows"] == ROWS
    ratios = {
        f"{name.removesuffix('_ms')}_ratio": figures[name] / figures["count_ms"]
        for name in figures
        if name.endswith("_ms") and name != "count_ms"
    }
    report(
        seed_seconds=seed_seconds,
        **figures,
        **ratios,
        total_seconds=time.monotonic() - started,
    )
    if figures["full_warmed_ms"] > GOAL_MS:
        pytest.xfail(
            f"full dashboard {figures['full_warmed_ms']:.0f} ms after the background task "
            f"(goal {GOAL_MS:.0f} ms; cold {figures['full_cold_ms']:.0f} ms)"
        )
