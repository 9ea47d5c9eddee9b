"""Faults on PostgreSQL, with real commits: two runs at once, and a run killed in the
middle of a batch. Every due application ends erased exactly once, with one statistic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from anonymizer import services
from anonymizer.models import ApplicationStatistic, ErasureRecord
from anonymizer.services import RetentionReport, enforce_retention
from ats.models import Application, Document
from ats.vault import lifecycle, storage
from ats.vault.intake import document_intake
from tests import services as test_services
from tests.anonymizer.conftest import apply, berlin, decide, person
from tests.vault_files import pdf

SUBMITTED = berlin(2026, 1, 15, 10, 0)
COMMUNICATED = berlin(2026, 3, 2, 9, 0)
NOW = berlin(2026, 9, 2, 9, 0)
BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture
def postgresql(transactional_db, django_db_serialized_rollback) -> None:
    """Committed data (threads and another process see it); what data migrations made
    (roles, consent texts) is restored after the flush that follows each test."""
    if connection.vendor != "postgresql":
        test_services.missing("PostgreSQL", f"the suite runs on {connection.vendor}")


def rejected_applications(vacancy, count: int, *, documents: int = 0) -> list[Application]:
    applications = []
    for number in range(count):
        application = apply(person(f"applicant{number}"), vacancy, at=SUBMITTED)
        for _ in range(documents):
            document_intake(application=application, kind="cv", name="cv.pdf", data=pdf())
        applications.append(decide(application, "rejected", at=COMMUNICATED))
    return applications


def test_two_runs_at_once_erase_every_application_exactly_once(postgresql, vacancy_a, monkeypatch):
    rejected_applications(vacancy_a, 6)
    a_holds_one, b_done = threading.Event(), threading.Event()
    real_statistic_for = services.statistic_for

    def statistic_for(application: Application):
        # Run A stops inside its first transaction, holding its first row, until run B
        # has gone through the whole list.
        if threading.current_thread().name == "run-a" and not a_holds_one.is_set():
            a_holds_one.set()
            assert b_done.wait(30)
        return real_statistic_for(application)

    monkeypatch.setattr(services, "statistic_for", statistic_for)
    reports: dict[str, RetentionReport] = {}

    def run(name: str) -> None:
        try:
            reports[name] = enforce_retention(now=NOW)
        finally:
            connection.close()

    run_a = threading.Thread(target=run, args=("a",), name="run-a")
    run_a.start()
    assert a_holds_one.wait(30)
    run_b = threading.Thread(target=run, args=("b",), name="run-b")
    run_b.start()
    run_b.join(60)
    b_done.set()
    run_a.join(60)

    a, b = reports["a"], reports["b"]
    assert (a.erased["application"], b.erased["application"]) == (1, 5)
    assert (a.skipped, b.skipped) == (5, 1)  # B skipped the row A held; A found B's gone
    assert not Application.objects.exists()
    assert ApplicationStatistic.objects.count() == ErasureRecord.objects.count() == 6


KILLER = """
import os, signal, sys

import django

django.setup()
from django.core.management import call_command

from anonymizer import services

where, kill_at, now = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = 0


def count_and_die() -> None:
    global calls
    calls += 1
    if calls == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


if where == "in_transaction":
    real_delete_rows = services._delete_applications_rows

    def delete_rows(applications):
        result = real_delete_rows(applications)
        count_and_die()  # after the deletes and the statistics, before the commit
        return result

    services._delete_applications_rows = delete_rows
else:
    real_delete_objects = services._delete_stored_objects

    def delete_objects(keys, report):
        count_and_die()  # committed, objects not yet deleted
        real_delete_objects(keys, report)

    services._delete_stored_objects = delete_objects

call_command("enforce_retention", "--now", now, "--batch-size", "2")
"""


def run_and_kill(tmp_path: Path, where: str, kill_at: int) -> subprocess.CompletedProcess:
    database = connection.settings_dict
    user = quote(database["USER"]) + (
        f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "AWS_", "ATS_STORAGE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ats.settings",
        ATS_DEBUG="1",
        ATS_VAR_DIR=str(tmp_path),
        ATS_STORAGE="local",
        DATABASE_URL=(
            f"postgres://{user}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{quote(database['NAME'])}"
        ),
    )
    return subprocess.run(
        [sys.executable, "-c", KILLER, where, str(kill_at), NOW.isoformat()],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_run_killed_mid_batch_is_finished_by_the_next_and_leaves_no_orphan(
    postgresql, vault, vacancy_a, settings, tmp_path
):
    applications = rejected_applications(vacancy_a, 5, documents=1)
    assert len(storage.list_keys()) == 5

    # Killed inside the second batch's transaction (two a batch): the first batch is
    # erased, the second rolled back whole.
    killed = run_and_kill(tmp_path, "in_transaction", 2)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert Application.objects.count() == 3
    assert ApplicationStatistic.objects.count() == ErasureRecord.objects.count() == 2
    assert len(storage.list_keys()) == 3

    # Killed after the next commit, before its object is deleted: an orphan object.
    killed = run_and_kill(tmp_path, "after_commit", 1)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert Application.objects.count() == 1
    assert ApplicationStatistic.objects.count() == 4
    assert len(storage.list_keys()) == 3 and Document.objects.count() == 1

    report = enforce_retention(now=NOW)
    assert report.erased["application"] == 1
    assert not Application.objects.exists()
    assert ApplicationStatistic.objects.count() == ErasureRecord.objects.count() == 5
    assert len(storage.list_keys()) == 2  # the orphans of the killed commit

    settings.ATS_ORPHAN_GRACE_SECONDS = 0
    assert lifecycle.orphans_remove() == 2
    assert storage.list_keys() == []
    assert enforce_retention(now=NOW).total == 0
    assert len(applications) == 5
