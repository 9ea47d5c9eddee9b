from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ats import services
from ats.models import AuditEvent, Candidate, Channel, Stage, StageChange, Vacancy


def test_the_three_roles_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "hr",
        "hiring_manager",
        "management",
    }


def test_unsolicited_applications_have_a_pipeline(db):
    kinds = list(services.stages_for(None).values_list("kind", flat=True))
    assert kinds == ["new", "screening", "interview", "offer", "hired", "rejected"]


def test_a_new_vacancy_is_a_draft_with_its_own_default_stages(engineering, hanna):
    vacancy = services.vacancy_create(
        title="Data Engineer",
        department=engineering,
        location="Berlin",
        description="Data.",
        by=hanna,
    )
    assert vacancy.status == Vacancy.Status.DRAFT
    names = list(services.stages_for(vacancy).values_list("name", flat=True))
    assert names == ["New", "Screening", "Interview", "Offer", "Hired", "Rejected"]
    assert AuditEvent.objects.filter(action="vacancy_created", target_id=str(vacancy.pk)).exists()


def test_a_vacancy_reference_is_short_and_unique(engineering):
    refs = {
        services.vacancy_create(
            title=f"V{i}", department=engineering, location="X", description="."
        ).reference
        for i in range(20)
    }
    assert len(refs) == 20
    assert all(len(ref) == 8 and ref.isalnum() for ref in refs)


def test_an_application_starts_in_the_first_stage_with_its_history(zoes_application):
    assert zoes_application.stage.kind == Stage.Kind.NEW
    change = StageChange.objects.get(application=zoes_application)
    assert change.from_stage is None
    assert change.to_stage == zoes_application.stage
    event = AuditEvent.objects.get(action="application_submitted")
    assert event.actor is None and event.actor_kind == "applicant"


def test_a_closed_vacancy_accepts_no_application(vacancy_a, zoe):
    services.vacancy_close(vacancy=vacancy_a)
    with pytest.raises(ValidationError, match="closed"):
        services.application_create(candidate=zoe, vacancy=vacancy_a, channel=Channel.LINKEDIN)


def test_moving_an_application_records_who_and_when(zoes_application, hanna):
    interview = services.stages_for(zoes_application.vacancy).get(kind=Stage.Kind.INTERVIEW)
    services.application_move_stage(application=zoes_application, stage=interview, by=hanna)
    zoes_application.refresh_from_db()
    assert zoes_application.stage == interview
    last = zoes_application.stage_changes.last()
    assert (last.to_stage, last.changed_by) == (interview, hanna)


def test_a_stage_of_another_pipeline_is_refused(zoes_application, vacancy_b, hanna):
    foreign = services.stages_for(vacancy_b).first()
    with pytest.raises(ValidationError, match="another pipeline"):
        services.application_move_stage(application=zoes_application, stage=foreign, by=hanna)


def test_a_candidate_is_found_by_email_whatever_its_case(zoe):
    again, created = services.candidate_get_or_create(
        email="ZOE.NUNEZ@example.org", first_name="Z", last_name="N", phone="1"
    )
    assert again == zoe and not created
    assert again.first_name == "Zoë"  # an unverified submission overwrites nothing


def test_the_database_refuses_two_candidates_with_one_email(zoe):
    with pytest.raises(IntegrityError):
        Candidate.objects.create(
            email="Zoe.Nunez@Example.org", first_name="A", last_name="B", phone="1"
        )


def test_a_communicated_decision_needs_a_decision(zoes_application):
    from django.utils import timezone

    zoes_application.decision_communicated_at = timezone.now()
    with pytest.raises(IntegrityError):
        zoes_application.save()


def test_audit_events_hold_ids_not_names(zoes_application):
    for event in AuditEvent.objects.all():
        text = f"{event.action} {event.target_type} {event.target_id} {event.details}"
        assert "Zoë" not in text and "zoe.nunez" not in text
