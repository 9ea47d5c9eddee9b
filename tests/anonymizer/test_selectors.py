"""The reads behind the rules: the talent pool stand-in, special-category consent, holds."""

from __future__ import annotations

from datetime import date, timedelta

from anonymizer.selectors import (
    in_talent_pool,
    legal_holds,
    retention_candidates,
    special_category_without_consent,
    talent_pool_held_until,
)
from ats.models import Application, Purpose
from ats.services.applications import special_category_seal
from tests.anonymizer.conftest import apply, berlin, consent, decide

SECOND = timedelta(seconds=1)
GIVEN = berlin(2026, 8, 31, 12, 0)
POOL_END = berlin(2027, 2, 28, 12, 0)


def test_the_pool_holds_a_candidate_for_six_calendar_months_after_consent(zoe):
    consent(zoe, Purpose.TALENT_POOL, given_at=GIVEN)
    assert talent_pool_held_until([zoe.pk], now=GIVEN) == {zoe.pk: POOL_END}
    assert in_talent_pool(zoe.pk, now=POOL_END - SECOND)
    assert not in_talent_pool(zoe.pk, now=POOL_END)
    # Read as of an earlier instant, a consent not yet given does not count.
    assert talent_pool_held_until([zoe.pk], now=GIVEN - SECOND) == {}


def test_a_renewed_consent_extends_the_pool_and_a_withdrawn_one_ends_it(zoe):
    consent(zoe, Purpose.TALENT_POOL, given_at=GIVEN)
    renewed = berlin(2027, 2, 1, 9, 0)
    consent(zoe, Purpose.TALENT_POOL, given_at=renewed, withdrawn_at=berlin(2027, 3, 1, 9, 0))
    assert talent_pool_held_until([zoe.pk], now=renewed) == {zoe.pk: berlin(2027, 8, 1, 9, 0)}
    assert talent_pool_held_until([zoe.pk], now=berlin(2027, 3, 1, 9, 0)) == {}
    assert not in_talent_pool(zoe.pk, now=berlin(2027, 3, 1, 9, 0))


def test_another_purpose_is_not_the_pool(zoe):
    consent(zoe, Purpose.SPECIAL_CATEGORY, given_at=GIVEN)
    assert talent_pool_held_until([zoe.pk], now=GIVEN) == {}


def test_a_candidate_wide_special_category_consent_covers_every_application(
    zoe, vacancy_a, vacancy_b
):
    first = apply(zoe, vacancy_a, at=GIVEN)
    second = apply(zoe, vacancy_b, at=GIVEN)
    for application in (first, second):
        special_category_seal(application=application, answers={"ethnic_origin": "x"})
        application.save()
    assert set(special_category_without_consent()) == {first, second}
    consent(zoe, Purpose.SPECIAL_CATEGORY, given_at=GIVEN, application=first)
    assert list(special_category_without_consent()) == [second]
    consent(zoe, Purpose.SPECIAL_CATEGORY, given_at=GIVEN)
    assert not special_category_without_consent().exists()


def test_the_prefilter_leaves_out_running_clocks_and_holds(zoe, vacancy_a):
    application = apply(zoe, vacancy_a, at=GIVEN)
    assert not retention_candidates(berlin(2040, 1, 1)).exists()  # no decision
    decide(application, "rejected", at=GIVEN)
    assert not retention_candidates(POOL_END - timedelta(days=20)).exists()
    assert list(retention_candidates(POOL_END)) == [application]
    Application.objects.filter(pk=application.pk).update(legal_hold_until=date(2027, 3, 31))
    assert not retention_candidates(berlin(2027, 3, 31, 23, 59)).exists()
    assert list(retention_candidates(berlin(2027, 4, 1, 0, 0))) == [application]
    assert list(legal_holds()) == [application]
