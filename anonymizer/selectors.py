"""Reads the retention job and HR's pages share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from anonymizer import rules
from ats.models import Application, Consent, Purpose

REJECTED, HIRED, WITHDRAWN = "rejected", "hired", "withdrawn"


def talent_pool_held_until(candidate_ids: Iterable[int], *, now: datetime) -> dict[int, datetime]:
    """Until when the talent pool holds each candidate, as of `now`: the instant
    ATS_TALENT_POOL_MONTHS calendar months after their latest talent-pool consent was
    given (which may already be past), for candidates whose latest consent is not
    withdrawn. Candidates the pool does not hold are missing.

    The stand-in for the talent pool app: "in the talent pool with valid consent" means
    `in_talent_pool` below, and this one function is what that app replaces.
    """
    latest: dict[int, Consent] = {}
    consents = (
        Consent.objects.filter(
            candidate_id__in=list(candidate_ids), purpose=Purpose.TALENT_POOL, given_at__lte=now
        )
        .order_by("given_at", "pk")
        .only("candidate_id", "given_at", "withdrawn_at")
    )
    for consent in consents:
        latest[consent.candidate_id] = consent
    months = settings.ATS_TALENT_POOL_MONTHS
    return {
        candidate_id: rules.months_after(consent.given_at, months)
        for candidate_id, consent in latest.items()
        if consent.withdrawn_at is None or consent.withdrawn_at > now
    }


def in_talent_pool(candidate_id: int, *, now: datetime) -> bool:
    """A talent-pool consent given within the last ATS_TALENT_POOL_MONTHS months and
    not withdrawn."""
    until = talent_pool_held_until([candidate_id], now=now).get(candidate_id)
    return until is not None and until > now


def retention_candidates(now: datetime) -> QuerySet[Application]:
    """Applications that may be due for erasure as of `now`: a superset, cheap to find
    in SQL; `rules.application_deadline` decides for each. N calendar months are at
    least 28 * N days, so a clock that started later than that cannot have run out."""
    bound = now - timedelta(days=28 * settings.ATS_APPLICATION_RETENTION_MONTHS - 1)
    today = now.astimezone(rules.site_zone()).date()
    return Application.objects.filter(
        Q(decision__in=[REJECTED, WITHDRAWN], decision_communicated_at__lte=bound)
        | Q(decision=WITHDRAWN, decision_communicated_at=None, decided_at__lte=bound)
        | Q(decision=HIRED, employment_ended_at__lte=bound)
    ).exclude(legal_hold_until__gte=today)


def upcoming_erasures(now: datetime, *, days: int = 30) -> list[tuple[Application, rules.Deadline]]:
    """Applications due for erasure within `days` from `now` (overdue ones included),
    with the deadline that decides, soonest first."""
    horizon = now + timedelta(days=days)
    applications = list(retention_candidates(horizon).select_related("vacancy"))
    pool = talent_pool_held_until({a.candidate_id for a in applications}, now=now)
    upcoming = []
    for application in applications:
        deadline = rules.application_deadline(
            application, now, talent_pool_until=pool.get(application.candidate_id)
        )
        if deadline.is_due(horizon):
            upcoming.append((application, deadline))
    upcoming.sort(key=lambda pair: pair[1].due_at)
    return upcoming


def idle_undecided_applications(now: datetime) -> QuerySet[Application]:
    """Applications with no final decision communicated (so no retention clock) that
    nothing has changed for ATS_RETENTION_IDLE_DAYS (default 180): listed for HR,
    never erased by the job. Hired applications are kept for the employment instead."""
    no_clock = (
        Q(decision="")
        | Q(decision=REJECTED, decision_communicated_at=None)
        | Q(decision=WITHDRAWN, decision_communicated_at=None, decided_at=None)
    )
    return Application.objects.filter(
        no_clock, updated_at__lte=rules.idle_since_cutoff(now)
    ).order_by("updated_at", "pk")


def _active_special_category_consent() -> QuerySet[Consent]:
    return Consent.objects.filter(
        candidate=OuterRef("candidate"),
        purpose=Purpose.SPECIAL_CATEGORY,
        withdrawn_at=None,
    ).filter(Q(application=OuterRef("pk")) | Q(application=None))


def special_category_without_consent() -> QuerySet[Application]:
    """Applications holding special-category answers with no active consent covering
    them (the application's own, or one of the candidate's for every application)."""
    return (
        Application.objects.exclude(special_category_sealed=b"")
        .annotate(has_consent=Exists(_active_special_category_consent()))
        .filter(has_consent=False)
    )


def has_active_special_category_consent(application: Application) -> bool:
    return Consent.objects.filter(
        Q(application=application.pk) | Q(application=None),
        candidate=application.candidate_id,
        purpose=Purpose.SPECIAL_CATEGORY,
        withdrawn_at=None,
    ).exists()


def legal_holds() -> QuerySet[Application]:
    """Applications under a legal hold (ended or not), latest end first."""
    return Application.objects.filter(
        Q(legal_hold_until__isnull=False) | ~Q(legal_hold_reason="")
    ).order_by("-legal_hold_until", "pk")
