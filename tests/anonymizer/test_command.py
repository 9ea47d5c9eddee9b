"""`manage.py enforce_retention` and the daily task: thin shells over the same service."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from anonymizer import services
from anonymizer.management.commands.enforce_retention import Command, parse_instant
from anonymizer.models import ApplicationStatistic, ErasureRecord
from anonymizer.tasks import enforce_retention as enforce_retention_task
from ats.models import Application
from tests.anonymizer.conftest import apply, berlin, decide, person

COMMUNICATED = berlin(2026, 3, 2, 9, 0)


@pytest.fixture
def rejected(zoe, vacancy_a) -> Application:
    application = apply(zoe, vacancy_a, at=berlin(2026, 1, 15, 10, 0))
    return decide(application, "rejected", at=COMMUNICATED)


def command(*args: str) -> list[str]:
    output = io.StringIO()
    call_command("enforce_retention", *args, stdout=output)
    return output.getvalue().splitlines()


def test_it_prints_a_line_per_rule_and_a_summary(rejected, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lines = command("--now", "2026-09-02T09:00:01+02:00")
    assert lines[:7] == [
        "application: 1 erased",
        "hired: 0 erased",
        "talent_pool: 0 erased",
        "legal_hold: 0 erased",
        "special_category_without_consent: 0 erased",
        "talent_pool_ended: 0 erased",
        "no_decision: 0 idle without a decision, listed for HR (not erased)",
    ]
    run_id = ErasureRecord.objects.get().run_id
    assert lines[7] == (
        f"Retention run {run_id} as of 2026-09-02T09:00:01+02:00: 1 erased, 0 skipped, "
        "0 failed, 0 storage deletions failed (left to the orphan reconciler)."
    )
    assert len(lines) == 8


def test_a_dry_run_says_what_would_be_erased(rejected):
    lines = command("--dry-run", "--now", "2026-09-02T09:00:00")
    assert lines[0] == "application: 1 would be erased"
    assert lines[-1] == (
        "Dry run as of 2026-09-02T09:00:00+02:00: 1 would be erased; nothing changed."
    )
    assert Application.objects.filter(pk=rejected.pk).exists()


def test_a_naive_now_is_in_the_site_time_zone(rejected):
    # 09:00 in Berlin is the deadline; 08:59:59 is one second before it.
    assert command("--dry-run", "--now", "2026-09-02 08:59:59")[0] == (
        "application: 0 would be erased"
    )
    assert parse_instant("2026-09-02") == berlin(2026, 9, 2, 0, 0)
    assert parse_instant("2026-09-02T07:00:00Z") == berlin(2026, 9, 2, 9, 0)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "02.09.2026", ""])
def test_a_bad_now_is_refused_with_a_clear_message(db, value):
    with pytest.raises(CommandError, match="not an ISO-8601 date or time"):
        command("--now", value)


def test_a_bad_batch_size_is_refused(db):
    with pytest.raises(CommandError, match="--batch-size"):
        command("--batch-size", "0")


def test_a_record_that_cannot_be_erased_fails_the_command_after_the_others(
    rejected, vacancy_b, monkeypatch, django_capture_on_commit_callbacks
):
    other = decide(
        apply(person("otto"), vacancy_b, at=berlin(2026, 1, 15)), "rejected", at=COMMUNICATED
    )
    real_statistic_for = services.statistic_for

    def statistic_for(application):
        if application.pk == rejected.pk:
            raise IntegrityError("value too long for type character varying(10)")
        return real_statistic_for(application)

    monkeypatch.setattr(services, "statistic_for", statistic_for)
    output = io.StringIO()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(CommandError, match="1 records could not be erased"),
    ):
        call_command("enforce_retention", "--now", "2026-09-03", stdout=output)
    assert "1 erased, 0 skipped, 1 failed" in output.getvalue()
    assert not Application.objects.filter(pk=other.pk).exists()
    assert Application.objects.filter(pk=rejected.pk).exists()
    assert ApplicationStatistic.objects.count() == 1


def test_a_suspended_retention_is_reported(rejected, settings):
    settings.ATS_RETENTION_SUSPENDED = True
    lines = command("--now", "2027-01-01")
    assert lines[0] == "application: 1 would be erased"
    assert lines[-1] == (
        "Retention is suspended (ATS_RETENTION_SUSPENDED) as of 2027-01-01T00:00:00+01:00: "
        "nothing erased, 1 due."
    )
    assert Application.objects.filter(pk=rejected.pk).exists()


def test_the_help_states_the_business_rule():
    assert "six calendar months" in Command.help
    assert "legal hold" in Command.help


def test_the_task_runs_the_same_service_late_acknowledged_with_a_json_result(
    rejected, time_machine, django_capture_on_commit_callbacks
):
    assert enforce_retention_task.name == "anonymizer.enforce_retention"
    assert enforce_retention_task.acks_late is True
    time_machine.move_to(berlin(2026, 9, 2, 9, 0, 1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = enforce_retention_task.delay().get()
    assert json.loads(json.dumps(result)) == result
    assert result["erased"]["application"] == 1
    assert not Application.objects.filter(pk=rejected.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        again = enforce_retention_task.delay().get()
    assert sum(again["erased"].values()) == 0  # a redelivered task is a no-op
