"""The statistics' snapshot (anonymizer.statistics.dashboard.refresh) and the background
task that takes it (anonymizer.tasks.refresh_statistics): readers find the cube and the
landing view in the cache and read no counts; the cube is rebuilt only when what it is
built from changes (never for an application in the month in progress, nor for an
erasure, which moves an application from live to erased and changes no count); a
request takes a snapshot itself only when none is young enough."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anonymizer import tasks
from anonymizer.models import ApplicationStatistic
from anonymizer.services import enforce_retention
from anonymizer.statistics import dashboard
from tests import services as test_services
from tests.anonymizer.conftest import apply, berlin, decide, person
from tests.anonymizer.test_stats_views import read_csv

COUNTING_TABLES = ("anonymizer_applicationstatistic", "anonymizer_statistic_rollup", "ats_")


def statistics(month: date, n: int, department: str = "People") -> None:
    ApplicationStatistic.objects.bulk_create(
        ApplicationStatistic(
            month=month,
            department=department,
            channel="linkedin",
            gender="male",
            stage_reached="new",
            outcome="rejected",
            days_to_decision=3,
        )
        for _ in range(n)
    )


def snapshot() -> dashboard.Snapshot:
    return cache.get(dashboard.SNAPSHOT)


@pytest.fixture
def may(time_machine):
    time_machine.move_to(berlin(2026, 5, 20, 12, 0), tick=False)
    return time_machine


def test_after_the_task_a_reader_reads_no_counts(client, mia, may):
    statistics(date(2026, 3, 1), 12)
    tasks.refresh_statistics()
    client.force_login(mia)
    for language, _name in settings.LANGUAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("stats_dashboard"), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert b"12" in response.content
        read = [q["sql"] for q in queries if any(t in q["sql"] for t in COUNTING_TABLES)]
        assert read == [], read  # the landing view was warmed in every language


def test_the_month_in_progress_changes_no_cube(may, vacancy_a):
    statistics(date(2026, 3, 1), 12)
    first = dashboard.refresh()
    for n in range(3):
        apply(person(f"new{n}"), vacancy_a, at=berlin(2026, 5, 2 + n, 9, 0))
    second = dashboard.refresh()
    assert second.key == first.key  # May is in progress: the cube covers none of it
    assert second.live == first.live
    apply(person("april"), vacancy_a, at=berlin(2026, 4, 2, 9, 0))
    third = dashboard.refresh()
    assert third.key != first.key  # April is complete: counted at once
    assert dashboard.protected_cube().values[("all", None, 0)] == 13


def test_a_year_appears_only_when_one_of_its_months_is_complete(time_machine, vacancy_a):
    """In March, with no application in January or February: 2026 is not offered (it
    would tell that someone applied this month)."""
    time_machine.move_to(berlin(2026, 3, 20, 12, 0), tick=False)
    statistics(date(2025, 11, 1), 12)
    apply(person("march"), vacancy_a, at=berlin(2026, 3, 2, 9, 0))
    dashboard.refresh()
    assert dashboard.current().years == [2025]
    assert "2026" not in dashboard.current().tree


def test_an_erasure_changes_no_count_and_builds_no_cube(vacancy_a, vault, time_machine):
    time_machine.move_to(berlin(2026, 1, 1, 12, 0), tick=False)
    applications = [
        apply(person(f"p{n}"), vacancy_a, at=berlin(2025, 3, 3 + n, 9, 0)) for n in range(12)
    ]
    for application in applications[:5]:
        decide(application, "rejected", at=berlin(2025, 4, 1, 9, 0))
    before = dashboard.refresh()
    built = []
    original = dashboard.disclosure.build

    def counting(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    dashboard.disclosure.build = counting
    try:
        assert enforce_retention(now=berlin(2026, 1, 1, 12, 0)).total == 5
        after = dashboard.refresh()
    finally:
        dashboard.disclosure.build = original
    assert ApplicationStatistic.objects.count() == 5
    assert after.key == before.key  # five applications live before, erased after
    assert built == []


def test_within_the_snapshot_readers_see_it_and_past_it_a_reader_takes_one(client, mia, may):
    for month in range(1, 13):
        statistics(date(2025, month, 1), 12)
        statistics(date(2025, month, 1), 12, department="")
    dashboard.refresh()
    statistics(date(2025, 3, 1), 3)
    client.force_login(mia)
    assert total(client) == "288"  # the snapshot's: the task has not run again
    may.shift(dashboard.STALE_SECONDS - 10)
    assert total(client) == "288"
    may.shift(20)
    assert total(client) == "291"  # no snapshot young enough: the request took one


def total(client) -> str:
    response = client.get(reverse("stats_csv", args=["applications"]), {"period": "2025"})
    return dict(read_csv(response)[1:])["Total"]


def test_a_new_department_or_k_is_a_new_cube(db, may, settings):
    statistics(date(2026, 3, 1), 12)
    first = dashboard.refresh()
    from ats.models import Department

    Department.objects.create(name="Legal")
    second = dashboard.refresh()
    assert second.key != first.key
    assert "Legal" in dashboard.current().departments
    settings.ATS_STATS_MIN_CELL = 20
    assert dashboard.current().k == 20  # a snapshot under another k is not used


def test_an_evicted_cube_is_built_again(client, mia, may):
    statistics(date(2026, 3, 1), 12)
    key = dashboard.refresh().key
    cache.delete(f"stats-cube:{key}")
    cache.delete(f"stats-summary:{key}")
    dashboard._LAST.clear()
    client.force_login(mia)
    assert client.get(reverse("stats_dashboard"), {"period": "2026"}).status_code == 200
    assert cache.get(f"stats-cube:{key}") is not None


def test_the_snapshot_is_read_in_one_transaction_outside_one(
    transactional_db, django_db_serialized_rollback, may
):
    """Outside a test's transaction the data is read in one repeatable-read transaction
    on PostgreSQL (elsewhere as it comes)."""
    statistics(date(2026, 3, 1), 12)
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        dashboard.refresh()
    isolation = [q["sql"] for q in queries if "ISOLATION" in q["sql"]]
    assert len(isolation) == (1 if connection.vendor == "postgresql" else 0)
    assert dashboard.protected_cube().values[("all", None, 0)] == 12


def test_the_task_runs_every_five_minutes_and_after_the_retention_run(db, may):
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == tasks.refresh_statistics.name
    )
    assert entry["schedule"] == dashboard.REFRESH_SECONDS < dashboard.STALE_SECONDS
    from ats.celery import app

    app.loader.import_default_modules()
    assert tasks.refresh_statistics.name in app.tasks  # what the beat entry names
    statistics(date(2026, 3, 1), 12)
    assert snapshot() is None
    tasks.enforce_retention()  # eager here: the refresh it queues runs at once
    assert snapshot() is not None
    assert snapshot().until == "2026-04"
    result = tasks.refresh_statistics()
    assert json.loads(json.dumps(result)) == result  # the json serializer carries it
    assert set(result) == {"until", "seconds"}  # no count, no name


# --- In a real worker ------------------------------------------------------------------


@pytest.fixture
def worker_with_database(transactional_db, django_db_serialized_rollback, settings, tmp_path):
    """A real `celery -A ats worker` on its own queue, on this test's PostgreSQL database
    and a Redis cache this process shares (its own Redis database, emptied before and
    after)."""
    broker = test_services.redis_url()
    if connection.vendor != "postgresql":
        test_services.missing("PostgreSQL", f"the suite runs on {connection.vendor}")
    parts = urlsplit(broker)
    cache_url = parts._replace(path="/12").geturl()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "hirewell",
        }
    }
    cache.clear()
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "ATS_DEBUG": "1",
        "ATS_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "ATS_CACHE_URL": cache_url,
        "DATABASE_URL": database_url,
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "ats", "worker", "-Q", queue),
            *("--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("-l", "warning"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("STATS_WORKER_LOG", os.devnull), "w"),  # noqa: SIM115
    )
    try:
        yield broker, queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        cache.clear()


def test_a_worker_takes_the_snapshot_and_readers_read_no_counts(worker_with_database, client, mia):
    from ats.celery import app

    broker, queue = worker_with_database
    for month in range(1, 13):
        statistics(date(2025, month, 1), 12)
        statistics(date(2025, month, 1), 12, department="")
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(url=broker) as channel:
            tasks.refresh_statistics.apply_async(queue=queue, connection=channel)
    finally:
        app.conf.task_always_eager = True
    deadline = time.monotonic() + 60  # the task keeps no result: its snapshot is awaited
    while snapshot() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert snapshot() is not None, "the worker took no snapshot"
    dashboard._LAST.clear()  # this process built nothing
    client.force_login(mia)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("stats_dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"288" in response.content  # 2025's applications, as the worker counted them
    read = [q["sql"] for q in queries if any(t in q["sql"] for t in COUNTING_TABLES)]
    assert read == [], read
    assert dashboard._LAST == {}  # the cube itself was not even needed
