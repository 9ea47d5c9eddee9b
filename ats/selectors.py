"""Reads reused in several places, above all: what may this user see?"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from ats.models import Application, Document, Vacancy

HR = "hr"
HIRING_MANAGER = "hiring_manager"
MANAGEMENT = "management"
ROLES = (HR, HIRING_MANAGER, MANAGEMENT)


def roles(user: AbstractBaseUser) -> frozenset[str]:
    """The user's roles, read once per request (kept on the user object)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_hirewell_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._hirewell_roles = cached
    return cached


def has_role(user: AbstractBaseUser, role: str) -> bool:
    return role in roles(user)


def is_hr(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or has_role(user, HR))


def is_recruiter(user: AbstractBaseUser) -> bool:
    """HR or a hiring manager: the people the workspace is for. Anyone else (management,
    a staff user with no role) finds no page under /recruit/."""
    return is_hr(user) or has_role(user, HIRING_MANAGER)


def visible_vacancies(user: AbstractBaseUser) -> QuerySet[Vacancy]:
    """HR sees every vacancy; a hiring manager only those assigned to them; others none."""
    if is_hr(user):
        return Vacancy.objects.all()
    if has_role(user, HIRING_MANAGER):
        return Vacancy.objects.filter(hiring_managers=user)
    return Vacancy.objects.none()


def visible_applications(user: AbstractBaseUser) -> QuerySet[Application]:
    """HR sees every application (unsolicited ones included); a hiring manager those of
    their vacancies; management and everyone else none. A restricted application is
    seen by no one (ats.restrictions.unrestricted)."""
    from ats.restrictions import unrestricted

    if is_hr(user):
        return Application.objects.filter(unrestricted())
    if has_role(user, HIRING_MANAGER):
        # A communicated rejection is kept only for legal claims: HR's alone.
        return (
            # The manager's vacancies as a subquery on the assignment table: no join
            # through Vacancy on every list, board and search.
            Application.objects.filter(
                vacancy_id__in=Vacancy.hiring_managers.through.objects.filter(
                    user_id=user.pk
                ).values("vacancy_id")
            )
            .filter(unrestricted())
            .exclude(decision=Application.Decision.REJECTED, decision_communicated_at__isnull=False)
        )
    return Application.objects.none()


def open_vacancies() -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(status=Vacancy.Status.OPEN).select_related("department")


def visible_documents(user: AbstractBaseUser) -> QuerySet[Document]:
    return Document.objects.filter(application__in=visible_applications(user))


def average_rating():
    """The mean overall evaluation of an application, as a correlated subquery: an
    aggregate over a join would group every application before a page is cut."""
    from django.db.models import Avg, OuterRef, Subquery

    from ats.models import Evaluation

    return Subquery(
        Evaluation.objects.filter(application=OuterRef("pk"))
        .values("application")
        .annotate(mean=Avg("overall"))
        .values("mean")[:1]
    )
