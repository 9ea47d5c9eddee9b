"""Each retention rule on its own, at its boundary: pure functions on unsaved rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from anonymizer import rules
from anonymizer.rules import Deadline, application_deadline
from ats.models import Application
from ats.services.decisions import erasure_date
from tests.anonymizer.conftest import berlin

SECOND = timedelta(seconds=1)


def rejected(communicated: datetime | None, **fields: object) -> Application:
    return Application(
        decision="rejected",
        decided_at=communicated,
        decision_communicated_at=communicated,
        **fields,
    )


def assert_due_from(deadline: Deadline, due_at: datetime) -> None:
    assert deadline.due_at == due_at
    assert not deadline.is_due(due_at - SECOND)
    assert deadline.is_due(due_at)
    assert deadline.is_due(due_at + SECOND)


# --- Month arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("communicated", "due_at"),
    [
        (berlin(2026, 3, 10, 9, 0), berlin(2026, 9, 10, 9, 0)),
        # A day the month lacks becomes its last day.
        (berlin(2026, 8, 31, 12, 0), berlin(2027, 2, 28, 12, 0)),
        (berlin(2027, 8, 31, 12, 0), berlin(2028, 2, 29, 12, 0)),  # leap year
        (berlin(2027, 8, 29, 12, 0), berlin(2028, 2, 29, 12, 0)),  # 29 Feb exists in 2028
        (berlin(2026, 8, 29, 12, 0), berlin(2027, 2, 28, 12, 0)),  # and not in 2027
        (berlin(2026, 12, 31, 23, 30), berlin(2027, 6, 30, 23, 30)),
    ],
)
def test_an_application_is_due_six_calendar_months_after_the_decision_was_communicated(
    communicated, due_at
):
    deadline = rules.application_rule(rejected(communicated))
    assert deadline.rule == "application"
    assert_due_from(deadline, due_at)


def test_the_clock_keeps_the_wall_time_across_a_daylight_saving_change():
    # 10:00 summer time (08:00 UTC) in August: due at 10:00 winter time (09:00 UTC).
    deadline = rules.application_rule(rejected(berlin(2026, 8, 20, 10, 0)))
    assert deadline.due_at == datetime(2027, 2, 20, 9, 0, tzinfo=UTC)
    assert_due_from(deadline, berlin(2027, 2, 20, 10, 0))


def test_the_calendar_day_is_the_one_in_the_site_time_zone_not_in_utc():
    # 00:30 on 31 October in Berlin is still 30 October in UTC.
    communicated = berlin(2026, 10, 31, 0, 30)
    assert communicated.astimezone(UTC).day == 30
    deadline = rules.application_rule(rejected(communicated))
    assert_due_from(deadline, berlin(2027, 4, 30, 0, 30))


def test_a_wall_time_the_clocks_skip_falls_an_hour_later():
    # The clocks go from 02:00 to 03:00 on 28 March 2027: 02:30 does not exist that day.
    deadline = rules.application_rule(rejected(berlin(2026, 9, 28, 2, 30)))
    assert deadline.due_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert deadline.due_at.astimezone(rules.site_zone()).hour == 3


def test_a_wall_time_that_occurs_twice_is_its_first_occurrence():
    # The clocks go back from 03:00 to 02:00 on 25 October 2026: 02:30 happens twice.
    deadline = rules.application_rule(rejected(berlin(2026, 4, 25, 2, 30)))
    assert deadline.due_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_the_clock_follows_the_configured_period(settings):
    settings.ATS_APPLICATION_RETENTION_MONTHS = 13
    deadline = rules.application_rule(rejected(berlin(2027, 1, 31, 8, 0)))
    assert deadline.due_at == berlin(2028, 2, 29, 8, 0)


@pytest.mark.parametrize(
    "communicated",
    [
        berlin(2026, 3, 10, 9, 0),
        berlin(2026, 8, 31, 23, 59),
        berlin(2026, 10, 31, 0, 30),
        berlin(2027, 8, 31, 0, 0),
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
    ],
)
def test_the_workspace_shows_the_day_the_rule_erases(communicated):
    application = rejected(communicated)
    due_at = rules.application_rule(application).due_at
    assert erasure_date(application) == due_at.astimezone(rules.site_zone()).date()


# --- One rule each -------------------------------------------------------------------------


def test_a_withdrawn_application_runs_from_the_withdrawal_when_nothing_was_communicated():
    withdrawn = Application(decision="withdrawn", decided_at=berlin(2026, 5, 4, 15, 0))
    assert rules.application_rule(withdrawn) == Deadline("application", berlin(2026, 11, 4, 15, 0))
    assert rules.no_decision_rule(withdrawn) is None


def test_a_rejection_not_communicated_has_no_clock_yet():
    application = rejected(None)
    assert rules.application_rule(application) is None
    assert rules.no_decision_rule(application) == Deadline("no_decision", None)


def test_an_undecided_application_is_never_due():
    deadline = rules.no_decision_rule(Application(decision=""))
    assert deadline == Deadline("no_decision", None)
    assert not deadline.is_due(datetime.max.replace(tzinfo=UTC))
    assert rules.application_rule(Application(decision="")) is None
    assert rules.hired_rule(Application(decision="")) is None


def test_a_hired_applicant_is_kept_until_the_employment_ends_then_for_the_same_period():
    employed = Application(decision="hired", decision_communicated_at=berlin(2026, 1, 5, 9, 0))
    assert rules.hired_rule(employed) == Deadline("hired", None)
    assert rules.application_rule(employed) is None
    assert rules.no_decision_rule(employed) is None
    employed.employment_ended_at = berlin(2028, 8, 31, 18, 0)
    assert_due_from(rules.hired_rule(employed), berlin(2029, 2, 28, 18, 0))


def test_the_talent_pool_holds_until_its_end_and_not_at_all_once_withdrawn():
    assert rules.talent_pool_rule(None) is None
    until = berlin(2026, 11, 1, 12, 0)
    assert_due_from(rules.talent_pool_rule(until), until)


def test_a_legal_hold_suspends_erasure_to_the_end_of_its_last_day():
    application = rejected(berlin(2026, 1, 1, 9, 0), legal_hold_until=date(2026, 12, 31))
    deadline = rules.legal_hold_rule(application)
    assert deadline.rule == "legal_hold"
    assert_due_from(deadline, berlin(2027, 1, 1, 0, 0))
    assert not deadline.is_due(berlin(2026, 12, 31, 23, 59, 59))


def test_a_legal_hold_with_a_reason_and_no_end_suspends_until_hr_sets_one():
    application = rejected(berlin(2026, 1, 1, 9, 0), legal_hold_reason="Claim pending")
    assert rules.legal_hold_rule(application) == Deadline("legal_hold", None)
    assert rules.legal_hold_rule(rejected(berlin(2026, 1, 1, 9, 0))) is None


def test_special_category_answers_without_consent_are_due_at_once():
    now = berlin(2026, 6, 1, 12, 0)
    sealed = Application(special_category_sealed=b"sealed")
    assert rules.special_category_rule(sealed, has_active_consent=False, now=now) == Deadline(
        "special_category_without_consent", now
    )
    assert rules.special_category_rule(sealed, has_active_consent=True, now=now) is None
    empty = Application(special_category_sealed=b"")
    assert rules.special_category_rule(empty, has_active_consent=False, now=now) is None


# --- Combined ------------------------------------------------------------------------------

NOW = berlin(2026, 6, 1, 12, 0)
COMMUNICATED = berlin(2026, 1, 10, 9, 0)
DUE = berlin(2026, 7, 10, 9, 0)


def test_without_holds_the_decision_clock_decides():
    deadline = application_deadline(rejected(COMMUNICATED), NOW, talent_pool_until=None)
    assert deadline == Deadline("application", DUE)


def test_a_talent_pool_ending_later_keeps_the_application_to_its_end():
    pool_end = DUE + timedelta(days=40)
    deadline = application_deadline(rejected(COMMUNICATED), NOW, talent_pool_until=pool_end)
    assert deadline == Deadline("talent_pool", pool_end)


def test_a_talent_pool_ending_earlier_changes_nothing():
    pool_end = DUE - timedelta(days=40)
    deadline = application_deadline(rejected(COMMUNICATED), NOW, talent_pool_until=pool_end)
    assert deadline == Deadline("application", DUE)


def test_a_legal_hold_ending_later_wins_and_one_ended_earlier_does_not():
    held = rejected(COMMUNICATED, legal_hold_until=date(2026, 9, 30))
    assert application_deadline(held, NOW, talent_pool_until=DUE + timedelta(days=1)) == Deadline(
        "legal_hold", berlin(2026, 10, 1, 0, 0)
    )
    ended = rejected(COMMUNICATED, legal_hold_until=date(2026, 3, 31))
    assert application_deadline(ended, NOW, talent_pool_until=None) == Deadline("application", DUE)


def test_employment_and_an_open_ended_hold_suspend_whatever_else_applies():
    employed = Application(decision="hired", decision_communicated_at=COMMUNICATED)
    assert application_deadline(employed, NOW, talent_pool_until=DUE) == Deadline("hired", None)
    held = rejected(COMMUNICATED, legal_hold_reason="Claim pending")
    assert application_deadline(held, NOW, talent_pool_until=None) == Deadline("legal_hold", None)
    held_employed = Application(decision="hired", legal_hold_reason="Claim pending")
    assert application_deadline(held_employed, NOW, talent_pool_until=None).rule == "legal_hold"


def test_no_decision_keeps_a_pool_member_until_hr_decides():
    deadline = application_deadline(Application(decision=""), NOW, talent_pool_until=DUE)
    assert deadline == Deadline("no_decision", None)
