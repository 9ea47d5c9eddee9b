"""Writes that span rows or must be audited, one module per sub-domain; views, tasks and
commands call these, and the rules live here once."""

from __future__ import annotations

from ats.services.applications import (
    application_create,
    application_move_stage,
    candidate_get_or_create,
    consent_withdraw,
)
from ats.services.vacancies import (
    SCORED_STAGES,
    check_pipeline,
    stage_add,
    stage_move,
    stage_remove,
    stage_update,
    stages_for,
    vacancy_close,
    vacancy_create,
    vacancy_create_with_managers,
    vacancy_publish,
    vacancy_update,
)

__all__ = [
    "SCORED_STAGES",
    "application_create",
    "application_move_stage",
    "candidate_get_or_create",
    "check_pipeline",
    "consent_withdraw",
    "stage_add",
    "stage_move",
    "stage_remove",
    "stage_update",
    "stages_for",
    "vacancy_close",
    "vacancy_create",
    "vacancy_create_with_managers",
    "vacancy_publish",
    "vacancy_update",
]
