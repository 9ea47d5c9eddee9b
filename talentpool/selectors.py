"""What may this user see of the talent pool? Every recruiter page, download and search
of the pool starts here; outside this set the answer is 404."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ats.models import Application, Vacancy
from ats.selectors import HIRING_MANAGER, has_role, is_hr, visible_applications
from talentpool.models import PoolMonthlyCount, TalentPoolEntry


def current_pool_entries(now=None) -> QuerySet[TalentPoolEntry]:
    """Entries not ended and not past their expiry: an entry whose expiry has come is
    out at once, before the job that marks it has run."""
    now = now or timezone.now()
    return TalentPoolEntry.objects.filter(ended_at__isnull=True, expires_at__gt=now)


def may_use_pool(user: AbstractBaseUser) -> bool:
    """HR and hiring managers have a pool section; management and others none."""
    return is_hr(user) or has_role(user, HIRING_MANAGER)


def pool_vacancies_of(user: AbstractBaseUser) -> QuerySet[Vacancy]:
    """The vacancies through which a hiring manager sees shared members: those assigned
    to them and not closed (a closed vacancy considers nobody any more)."""
    return Vacancy.objects.filter(hiring_managers=user).exclude(status=Vacancy.Status.CLOSED)


def restricted_member() -> Exists:
    """True for an entry whose person restricted processing (Art. 18, ats.restrictions)
    beyond one application: a restriction not lifted that a restriction request about
    all of the person's applications placed (the self-service's "all my applications",
    or HR under such a request), or one on the entry's own pool-form application, which
    exists only for the pool. A restriction of one ordinary application freezes that
    application alone (the workspace hides it); the membership rests on its own
    consent and stays. A subquery, so the search adds no join and no duplicate rows."""
    from ats.models import DataRequest, Restriction

    person_wide = Restriction.objects.filter(
        application__candidate=OuterRef("candidate_id"),
        lifted_at=None,
        request__kind=DataRequest.Kind.RESTRICTION,
        request__application__isnull=True,
    )
    own_application = Restriction.objects.filter(
        application=OuterRef("application_id"), lifted_at=None
    )
    return Exists(person_wide) | Exists(own_application)


def visible_pool_entries(user: AbstractBaseUser) -> QuerySet[TalentPoolEntry]:
    """HR: every current entry. A hiring manager: the current entries HR shared with a
    vacancy of theirs (pool_vacancies_of). Management and everyone else: none. A member
    whose processing is restricted (restricted_member) is out for everyone, search and
    member file alike, until HR lifts the restriction."""
    if is_hr(user):
        return current_pool_entries().exclude(restricted_member())
    if has_role(user, HIRING_MANAGER):
        shared = TalentPoolEntry.shared_with.through.objects.filter(
            talentpoolentry_id=OuterRef("pk"), vacancy__in=pool_vacancies_of(user)
        )
        return current_pool_entries().filter(Exists(shared)).exclude(restricted_member())
    return TalentPoolEntry.objects.none()


def member_applications(user: AbstractBaseUser, entry: TalentPoolEntry) -> list[tuple]:
    """The member's applications, each with whether this user may open its file."""
    visible = set(
        visible_applications(user).filter(candidate=entry.candidate_id).values_list("pk", flat=True)
    )
    return [
        (application, application.pk in visible)
        for application in Application.objects.filter(candidate=entry.candidate_id)
        .select_related("vacancy")
        .order_by("-submitted_at")
    ]


def member_documents(entry: TalentPoolEntry):
    """The documents of the member's applications (the data the pool consent covers)."""
    from ats.models import Document

    return (
        Document.objects.filter(application__candidate=entry.candidate_id)
        .select_related("application__vacancy")
        .order_by("-uploaded_at")
    )


def offer_candidates(user: AbstractBaseUser) -> QuerySet[Application]:
    """Past applications (a decision taken) the user may see whose candidate is not in
    the pool and never withdrew a talent-pool consent: whom HR may offer membership."""
    from ats.models import Consent, Purpose

    in_pool = current_pool_entries().filter(candidate=OuterRef("candidate"))
    withdrew = Consent.objects.filter(
        candidate=OuterRef("candidate"),
        purpose=Purpose.TALENT_POOL,
        withdrawn_at__isnull=False,
    )
    return (
        visible_applications(user)
        .exclude(decision=Application.Decision.NONE)
        .exclude(Exists(in_pool))
        .exclude(Exists(withdrew))
        .select_related("candidate", "vacancy")
        .order_by("-decided_at", "-pk")
    )


def pool_dashboard(months: int = 12) -> dict:
    """HR's numbers: current members, those expiring within 30 days, and per month the
    joins, renewals, withdrawals and expiries (PoolMonthlyCount)."""
    now = timezone.now()
    current = current_pool_entries(now).aggregate(
        members=Count("pk"),
        expiring=Count("pk", filter=Q(expires_at__lte=now + timedelta(days=30))),
    )
    rows: dict = {}
    for count in PoolMonthlyCount.objects.order_by("-month")[: months * 4]:
        rows.setdefault(count.month, {})[count.kind] = count.count
    per_month = [
        {"month": month, **{kind: kinds.get(kind, 0) for kind in PoolMonthlyCount.Kind.values}}
        for month, kinds in sorted(rows.items(), reverse=True)[:months]
    ]
    return {**current, "per_month": per_month}
