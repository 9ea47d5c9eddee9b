"""The core domain. One module per entity family; import from ats.models."""

from __future__ import annotations

from ats.models.applications import Application, Channel, Gender, StageChange
from ats.models.audit import AuditEvent
from ats.models.candidates import Candidate
from ats.models.consents import Consent, ConsentText, Purpose
from ats.models.documents import Document
from ats.models.requests import DataExport, DataRequest, Restriction, SelfServiceSignIn
from ats.models.vacancies import DEFAULT_STAGES, Department, Stage, Vacancy
from ats.models.workspace import CandidateEmail, DecisionTemplate, Evaluation, Note

__all__ = [
    "DEFAULT_STAGES",
    "Application",
    "AuditEvent",
    "Candidate",
    "CandidateEmail",
    "Channel",
    "Consent",
    "ConsentText",
    "DataExport",
    "DataRequest",
    "DecisionTemplate",
    "Department",
    "Document",
    "Evaluation",
    "Gender",
    "Note",
    "Purpose",
    "Restriction",
    "SelfServiceSignIn",
    "Stage",
    "StageChange",
    "Vacancy",
]
