"""Helpers for the retention tests: decisions set directly on the row (the decision
services and their emails are tested in tests/ats), documents in a private local vault."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from ats import services
from ats.models import (
    Application,
    Candidate,
    Channel,
    Consent,
    ConsentText,
    Purpose,
    Stage,
    Vacancy,
)
from tests.ats.vault.conftest import use_local_storage

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def vault(settings, tmp_path) -> Path:
    """A private local document store without a scanner (development mode)."""
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET = "", ""
    settings.DEVELOPMENT = True
    return tmp_path / "documents"


def person(name: str) -> Candidate:
    candidate, _ = services.candidate_get_or_create(
        email=f"{name}@example.org", first_name=name, last_name="Example", phone="+49 30 1"
    )
    return candidate


def apply(
    candidate: Candidate, vacancy: Vacancy | None, *, at: datetime, **fields: object
) -> Application:
    return services.application_create(
        candidate=candidate,
        vacancy=vacancy,
        channel=fields.pop("channel", Channel.LINKEDIN),
        submitted_at=at,
        **fields,
    )


def move(application: Application, kind: str, *, by=None) -> None:
    stage = services.stages_for(application.vacancy).filter(kind=kind).first()
    services.application_move_stage(application=application, stage=stage, by=by)


def decide(
    application: Application,
    decision: str,
    *,
    at: datetime,
    communicated: datetime | bool | None = True,
    employment_ended_at: datetime | None = None,
) -> Application:
    """Give the application a final decision, decided at `at` and communicated then
    (or at `communicated`, or not at all with None)."""
    kind = {"rejected": Stage.Kind.REJECTED, "hired": Stage.Kind.HIRED}.get(decision)
    if kind is not None:
        move(application, kind)
    if communicated is True:
        communicated = at
    Application.objects.filter(pk=application.pk).update(
        decision=decision,
        decided_at=at,
        decision_communicated_at=communicated or None,
        employment_ended_at=employment_ended_at,
    )
    application.refresh_from_db()
    return application


def consent(
    candidate: Candidate,
    purpose: str,
    *,
    given_at: datetime,
    application: Application | None = None,
    withdrawn_at: datetime | None = None,
) -> Consent:
    text = ConsentText.objects.filter(purpose=purpose).first() or ConsentText.objects.create(
        purpose=purpose, version=1, language="en", text="We may keep your data."
    )
    given = Consent.objects.create(
        candidate=candidate,
        application=application,
        purpose=purpose,
        text=text,
        given_at=given_at,
        given_via=Consent.Via.FORM,
        withdrawn_at=withdrawn_at,
        withdrawn_via=Consent.Via.SELF_SERVICE if withdrawn_at else "",
    )
    if purpose == Purpose.TALENT_POOL:
        pool_entry_for(given)
    return given


def pool_entry_for(consent: Consent) -> None:
    """The talent-pool entry such a consent makes (the pool holds a candidate through
    their entry, talentpool.services): a new one, or the current one renewed on it; a
    consent withdrawn when given ends it then. Written directly, like the decisions
    above, so that no welcome email or count is involved."""
    from anonymizer.rules import months_after
    from talentpool.models import TalentPoolEntry

    expires_at = months_after(consent.given_at, settings.ATS_TALENT_POOL_MONTHS)
    ended = {
        "ended_at": consent.withdrawn_at,
        "end_reason": "withdrawn" if consent.withdrawn_at else "",
    }
    entry = TalentPoolEntry.objects.filter(candidate=consent.candidate, ended_at=None).first()
    if entry is None:
        TalentPoolEntry.objects.create(
            candidate=consent.candidate,
            consent=consent,
            source="application_form",
            joined_at=consent.given_at,
            expires_at=expires_at,
            **ended,
        )
    else:
        TalentPoolEntry.objects.filter(pk=entry.pk).update(
            consent=consent, expires_at=expires_at, **ended
        )
