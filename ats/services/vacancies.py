"""Vacancies: creating and editing them with their hiring managers, publishing, closing,
and the stages of their pipeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ats.models import (
    DEFAULT_STAGES,
    Application,
    AuditEvent,
    Department,
    Evaluation,
    Stage,
    StageChange,
    Vacancy,
)
from ats.models.vacancies import DEFAULT_CRITERIA
from ats.selectors import HIRING_MANAGER

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


# --- Creating and editing a vacancy with its team -----------------------------------


def _lock(vacancy: Vacancy) -> None:
    """Serialise edits of one vacancy and its pipeline (a row lock on PostgreSQL)."""
    list(Vacancy.objects.select_for_update().filter(pk=vacancy.pk).values_list("pk"))


def _department(department: Department | str, *, by: AbstractBaseUser | None) -> Department:
    """The department chosen, or the one with the name typed (reused whatever its case,
    created if there is none)."""
    if isinstance(department, Department):
        return department
    name = " ".join(department.split())
    if not name:
        raise ValidationError(_("Enter the name of the department."), code="department")
    existing = Department.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            created = Department.objects.create(name=name)
    except IntegrityError:
        # Created by a colleague a moment ago.
        return Department.objects.get(name=name)
    AuditEvent.record(actor=by, action="department_created", target=created)
    return created


def _eligible_managers(managers: Iterable[AbstractBaseUser]) -> set[int]:
    ids = {manager.pk for manager in managers}
    eligible = set(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True, groups__name=HIRING_MANAGER)
        .values_list("pk", flat=True)
    )
    if eligible != ids:
        raise ValidationError(
            _("Only active users with the hiring manager role can manage a vacancy."),
            code="not_a_manager",
        )
    return ids


@transaction.atomic
def vacancy_create_with_managers(
    *,
    title: str,
    department: Department | str,
    location: str,
    description: str,
    employment_type: str = Vacancy.EmploymentType.FULL_TIME,
    summary: str = "",
    managers: Iterable[AbstractBaseUser] = (),
    by: AbstractBaseUser | None,
) -> Vacancy:
    """A new draft vacancy (with its copy of the default stages) and its hiring managers.
    `department` is an existing one, or the name of a new one."""
    manager_ids = _eligible_managers(managers)
    vacancy = vacancy_create(
        title=title,
        department=_department(department, by=by),
        location=location,
        description=description,
        employment_type=employment_type,
        summary=summary,
        by=by,
    )
    if manager_ids:
        vacancy.hiring_managers.add(*manager_ids)
        AuditEvent.record(
            actor=by,
            action="vacancy_managers_assigned",
            target=vacancy,
            managers_added=sorted(manager_ids),
        )
    return vacancy


@transaction.atomic
def vacancy_update(
    *,
    vacancy: Vacancy,
    title: str,
    department: Department | str,
    location: str,
    employment_type: str,
    summary: str,
    description: str,
    managers: Iterable[AbstractBaseUser],
    by: AbstractBaseUser | None,
) -> None:
    """Change a vacancy's fields and its hiring managers. A manager taken off the vacancy
    loses access with their next request (`visible_vacancies`)."""
    _lock(vacancy)
    manager_ids = _eligible_managers(managers)
    values = {
        "title": title,
        "department_id": _department(department, by=by).pk,
        "location": location,
        "employment_type": employment_type,
        "summary": summary,
        "description": description,
    }
    changed = [field for field, value in values.items() if getattr(vacancy, field) != value]
    current = set(vacancy.hiring_managers.values_list("pk", flat=True))
    added, removed = sorted(manager_ids - current), sorted(current - manager_ids)
    if not changed and not added and not removed:
        return
    if changed:
        for field in changed:
            setattr(vacancy, field, values[field])
        vacancy.save(update_fields=[*changed, "updated_at"])
    if removed:
        vacancy.hiring_managers.remove(*removed)
    if added:
        vacancy.hiring_managers.add(*added)
    AuditEvent.record(
        actor=by,
        action="vacancy_updated",
        target=vacancy,
        changed=[field.removesuffix("_id") for field in changed],
        managers_added=added,
        managers_removed=removed,
    )


# --- The stages of a vacancy's pipeline ---------------------------------------------
#
# A pipeline keeps exactly one "new" stage, first (every application arrives there), and
# at least one "hired" and one "rejected" stage (every decision has a column). Each change
# is checked on the order it would produce, before anything is written.

FINAL_KINDS = (Stage.Kind.HIRED, Stage.Kind.REJECTED)


def check_pipeline(kinds: Sequence[str]) -> None:
    """Raise a ValidationError unless this order of stage kinds is a sound pipeline."""
    new = Stage.Kind.NEW
    if kinds.count(new) == 0:
        raise ValidationError(
            _("A pipeline needs its “%(new)s” stage: every application arrives there."),
            code="pipeline_new_missing",
            params={"new": new.label},
        )
    if kinds.count(new) > 1:
        raise ValidationError(
            _("A pipeline has exactly one “%(new)s” stage."),
            code="pipeline_new_twice",
            params={"new": new.label},
        )
    if kinds[0] != new:
        raise ValidationError(
            _("The “%(new)s” stage stays first: every application arrives there."),
            code="pipeline_new_first",
            params={"new": new.label},
        )
    for kind in FINAL_KINDS:
        if kind not in kinds:
            raise ValidationError(
                _("A pipeline needs at least one “%(kind)s” stage."),
                code="pipeline_final_missing",
                params={"kind": kind.label},
            )


def _pipeline(vacancy: Vacancy) -> list[Stage]:
    """The vacancy's stages in order, locked against concurrent pipeline edits."""
    _lock(vacancy)
    return list(stages_for(vacancy))


