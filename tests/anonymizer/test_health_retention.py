"""/healthz reports the retention job: a run older than two days is a problem, a
suspension is a state of its own (not a failure), and a fresh install is healthy."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest

from anonymizer.models import RetentionRunLog
from anonymizer.selectors import RUNS_KEPT, recent_retention_runs
from anonymizer.services import RetentionReport, enforce_retention, retention_run_remember
from ats import health
from tests.anonymizer.conftest import berlin

RUN_AT = berlin(2027, 3, 1, 3, 30)
STALE_AFTER = timedelta(days=2)


@pytest.fixture
def only_retention(monkeypatch):
    """/healthz with the retention probe alone: the other services' states depend on the
    machine the tests run on."""
    monkeypatch.setattr(health, "PROBES", {"retention": health.PROBES["retention"]})


def run_job(time_machine, at=RUN_AT, **options: object) -> RetentionReport:
    time_machine.move_to(at, tick=False)
    return enforce_retention(**options)


def test_the_anonymizer_app_registers_the_retention_probe():
    assert "retention" in health.PROBES
    assert {"database", "storage", "scanner", "broker"} <= set(health.PROBES)


def test_a_registered_probe_is_reported_and_may_carry_codes(monkeypatch):
    monkeypatch.setattr(health, "PROBES", {})
    health.register_probe("plain", lambda: None)
    health.register_probe("coded", lambda: {"status": "down", "error": "stale"})
    assert health.service_states() == {
        "plain": {"status": "ok"},
        "coded": {"status": "down", "error": "stale"},
    }


def test_only_down_is_unhealthy():
    assert health.is_healthy({"retention": {"status": "suspended"}})
    assert health.is_healthy({"retention": {"status": "ok", "note": "no run yet"}})
    assert not health.is_healthy({"retention": {"status": "down", "error": "stale"}})


def test_a_fresh_install_is_healthy_with_no_run_yet(client, db, only_retention):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["services"]["retention"] == {"status": "ok", "note": "no run yet"}


def test_a_recent_run_is_ok(client, db, only_retention, time_machine):
    run_job(time_machine)
    time_machine.move_to(RUN_AT + STALE_AFTER, tick=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["services"]["retention"] == {"status": "ok"}


def test_a_run_older_than_two_days_is_down_and_says_only_stale(
    client, db, only_retention, time_machine
):
    run_job(time_machine)
    time_machine.move_to(RUN_AT + STALE_AFTER + timedelta(seconds=1), tick=False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "services": {"retention": {"status": "down", "error": "stale"}},
    }


def test_a_new_run_makes_it_healthy_again(client, db, only_retention, time_machine):
    run_job(time_machine)
    run_job(time_machine, at=RUN_AT + timedelta(days=5))
    assert client.get("/healthz").status_code == 200


def test_a_run_that_erased_nothing_counts_as_a_run(db, time_machine):
    report = run_job(time_machine)
    assert report.total == 0
    [run] = recent_retention_runs()
    assert run.run_id == str(report.run_id)
    assert run.finished_at == RUN_AT
    assert (run.erased, run.skipped, run.failures, run.storage_failures) == (0, 0, 0, 0)


def test_a_dry_run_is_not_a_run(db, time_machine):
    run_job(time_machine, dry_run=True)
    assert recent_retention_runs() == []


def test_the_clock_of_the_run_is_the_wall_clock_not_the_now_it_was_given(db, time_machine):
    run_job(time_machine, now=RUN_AT - timedelta(days=30))
    assert recent_retention_runs()[0].finished_at == RUN_AT


def test_a_suspension_is_reported_and_does_not_make_healthz_fail(
    client, db, only_retention, settings, time_machine
):
    settings.ATS_RETENTION_SUSPENDED = True
    run_job(time_machine)
    assert recent_retention_runs()[0].suspended
    time_machine.move_to(RUN_AT + timedelta(days=10), tick=False)  # stale, but suspended
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "services": {"retention": {"status": "suspended"}}}


def test_the_runs_are_kept_in_the_database_newest_first(db, time_machine):
    for day in range(RUNS_KEPT + 3):
        run_job(time_machine, at=RUN_AT + timedelta(days=day))
    runs = recent_retention_runs()
    assert len(runs) == RUNS_KEPT
    assert runs[0].finished_at == RUN_AT + timedelta(days=RUNS_KEPT + 2)
    assert runs[-1].finished_at == RUN_AT + timedelta(days=3)
    assert RetentionRunLog.objects.count() == RUNS_KEPT + 3


def test_a_failing_record_of_the_run_does_not_fail_the_run(db, time_machine, monkeypatch, caplog):
    from django.db import DatabaseError

    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("connection to the database host lost")

    monkeypatch.setattr(RetentionRunLog.objects, "update_or_create", broken)
    with caplog.at_level(logging.WARNING, logger="anonymizer.services"):
        report = run_job(time_machine)
    assert report.failures == 0
    assert "recording run" in caplog.text and "DatabaseError" in caplog.text
    assert "host lost" not in caplog.text


def test_the_remembered_run_holds_counts_only(db):
    report = RetentionReport(
        run_id=uuid.uuid4(), now=RUN_AT, dry_run=False, suspended=False, failures=1
    )
    report.erased["application"] = 3
    report.storage_failures = 2
    retention_run_remember(report=report)
    run = RetentionRunLog.objects.get()
    assert (run.pk, run.erased, run.failures, run.storage_failures) == (report.run_id, 3, 1, 2)
