"""Writes that span rows or must be audited: vacancies, candidates, applications.

Views, tasks and commands call these; the rules live here once.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ats.models import (
    DEFAULT_STAGES,
    Application,
    AuditEvent,
    Candidate,
    Channel,
    Consent,
    Department,
    Gender,
    Purpose,
    Stage,
    StageChange,
    Vacancy,
)
from ats.models.vacancies import DEFAULT_CRITERIA
from ats.signals import consent_withdrawn

SCORED_STAGES = (Stage.Kind.SCREENING, Stage.Kind.INTERVIEW, Stage.Kind.OFFER)


def stages_for(vacancy: Vacancy | None):
    return Stage.objects.filter(vacancy=vacancy).order_by("position")


@transaction.atomic
def vacancy_create(
    *,
    title: str,
    department: Department,
    location: str,
    description: str,
    employment_type: str = Vacancy.EmploymentType.FULL_TIME,
    summary: str = "",
    by: AbstractBaseUser | None = None,
) -> Vacancy:
    """A new draft vacancy with its own copy of the default pipeline stages."""
    vacancy = Vacancy.objects.create(
        title=title,
        department=department,
        location=location,
        description=description,
        employment_type=employment_type,
        summary=summary,
    )
    Stage.objects.bulk_create(
        Stage(
            vacancy=vacancy,
            name=name,
            kind=kind,
            position=position,
            criteria=DEFAULT_CRITERIA if kind in SCORED_STAGES else [],
        )
        for position, (name, kind) in enumerate(DEFAULT_STAGES)
    )
    AuditEvent.record(actor=by, action="vacancy_created", target=vacancy)
    return vacancy


@transaction.atomic
def vacancy_publish(*, vacancy: Vacancy, by: AbstractBaseUser | None = None) -> None:
    if vacancy.status == Vacancy.Status.OPEN:
        return
    vacancy.status = Vacancy.Status.OPEN
    vacancy.published_at = vacancy.published_at or timezone.now()
    vacancy.closed_at = None
    vacancy.save(update_fields=["status", "published_at", "closed_at", "updated_at"])
    AuditEvent.record(actor=by, action="vacancy_published", target=vacancy)


@transaction.atomic
def vacancy_close(*, vacancy: Vacancy, by: AbstractBaseUser | None = None) -> None:
    if vacancy.status == Vacancy.Status.CLOSED:
        return
    vacancy.status = Vacancy.Status.CLOSED
    vacancy.closed_at = timezone.now()
    vacancy.save(update_fields=["status", "closed_at", "updated_at"])
    AuditEvent.record(actor=by, action="vacancy_closed", target=vacancy)


def candidate_get_or_create(
    *, email: str, first_name: str, last_name: str, phone: str, linkedin_url: str = ""
) -> tuple[Candidate, bool]:
    """The candidate with this email address (case-insensitive), created if new.

    An existing candidate's contact details are not overwritten from an unverified
    submission; rectification goes through the verified self-service.
    """
    existing = Candidate.objects.filter(email__iexact=email.strip()).first()
    if existing is not None:
        return existing, False
    candidate = Candidate.objects.create(
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        linkedin_url=linkedin_url.strip(),
    )
    return candidate, True


@transaction.atomic
def application_create(
    *,
    candidate: Candidate,
    vacancy: Vacancy | None,
    channel: str,
    channel_other: str = "",
    self_declared_gender: str = Gender.NOT_STATED,
    submitted_at: datetime | None = None,
) -> Application:
    """A new application in the first stage of its pipeline (unsolicited: vacancy None)."""
    if vacancy is not None and not vacancy.is_open:
        raise ValidationError("This vacancy is closed and accepts no applications.")
    if channel not in Channel.values:
        raise ValidationError("Unknown channel.")
    first_stage = stages_for(vacancy).first()
    if first_stage is None:
        raise ValidationError("This pipeline has no stages.")
    application = Application.objects.create(
        candidate=candidate,
        vacancy=vacancy,
        stage=first_stage,
        channel=channel,
        channel_other=channel_other if channel == Channel.OTHER else "",
        self_declared_gender=self_declared_gender,
        submitted_at=submitted_at or timezone.now(),
    )
    StageChange.objects.create(
        application=application, to_stage=first_stage, changed_at=application.submitted_at
    )
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="application_submitted", target=application
    )
    return application


@transaction.atomic
def application_move_stage(
    *, application: Application, stage: Stage, by: AbstractBaseUser | None
) -> None:
    if stage.vacancy_id != application.vacancy_id:
        raise ValidationError("That stage belongs to another pipeline.")
    if stage.pk == application.stage_id:
        return
    StageChange.objects.create(
        application=application,
        from_stage_id=application.stage_id,
        to_stage=stage,
        changed_by=by,
        changed_at=timezone.now(),
    )
    application.stage = stage
    application.save(update_fields=["stage", "updated_at"])
    AuditEvent.record(actor=by, action="stage_changed", target=application, stage=stage.pk)


@transaction.atomic
def consent_withdraw(*, consent: Consent, via: str, by: AbstractBaseUser | None = None) -> bool:
    """Withdraw a consent, effective at once; False if it was already withdrawn.

    Withdrawing the special-category consent erases the special-category answers it
    covered in the same transaction; other purposes react to `consent_withdrawn`."""
    claimed = Consent.objects.filter(pk=consent.pk, withdrawn_at=None).update(
        withdrawn_at=timezone.now(), withdrawn_via=via
    )
    if not claimed:
        return False
    consent.refresh_from_db()
    if consent.purpose == Purpose.SPECIAL_CATEGORY:
        applications = Application.objects.filter(candidate=consent.candidate_id)
        if consent.application_id is not None:
            applications = applications.filter(pk=consent.application_id)
        applications.update(special_category_sealed=b"", special_category_key_id="")
    AuditEvent.record(
        actor=by,
        actor_kind="staff" if by is not None else "applicant",
        action="consent_withdrawn",
        target=consent,
        purpose=consent.purpose,
    )
    consent_withdrawn.send(sender=Consent, consent=consent)
    return True