def _index(stages: Sequence[Stage], stage: Stage) -> int:
    for index, candidate in enumerate(stages):
        if candidate.pk == stage.pk:
            return index
    raise ValidationError(_("This stage no longer exists."), code="stage_gone")


def _check_name_free(stages: Iterable[Stage], name: str, *, stage: Stage | None = None) -> None:
    others = (s for s in stages if stage is None or s.pk != stage.pk)
    if any(s.name.casefold() == name.casefold() for s in others):
        raise ValidationError(
            {"name": _("This pipeline already has a stage called “%(name)s”.") % {"name": name}}
        )


def _renumber(stages: Sequence[Stage]) -> None:
    """Give the stages the positions 0, 1, 2... in this order.

    Positions are unique per vacancy and the constraint is checked row by row, so a stage
    whose position changes first moves above every position in use, then to its place."""
    moving = [(index, stage) for index, stage in enumerate(stages) if stage.position != index]
    if not moving:
        return
    above = max(stage.position for stage in stages) + 1
    for offset, (_target, stage) in enumerate(moving):
        Stage.objects.filter(pk=stage.pk).update(position=above + offset)
    for index, stage in moving:
        Stage.objects.filter(pk=stage.pk).update(position=index)
        stage.position = index


@transaction.atomic
def stage_add(
    *,
    vacancy: Vacancy,
    name: str,
    kind: str,
    criteria: list[str],
    by: AbstractBaseUser | None,
) -> Stage:
    """A new stage: a final one ("hired", "rejected") at the end, any other before the
    first final stage. HR moves it from there."""
    stages = _pipeline(vacancy)
    _check_name_free(stages, name)
    stage = Stage(vacancy=vacancy, name=name, kind=kind, criteria=criteria)
    if kind in FINAL_KINDS:
        index = len(stages)
    else:
        index = next((i for i, s in enumerate(stages) if s.kind in FINAL_KINDS), len(stages))
    order = [*stages[:index], stage, *stages[index:]]
    check_pipeline([s.kind for s in order])
    stage.position = max((s.position for s in stages), default=-1) + 1
    stage.save()
    _renumber(order)
    AuditEvent.record(actor=by, action="stage_added", target=vacancy, stage=stage.pk)
    return stage


@transaction.atomic
def stage_update(
    *, stage: Stage, name: str, criteria: list[str], by: AbstractBaseUser | None
) -> None:
    """Rename a stage and set its scorecard criteria (its kind and place stay)."""
    stages = _pipeline(stage.vacancy)
    _index(stages, stage)
    _check_name_free(stages, name, stage=stage)
    changed = [
        field
        for field, value in (("name", name), ("criteria", criteria))
        if getattr(stage, field) != value
    ]
    if not changed:
        return
    stage.name, stage.criteria = name, criteria
    stage.save(update_fields=changed)
    AuditEvent.record(
        actor=by, action="stage_updated", target=stage.vacancy, stage=stage.pk, changed=changed
    )


@transaction.atomic
def stage_move(
    *, stage: Stage, direction: Literal["up", "down"], by: AbstractBaseUser | None
) -> None:
    """Swap a stage with its neighbour above or below; at either end nothing happens."""
    stages = _pipeline(stage.vacancy)
    index = _index(stages, stage)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stages):
        return
    order = list(stages)
    order[index], order[other] = order[other], order[index]
    check_pipeline([s.kind for s in order])
    _renumber(order)
    stage.position = other
    AuditEvent.record(
        actor=by, action="stage_moved", target=stage.vacancy, stage=stage.pk, position=other
    )


@transaction.atomic
def stage_remove(*, stage: Stage, by: AbstractBaseUser | None) -> None:
    """Remove a stage no application is in, and that no application's history refers to
    (stage changes and evaluations keep their stage)."""
    stages = _pipeline(stage.vacancy)
    _index(stages, stage)
    waiting = Application.objects.filter(stage=stage).count()
    if waiting:
        raise ValidationError(
            ngettext(
                "%(count)d application is in this stage: move it to another stage first.",
                "%(count)d applications are in this stage: move them to another stage first.",
                waiting,
            ),
            code="stage_in_use",
            params={"count": waiting},
        )
    remaining = [s for s in stages if s.pk != stage.pk]
    check_pipeline([s.kind for s in remaining])
    in_history = ValidationError(
        _(
            "Applications have passed through this stage and their history refers to it, "
            "so it cannot be removed. Rename it instead."
        ),
        code="stage_in_history",
    )
    if (
        StageChange.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
        or Evaluation.objects.filter(stage=stage).exists()
    ):
        raise in_history
    pk, vacancy = stage.pk, stage.vacancy
    try:
        with transaction.atomic():
            stage.delete()
    except (ProtectedError, RestrictedError):
        raise in_history from None
    _renumber(remaining)
    AuditEvent.record(actor=by, action="stage_removed", target=vacancy, stage=pk)
