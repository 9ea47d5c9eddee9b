"""Vacancies: creating them with their pipeline, publishing, closing."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ats.models import DEFAULT_STAGES, AuditEvent, Department, Stage, Vacancy
from ats.models.vacancies import DEFAULT_CRITERIA

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
