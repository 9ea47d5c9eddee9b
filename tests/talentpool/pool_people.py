"""Pool members for the recruiter-side tests, made directly (what pool_join does, minus
counts, audit and mail), so these tests do not depend on the joining pages."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ats import services
from ats.models import Application, Candidate, Channel, Consent, ConsentText, Purpose, Vacancy
from ats.vault.intake import document_intake
from talentpool.models import Source, TalentPoolEntry


def person(first: str, last: str = "Example", *, email: str | None = None) -> Candidate:
    candidate, _ = services.candidate_get_or_create(
        email=email or f"{first.lower()}.{last.lower()}@example.org",
        first_name=first,
        last_name=last,
        phone="+49 30 7654321",
    )
    return candidate


def pool_consent(candidate: Candidate, *, days_ago: int = 1) -> Consent:
    return Consent.objects.create(
        candidate=candidate,
        purpose=Purpose.TALENT_POOL,
        text=ConsentText.objects.filter(purpose=Purpose.TALENT_POOL, language="en").first(),
        given_at=timezone.now() - timedelta(days=days_ago),
        given_via=Consent.Via.FORM,
    )


def member(
    candidate: Candidate,
    *,
    skills: list[str] = (),
    tags: list[str] = (),
    location: str = "",
    days_left: int = 150,
    source: str = Source.APPLICATION_FORM,
) -> TalentPoolEntry:
    now = timezone.now()
    return TalentPoolEntry.objects.create(
        candidate=candidate,
        consent=pool_consent(candidate),
        source=source,
        joined_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=days_left),
        location=location,
        skills=list(skills),
        tags=list(tags),
    )


def application_with(
    candidate: Candidate, vacancy: Vacancy | None, files: list[tuple[str, bytes]] = ()
) -> Application:
    application = services.application_create(
        candidate=candidate, vacancy=vacancy, channel=Channel.CAREERS_SITE
    )
    for name, data in files:
        document_intake(application=application, kind="cv", name=name, data=data)
    return application
