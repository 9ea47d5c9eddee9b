"""The retention rule of an application made only for the talent pool
(anonymizer.rules.pool_only_deadline): its own clock is the end of its entry, and what
else holds it still does."""

from __future__ import annotations

from datetime import date, timedelta

from anonymizer.rules import Deadline, pool_only_deadline
from ats.models import Application
from tests.talentpool.membership import berlin

ENDED = berlin(2026, 7, 15, 10, 0)


def deadline(application: Application, until=None) -> Deadline:
    return pool_only_deadline(application, entry_ended_at=ENDED, talent_pool_until=until)


def test_undecided_it_goes_when_its_entry_ends():
    assert deadline(Application(decision="")) == Deadline("talent_pool_ended", ENDED)
    # The entry's own expiry is no second hold.
    assert deadline(Application(decision=""), ENDED) == Deadline("talent_pool_ended", ENDED)


def test_a_later_hold_keeps_it_longer():
    later = ENDED + timedelta(days=90)
    assert deadline(Application(decision=""), later) == Deadline("talent_pool", later)
    held = Application(decision="", legal_hold_until=date(2026, 12, 31))
    assert deadline(held).rule == "legal_hold"
    assert deadline(Application(decision="", legal_hold_reason="claim")).due_at is None


def test_a_decision_keeps_its_own_months_and_a_hiring_its_employment():
    communicated = berlin(2026, 6, 1, 9, 0)
    rejected = Application(
        decision="rejected", decided_at=communicated, decision_communicated_at=communicated
    )
    assert deadline(rejected) == Deadline("application", berlin(2026, 12, 1, 9, 0))
    assert deadline(Application(decision="hired")) == Deadline("hired", None)
