"""The counts behind the statistics (anonymizer.statistics.queries): live applications
aggregate in SQL exactly as the retention job's statistic_for() would record them, so an
application counts the same before and after its erasure; on PostgreSQL the rollup the
triggers keep equals the statistics rows through inserts, updates, deletes and
truncation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from anonymizer.models import ApplicationStatistic
from anonymizer.services import enforce_retention, statistic_for
from anonymizer.statistics import queries
from ats.models import Application, Channel, Gender
from tests import services as test_services
from tests.anonymizer.conftest import apply, berlin, decide, move, person


@pytest.fixture
def applications(vacancy_a, vacancy_b):
    """Applications with different histories, some submitted right at a month's edge in
    the site's time zone (Berlin), one unsolicited."""
    made = []
    # 23:30 on 31 March in Berlin is 21:30 UTC: March. 00:30 on 1 March in Berlin is
    # still February in UTC: March.
    first = apply(
        person("ann"),
        vacancy_a,
        at=berlin(2025, 3, 31, 23, 30),
        self_declared_gender=Gender.FEMALE,
        channel=Channel.REFERRAL,
    )
    move(first, "interview")
    move(first, "screening")  # moved back: the furthest step reached still counts
    decide(first, "rejected", at=berlin(2025, 4, 3, 23, 0))
    made.append(first)
    second = apply(person("bo"), vacancy_b, at=berlin(2025, 3, 1, 0, 30))
    move(second, "offer")
    decide(second, "hired", at=berlin(2025, 3, 1, 0, 29) + timedelta(days=20))
    made.append(second)
    made.append(apply(person("cy"), None, at=berlin(2025, 2, 28, 12, 0), channel=Channel.EMAIL))
    withdrawn = apply(person("di"), vacancy_a, at=berlin(2025, 5, 10, 9, 0))
    decide(withdrawn, "withdrawn", at=berlin(2025, 5, 9, 9, 0))  # before: counted as 0 days
    made.append(withdrawn)
    return made


def test_live_applications_are_derived_as_the_retention_job_derives_them(applications):
    derived = {
        row["pk"]: row
        for row in queries.live_statistics().values(
            "pk",
            "stat_month",
            "stat_department",
            "channel",
            "self_declared_gender",
            "stat_stage_order",
            "stat_outcome",
            "stat_days",
        )
    }
    for application in Application.objects.select_related("vacancy__department", "stage"):
        expected = statistic_for(application)
        row = derived[application.pk]
        assert row["stat_month"] == expected.month
        assert row["stat_department"] == expected.department
        assert row["channel"] == expected.channel
        assert row["self_declared_gender"] == expected.gender
        assert queries.STAGE_BY_ORDER[row["stat_stage_order"]] == expected.stage_reached
        assert row["stat_outcome"] == expected.outcome
        assert row["stat_days"] == expected.days_to_decision
    months = {row["stat_month"] for row in derived.values()}
    assert months == {date(2025, 2, 1), date(2025, 3, 1), date(2025, 5, 1)}


def test_an_application_counts_the_same_before_and_after_its_erasure(applications, vault):
    before = queries.counts()
    days_before = queries.day_histograms(None, None)
    report = enforce_retention(now=berlin(2026, 1, 1, 12, 0))
    assert report.total == 2  # the communicated rejection and withdrawal
    assert ApplicationStatistic.objects.count() == 2
    after = queries.counts()
    assert after.channel_stage == before.channel_stage
    assert after.gender == before.gender
    assert after.outcome == before.outcome
    assert queries.day_histograms(None, None) == days_before


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        test_services.missing("PostgreSQL", f"the suite runs on {connection.vendor}")


def _rollup() -> queries.Counts:
    counts = queries.Counts()
    queries._erased_from_rollup(counts)
    return counts


def _rows() -> queries.Counts:
    counts = queries.Counts()
    queries._erased_from_rows(counts)
    return counts


def test_the_rollup_follows_every_change_to_the_statistics(postgresql):
    def same() -> None:
        rollup, rows = _rollup(), _rows()
        assert rollup.channel_stage == rows.channel_stage
        assert rollup.gender == rows.gender
        assert rollup.outcome == rows.outcome

    version = queries.erased_version()
    ApplicationStatistic.objects.bulk_create(
        ApplicationStatistic(
            month=date(2024, 1 + n % 12, 1),
            department=["Engineering", "People", ""][n % 3],
            channel=Channel.values[n % 7],
            gender=Gender.values[n % 4],
            stage_reached=["new", "screening", "interview", "offer", "hired"][n % 5],
            outcome=["rejected", "withdrawn", "none", "hired"][n % 4],
            days_to_decision=None if n % 4 == 2 else n % 40,
        )
        for n in range(300)
    )
    same()
    assert queries.erased_version() > version
    ApplicationStatistic.objects.filter(department="People").update(department="Sales")
    same()
    ApplicationStatistic.objects.filter(channel="linkedin").delete()
    same()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ApplicationStatistic._meta.db_table}")
    assert _rollup().gender == {}


def test_hired_progress_is_exactly_a_hired_outcome():
    assert queries.progress("hired", "hired") == "hired"
    assert queries.progress("hired", "none") == "offer"  # the decision is not recorded yet
    assert queries.progress("hired", "withdrawn") == "offer"
    assert queries.progress("interview", "rejected") == "interview"


def test_the_rollup_counts_progress_as_the_rows_do(postgresql):
    ApplicationStatistic.objects.bulk_create(
        ApplicationStatistic(
            month=date(2024, 5, 1),
            department="People",
            channel="linkedin",
            gender="female",
            stage_reached="hired",
            outcome=outcome,
            days_to_decision=3,
        )
        for outcome in ("hired", "none", "hired")
    )
    rollup = _rollup().channel_stage
    assert rollup == _rows().channel_stage
    assert rollup[("2024-05", "People", "linkedin", "hired")] == 2
    assert rollup[("2024-05", "People", "linkedin", "offer")] == 1
