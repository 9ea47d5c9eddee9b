"""Reads the retention job and HR's pages share."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.db.models.query import prefetch_related_objects
from django.utils import timezone

from anonymizer import rules
from anonymizer.models import ErasureRecord, RetentionRunLog
from ats.health import DOWN, OK
from ats.models import Application, AuditEvent, Consent, Purpose

REJECTED, HIRED, WITHDRAWN = "rejected", "hired", "withdrawn"


def talent_pool_held_until(candidate_ids: Iterable[int], *, now: datetime) -> dict[int, datetime]:
    """Until when the talent pool holds each candidate, as of `now`: the expiry of their
    pool entry that had begun by `now` and had not ended by then (which may already be
    past when the daily expiry marking has not run yet: then it is due). An ended entry
    (expired, withdrawn) holds nothing; candidates the pool does not hold are missing.

    The entry's expiry is ATS_TALENT_POOL_MONTHS calendar months after the consent it
    rests on was given or last renewed (talentpool.services)."""
    from talentpool.models import TalentPoolEntry

    entries = (
        TalentPoolEntry.objects.filter(candidate_id__in=list(candidate_ids), joined_at__lte=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        .order_by("joined_at", "pk")
        .values_list("candidate_id", "expires_at")
    )
    return dict(entries)


def ended_pool_applications(now: datetime) -> QuerySet[Application]:
    """Applications made only for the talent pool whose pool entry ended by `now`
    (expired, or withdrawn when the immediate erasure failed): candidates for the
    talent_pool_ended rule (rules.pool_only_deadline decides), with `pool_ended_at`."""
    return Application.objects.filter(pool_entry_of__ended_at__lte=now).annotate(
        pool_ended_at=F("pool_entry_of__ended_at")
    )


def in_talent_pool(candidate_id: int, *, now: datetime) -> bool:
    """A talent-pool entry current as of `now` (begun, not ended, not expired)."""
    until = talent_pool_held_until([candidate_id], now=now).get(candidate_id)
    return until is not None and until > now


def retention_candidates(now: datetime) -> QuerySet[Application]:
    """Applications that may be due for erasure as of `now`: a superset, cheap to find
    in SQL; `rules.application_deadline` decides for each. N calendar months are at
    least 28 * N days, so a clock that started later than that cannot have run out."""
    return Application.objects.filter(_retention_candidate(now))


def _retention_candidate(now: datetime) -> Q:
    bound = now - timedelta(days=28 * settings.ATS_APPLICATION_RETENTION_MONTHS - 1)
    today = now.astimezone(rules.site_zone()).date()
    return (
        Q(decision__in=[REJECTED, WITHDRAWN], decision_communicated_at__lte=bound)
        | Q(decision=WITHDRAWN, decision_communicated_at=None, decided_at__lte=bound)
        | Q(decision=HIRED, employment_ended_at__lte=bound)
    ) & ~Q(legal_hold_until__gte=today)


def _pool_application_ending(horizon: datetime) -> Q:
    """Made only for the talent pool, its entry ended or expiring by `horizon`."""
    return Q(pool_entry_of__ended_at__lte=horizon) | Q(
        pool_entry_of__ended_at=None, pool_entry_of__expires_at__lte=horizon
    )


def upcoming_erasures(now: datetime, *, days: int = 30) -> list[tuple[Application, rules.Deadline]]:
    """Applications due for erasure within `days` from `now` (overdue ones included),
    with the deadline that decides, soonest first."""
    horizon = now + timedelta(days=days)
    # One read for both: the applications whose own clock may run out, and those made
    # only for the talent pool, which go when their entry ends (at its expiry, or
    # already, before the next run).
    applications = list(
        Application.objects.filter(
            _retention_candidate(horizon) | _pool_application_ending(horizon)
        )
        .annotate(pool_ends_at=Coalesce("pool_entry_of__ended_at", "pool_entry_of__expires_at"))
        .select_related("vacancy")
    )
    pool = talent_pool_held_until({a.candidate_id for a in applications}, now=now)
    upcoming = []
    for application in applications:
        until = pool.get(application.candidate_id)
        if application.pool_ends_at is not None:
            deadline = rules.pool_only_deadline(
                application, entry_ended_at=application.pool_ends_at, talent_pool_until=until
            )
        else:
            deadline = rules.application_deadline(application, now, talent_pool_until=until)
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


# --- Accountability (HR's retention page, /healthz) ------------------------------------

# What an ErasureRecord counts, in the order HR's page lists it.
ERASED_KINDS = (
    "applications",
    "candidates",
    "documents",
    "notes",
    "evaluations",
    "emails",
    "stage_changes",
    "consents",
    "audit_events",
    "special_category_answers",
)

# How many of the job's latest runs HR's page lists.
RUNS_KEPT = 30
# A run older than this means the daily job has stopped (beat or worker down).
STALE_AFTER = timedelta(days=2)
RETENTION_SUSPENDED = "suspended"


def erasure_runs() -> QuerySet[ErasureRecord, dict[str, Any]]:
    """One row (a dictionary) per run of the job that erased something, newest first:
    `run_id`, `started_at` and `finished_at` (its first and last erasure), `records`, and
    per kind in ERASED_KINDS the total of what went. One grouped query, whatever the
    number of records."""
    totals = {
        kind: Coalesce(Sum(Cast(KT(f"counts__{kind}"), IntegerField())), 0) for kind in ERASED_KINDS
    }
    return (
        ErasureRecord.objects.order_by()
        .values("run_id")
        .annotate(
            started_at=Min("erased_at"),
            finished_at=Max("erased_at"),
            records=Count("pk"),
            **totals,
        )
        .order_by("-finished_at", "run_id")
    )


def erasures_per_rule(run_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """How many records each of these runs erased under each rule (one query)."""
    per_run: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    rows = (
        ErasureRecord.objects.order_by()
        .filter(run_id__in=list(run_ids))
        .values_list("run_id", "rule")
        .annotate(records=Count("pk"))
    )
    for run_id, rule, records in rows:
        per_run[run_id][rule] = records
    return dict(per_run)


@dataclass
class UpcomingErasures:
    """The applications one rule erases on one day (site time zone)."""

    day: date
    rule: str
    due_now: bool = False  # due already, not erased yet (suspended, or before the run)
    applications: list[Application] = field(default_factory=list)


def upcoming_erasures_by_day(now: datetime, *, days: int = 30) -> list[UpcomingErasures]:
    """`upcoming_erasures` grouped by local day and rule, soonest first, with each
    application's candidate read in one query (HR's page shows their names)."""
    upcoming = upcoming_erasures(now, days=days)
    prefetch_related_objects([application for application, _ in upcoming], "candidate")
    groups: dict[tuple[date, str], UpcomingErasures] = {}
    zone = rules.site_zone()
    for application, deadline in upcoming:
        assert deadline.due_at is not None  # upcoming_erasures keeps dated deadlines only
        day = deadline.due_at.astimezone(zone).date()
        group = groups.setdefault((day, deadline.rule), UpcomingErasures(day, deadline.rule))
        group.due_now = group.due_now or deadline.is_due(now)
        group.applications.append(application)
    return list(groups.values())


def legal_holds_in_force(today: date) -> QuerySet[Application]:
    """Applications under a legal hold that has not ended by `today` (site time zone),
    the soonest end first and open-ended ones last, with who placed the hold and when
    (from the audit trail: `placed_by` is the username, None if that user is gone)."""
    placed = AuditEvent.objects.filter(
        action="legal_hold_placed",
        target_type="ats.application",
        target_id=Cast(OuterRef("pk"), output_field=CharField()),
    ).order_by("-at", "-pk")
    return (
        legal_holds()
        .filter(Q(legal_hold_until__gte=today) | Q(legal_hold_until=None))
        .select_related("candidate", "vacancy")
        .annotate(
            placed_by=Subquery(placed.values("actor__username")[:1]),
            placed_at=Subquery(placed.values("at")[:1]),
        )
        .order_by(F("legal_hold_until").asc(nulls_last=True), "pk")
    )


@dataclass(frozen=True)
class RetentionRun:
    """One run of the job as its report told it: counts only."""

    run_id: str
    finished_at: datetime
    suspended: bool
    erased: int
    skipped: int
    failures: int
    storage_failures: int

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.storage_failures)


def recent_retention_runs() -> list[RetentionRun]:
    """The latest runs of the job (not dry runs), newest first (at most RUNS_KEPT)."""
    return [
        RetentionRun(
            run_id=str(run.pk),
            finished_at=run.finished_at,
            suspended=run.suspended,
            erased=run.erased,
            skipped=run.skipped,
            failures=run.failures,
            storage_failures=run.storage_failures,
        )
        for run in RetentionRunLog.objects.order_by("-finished_at")[:RUNS_KEPT]
    ]


def retention_health() -> dict[str, str]:
    """The retention job's state for /healthz: `suspended` while ATS_RETENTION_SUSPENDED
    is on (a state, not a failure); `down` with error `stale` when its latest run
    finished more than two days ago; otherwise `ok`, with the note `no run yet` on a
    fresh install."""
    if getattr(settings, "ATS_RETENTION_SUSPENDED", False):
        return {"status": RETENTION_SUSPENDED}
    runs = recent_retention_runs()
    if not runs:
        return {"status": OK, "note": "no run yet"}
    if timezone.now() - runs[0].finished_at > STALE_AFTER:
        return {"status": DOWN, "error": "stale"}
    return {"status": OK}
