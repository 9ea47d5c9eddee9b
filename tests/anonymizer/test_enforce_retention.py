"""The retention job (anonymizer.services.enforce_retention) against the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from anonymizer import services
from anonymizer.models import ApplicationStatistic, ErasureRecord
from anonymizer.selectors import idle_undecided_applications, upcoming_erasures
from anonymizer.services import RetentionReport, enforce_retention, legal_hold_place
from ats.models import Application, AuditEvent, Candidate, Purpose, Stage, StageChange
from ats.services import consent_withdraw
from ats.services.applications import special_category_seal
from tests.anonymizer.conftest import apply, berlin, consent, decide, move, person

SECOND = timedelta(seconds=1)
SUBMITTED = berlin(2026, 1, 15, 10, 0)
COMMUNICATED = berlin(2026, 3, 2, 9, 0)
DUE = berlin(2026, 9, 2, 9, 0)


def run(capture, **options: object) -> RetentionReport:
    """One run, with the after-commit deletions of stored objects carried out."""
    with capture(execute=True):
        return enforce_retention(**options)


def table_sizes() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def rejected_zoe(zoe, vacancy_a, hanna) -> Application:
    """Zoë reached the interview, was rejected, and was told on 2 March 2026."""
    application = apply(zoe, vacancy_a, at=SUBMITTED, self_declared_gender="female")
    move(application, Stage.Kind.SCREENING, by=hanna)
    move(application, Stage.Kind.INTERVIEW, by=hanna)
    return decide(application, "rejected", at=COMMUNICATED)


def test_it_erases_a_rejected_application_from_its_deadline_on_and_keeps_a_statistic(
    rejected_zoe, django_capture_on_commit_callbacks
):
    pk, candidate_id = rejected_zoe.pk, rejected_zoe.candidate_id
    audit_events = AuditEvent.objects.filter(target_type="ats.application", target_id=str(pk))
    audit_count = audit_events.count()
    assert audit_count >= 4

    before = run(django_capture_on_commit_callbacks, now=DUE - SECOND)
    assert before.total == 0
    assert Application.objects.filter(pk=pk).exists()

    report = run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    assert report.erased["application"] == 1 and report.total == 1
    assert not Application.objects.filter(pk=pk).exists()
    assert not Candidate.objects.filter(pk=candidate_id).exists()
    assert not StageChange.objects.filter(application=pk).exists()
    assert not audit_events.exists()

    statistic = ApplicationStatistic.objects.get()
    assert statistic.month == date(2026, 1, 1)
    assert statistic.department == "Engineering"
    assert statistic.channel == "linkedin"
    assert statistic.gender == "female"
    assert statistic.stage_reached == "interview"
    assert statistic.outcome == "rejected"
    assert statistic.days_to_decision == 45  # 46 days less an hour

    record = ErasureRecord.objects.get()
    assert record.rule == "application"
    assert record.run_id == report.run_id
    assert record.counts == {
        "audit_events": audit_count,
        "documents": 0,
        "notes": 0,
        "evaluations": 0,
        "emails": 0,
        "stage_changes": 4,
        "consents": 0,
        "applications": 1,
        "candidates": 1,
    }


def test_it_keeps_a_candidate_another_application_still_holds(
    rejected_zoe, zoe, vacancy_b, django_capture_on_commit_callbacks
):
    other = apply(zoe, vacancy_b, at=SUBMITTED)
    run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    assert not Application.objects.filter(pk=rejected_zoe.pk).exists()
    assert Candidate.objects.filter(pk=zoe.pk).exists()
    assert Application.objects.filter(pk=other.pk).exists()
    assert ErasureRecord.objects.get().counts["candidates"] == 0


def test_an_unsolicited_application_keeps_no_department(zoe, django_capture_on_commit_callbacks):
    application = apply(zoe, None, at=SUBMITTED, channel="email")
    decide(application, "withdrawn", at=COMMUNICATED, communicated=None)
    run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    statistic = ApplicationStatistic.objects.get()
    assert (statistic.department, statistic.channel) == ("", "email")
    assert (statistic.outcome, statistic.stage_reached) == ("withdrawn", "new")


def test_a_hired_applicant_is_kept_until_the_employment_ends_and_then_for_six_months(
    zoe, vacancy_a, django_capture_on_commit_callbacks
):
    application = apply(zoe, vacancy_a, at=SUBMITTED)
    decide(application, "hired", at=COMMUNICATED)
    assert run(django_capture_on_commit_callbacks, now=berlin(2036, 1, 1)).total == 0
    assert Application.objects.filter(pk=application.pk).exists()

    ended = berlin(2036, 8, 31, 17, 0)
    Application.objects.filter(pk=application.pk).update(employment_ended_at=ended)
    due = berlin(2037, 2, 28, 17, 0)
    assert run(django_capture_on_commit_callbacks, now=due - SECOND).total == 0
    report = run(django_capture_on_commit_callbacks, now=due + SECOND)
    assert report.erased["hired"] == 1
    assert not Application.objects.filter(pk=application.pk).exists()
    statistic = ApplicationStatistic.objects.get()
    assert (statistic.outcome, statistic.stage_reached) == ("hired", "hired")


def test_a_legal_hold_suspends_erasure_to_its_end(
    rejected_zoe, hanna, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(berlin(2026, 8, 1, 12, 0), tick=False)
    legal_hold_place(
        application=rejected_zoe, reason="Claim under the AGG", until=date(2026, 12, 31), by=hanna
    )
    placed = AuditEvent.objects.get(action="legal_hold_placed")
    assert placed.details == {"until": "2026-12-31"}  # the reason stays out of the audit

    assert run(django_capture_on_commit_callbacks, now=DUE + SECOND).total == 0
    end = berlin(2027, 1, 1, 0, 0)
    assert run(django_capture_on_commit_callbacks, now=end - SECOND).total == 0
    assert Application.objects.filter(pk=rejected_zoe.pk).exists()
    report = run(django_capture_on_commit_callbacks, now=end + SECOND)
    assert report.erased["legal_hold"] == 1
    assert ErasureRecord.objects.get().rule == "legal_hold"


def test_a_legal_hold_needs_a_reason_and_an_end_not_in_the_past(rejected_zoe, hanna):
    with pytest.raises(ValidationError):
        legal_hold_place(application=rejected_zoe, reason=" ", until=date(2099, 1, 1), by=hanna)
    with pytest.raises(ValidationError):
        legal_hold_place(application=rejected_zoe, reason="Claim", until=date(2000, 1, 1), by=hanna)
    services.legal_hold_place(
        application=rejected_zoe, reason="Claim", until=date(2099, 1, 1), by=hanna
    )
    services.legal_hold_release(application=rejected_zoe, by=hanna)
    rejected_zoe.refresh_from_db()
    assert (rejected_zoe.legal_hold_reason, rejected_zoe.legal_hold_until) == ("", None)


def test_the_talent_pool_keeps_an_application_while_consent_is_valid(
    rejected_zoe, zoe, django_capture_on_commit_callbacks
):
    consent(zoe, Purpose.TALENT_POOL, given_at=berlin(2026, 4, 1, 12, 0))
    pool_end = berlin(2026, 10, 1, 12, 0)
    assert run(django_capture_on_commit_callbacks, now=DUE + SECOND).total == 0
    assert run(django_capture_on_commit_callbacks, now=pool_end - SECOND).total == 0
    report = run(django_capture_on_commit_callbacks, now=pool_end + SECOND)
    assert report.erased["talent_pool"] == 1
    assert not Candidate.objects.filter(pk=zoe.pk).exists()


def test_withdrawing_from_the_talent_pool_ends_its_hold_at_once(
    rejected_zoe, zoe, time_machine, django_capture_on_commit_callbacks
):
    pool = consent(zoe, Purpose.TALENT_POOL, given_at=berlin(2026, 4, 1, 12, 0))
    time_machine.move_to(berlin(2026, 8, 1, 12, 0), tick=False)
    consent_withdraw(consent=pool, via="self_service")
    report = run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    assert report.erased["application"] == 1
    assert not AuditEvent.objects.filter(target_type="ats.consent").exists()


def test_undecided_applications_are_never_erased_and_listed_for_hr_once_idle(
    zoe, vacancy_a, settings, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(SUBMITTED, tick=False)
    application = apply(zoe, vacancy_a, at=SUBMITTED)
    idle_from = SUBMITTED + timedelta(days=180)
    assert not idle_undecided_applications(idle_from - SECOND).exists()
    assert list(idle_undecided_applications(idle_from)) == [application]
    settings.ATS_RETENTION_IDLE_DAYS = 30
    assert idle_undecided_applications(SUBMITTED + timedelta(days=30)).exists()

    report = run(django_capture_on_commit_callbacks, now=berlin(2040, 1, 1))
    assert report.total == 0 and report.idle_undecided == 1
    assert Application.objects.filter(pk=application.pk).exists()


def test_a_dry_run_counts_per_rule_and_changes_nothing(
    rejected_zoe, vacancy_b, django_capture_on_commit_callbacks
):
    hired = apply(person("hanne"), vacancy_b, at=SUBMITTED)
    decide(hired, "hired", at=COMMUNICATED, employment_ended_at=COMMUNICATED)
    sizes = table_sizes()
    report = run(django_capture_on_commit_callbacks, now=DUE + SECOND, dry_run=True)
    assert report.dry_run and report.total == 2
    assert (report.erased["application"], report.erased["hired"]) == (1, 1)
    assert table_sizes() == sizes


def test_a_second_run_erases_nothing(rejected_zoe, django_capture_on_commit_callbacks):
    assert run(django_capture_on_commit_callbacks, now=DUE + SECOND).total == 1
    again = run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    assert again.total == 0 and again.skipped == 0
    assert ApplicationStatistic.objects.count() == ErasureRecord.objects.count() == 1


def test_an_application_gone_or_no_longer_due_when_claimed_is_left_alone(
    rejected_zoe, hanna, time_machine
):
    report = RetentionReport(
        run_id=ErasureRecord().id, now=DUE + SECOND, dry_run=False, suspended=False
    )
    assert services._erase_application(pk=rejected_zoe.pk + 1000, report=report) is None
    time_machine.move_to(berlin(2026, 8, 1), tick=False)
    legal_hold_place(application=rejected_zoe, reason="Claim", until=date(2026, 12, 31), by=hanna)
    assert services._erase_application(pk=rejected_zoe.pk, report=report) is None
    assert Application.objects.filter(pk=rejected_zoe.pk).exists()
    assert not ErasureRecord.objects.exists() and not ApplicationStatistic.objects.exists()


def test_a_suspended_retention_erases_nothing_and_says_so(
    rejected_zoe, settings, django_capture_on_commit_callbacks
):
    settings.ATS_RETENTION_SUSPENDED = True
    sizes = table_sizes()
    report = run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    assert report.suspended and report.total == 1
    after = table_sizes()
    # The run itself is recorded (suspended), and nothing else changes.
    assert after.pop("anonymizer.RetentionRunLog") == sizes.pop("anonymizer.RetentionRunLog") + 1
    assert after == sizes


def test_special_category_answers_without_an_active_consent_are_erased(
    zoe, vacancy_a, vacancy_b, django_capture_on_commit_callbacks
):
    covered = apply(zoe, vacancy_a, at=SUBMITTED)
    uncovered = apply(person("ulla"), vacancy_b, at=SUBMITTED)
    for application in (covered, uncovered):
        special_category_seal(application=application, answers={"accommodation_needs": "Ramp"})
        application.save()
    consent(zoe, Purpose.SPECIAL_CATEGORY, given_at=SUBMITTED, application=covered)
    withdrawn = consent(
        uncovered.candidate,
        Purpose.SPECIAL_CATEGORY,
        given_at=SUBMITTED,
        application=uncovered,
        withdrawn_at=SUBMITTED + timedelta(days=1),  # withdrawn without the service
    )

    dry = run(django_capture_on_commit_callbacks, now=DUE, dry_run=True)
    assert dry.erased["special_category_without_consent"] == 1
    report = run(django_capture_on_commit_callbacks, now=DUE)
    assert report.erased["special_category_without_consent"] == 1
    covered.refresh_from_db()
    uncovered.refresh_from_db()
    assert bytes(covered.special_category_sealed) != b""
    assert bytes(uncovered.special_category_sealed) == b""
    assert uncovered.special_category_key_id == ""
    assert AuditEvent.objects.filter(
        action="special_category_erased", target_id=str(uncovered.pk)
    ).exists()
    assert ErasureRecord.objects.get().counts == {"special_category_answers": 1}
    assert withdrawn.pk  # the consent record itself stays with the application
    assert run(django_capture_on_commit_callbacks, now=DUE).total == 0


def test_other_records_audit_events_survive(
    rejected_zoe, vacancy_a, django_capture_on_commit_callbacks
):
    vacancy_events = AuditEvent.objects.filter(target_type="ats.vacancy").count()
    assert vacancy_events > 0
    run(django_capture_on_commit_callbacks, now=DUE + SECOND)
    assert AuditEvent.objects.filter(target_type="ats.vacancy").count() == vacancy_events


def test_upcoming_erasures_list_the_next_thirty_days(rejected_zoe):
    assert upcoming_erasures(DUE - timedelta(days=31)) == []
    [(application, deadline)] = upcoming_erasures(DUE - timedelta(days=29))
    assert application == rejected_zoe
    assert (deadline.rule, deadline.due_at) == ("application", DUE)


def test_batches_cover_every_due_application(vacancy_a, django_capture_on_commit_callbacks):
    for number in range(5):
        application = apply(person(f"p{number}"), vacancy_a, at=SUBMITTED)
        decide(application, "rejected", at=COMMUNICATED)
    report = run(django_capture_on_commit_callbacks, now=DUE + SECOND, batch_size=2)
    assert report.erased["application"] == 5
    assert not Application.objects.exists()
    assert ApplicationStatistic.objects.count() == 5
    assert len({record.run_id for record in ErasureRecord.objects.all()}) == 1


def test_the_instant_must_be_aware(db):
    with pytest.raises(ValueError):
        enforce_retention(now=DUE.replace(tzinfo=None))


def test_a_batch_erases_every_row_about_its_applications_and_clears_the_persons_requests(
    rejected_zoe, zoe, vacancy_a, vacancy_b, hanna, django_capture_on_commit_callbacks
):
    """The batch's set-based erasure: the rows of every kind about the erased
    applications go, each counted with its own application, and a person who goes
    leaves their data requests without their words or address (ats.models.requests);
    a person who stays keeps theirs whole."""
    from ats.models import Consent, DataRequest, Note, Restriction
    from talentpool.models import TalentPoolEntry

    note = Note.objects.create(application=rejected_zoe, author=hanna, body="Strong on SQL.")
    note.mentions.add(hanna)
    Restriction.objects.create(application=rejected_zoe, placed_at=COMMUNICATED)
    consent(zoe, Purpose.SPECIAL_CATEGORY, given_at=SUBMITTED, application=rejected_zoe)
    consent(zoe, Purpose.TALENT_POOL, given_at=SUBMITTED, withdrawn_at=COMMUNICATED)
    kept = person("kai")
    kept_application = apply(kept, vacancy_b, at=SUBMITTED)
    other = decide(apply(kept, vacancy_a, at=SUBMITTED), "rejected", at=COMMUNICATED)
    request = {
        "kind": DataRequest.Kind.OBJECTION,
        "via": DataRequest.Via.EMAIL,
        "received_at": COMMUNICATED,
        "due_at": COMMUNICATED + timedelta(days=30),
        "reason": "I object to the profiling.",
    }
    zoes = DataRequest.objects.create(candidate=zoe, contact_email="zoe@example.net", **request)
    kais = DataRequest.objects.create(candidate=kept, contact_email="kai@example.net", **request)

    report = run(django_capture_on_commit_callbacks, now=DUE + SECOND)

    assert report.erased["application"] == 2 and report.failures == 0
    assert not Application.objects.filter(pk__in=[rejected_zoe.pk, other.pk]).exists()
    assert not Candidate.objects.filter(pk=zoe.pk).exists()
    assert Application.objects.filter(pk=kept_application.pk).exists()
    assert not Note.objects.exists() and not Note.mentions.through.objects.exists()
    assert not Restriction.objects.exists()
    assert not Consent.objects.exists()
    assert not TalentPoolEntry.objects.exists()
    counts = sorted(
        (record.counts["candidates"], record.counts["notes"], record.counts["consents"])
        for record in ErasureRecord.objects.all()
    )
    assert counts == [(0, 0, 0), (1, 1, 2)]
    zoes.refresh_from_db()
    assert (zoes.candidate_id, zoes.reason, zoes.contact_email) == (None, "", "")
    assert zoes.kind == DataRequest.Kind.OBJECTION and zoes.due_at == request["due_at"]
    kais.refresh_from_db()
    assert (kais.candidate_id, kais.reason, kais.contact_email) == (
        kept.pk,
        request["reason"],
        "kai@example.net",
    )
