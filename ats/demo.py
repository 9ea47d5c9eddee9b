"""Demo content for a development instance: vacancies, staff of each role, applications.

Everything is looked up before it is created, so running it again changes nothing.
All people are fictional and use example.org addresses.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from ats import services
from ats.models import Application, Channel, Department, Gender, Stage, Vacancy
from ats.selectors import HIRING_MANAGER, HR, MANAGEMENT

VACANCIES = [
    (
        "Engineering",
        "Backend Engineer (Python/Django)",
        "Berlin",
        Vacancy.EmploymentType.FULL_TIME,
        "Build the services behind our products, privacy first.",
    ),
    (
        "Engineering",
        "Frontend Engineer",
        "Remote (EU)",
        Vacancy.EmploymentType.FULL_TIME,
        "Accessible, fast, server-rendered interfaces.",
    ),
    (
        "Engineering",
        "Site Reliability Engineer",
        "Hamburg",
        Vacancy.EmploymentType.FULL_TIME,
        "Keep our platform fast, observable and boring.",
    ),
    (
        "People & Operations",
        "HR Generalist",
        "Berlin",
        Vacancy.EmploymentType.PART_TIME,
        "Support our teams from first interview to first day.",
    ),
    (
        "People & Operations",
        "Working Student, Recruiting",
        "Berlin",
        Vacancy.EmploymentType.INTERNSHIP,
        "Learn recruiting in a team that takes candidates seriously.",
    ),
]

STAFF = [
    ("demo-hr", HR, "Hanna", "Recruiter"),
    ("demo-manager", HIRING_MANAGER, "Max", "Manager"),
    ("demo-management", MANAGEMENT, "Mia", "Director"),
]

# first name, last name, vacancy index (None: unsolicited), stage kind, days ago, gender,
# channel, decision
APPLICANTS = [
    ("Zoë", "Ñúñez-O'Brien", 0, Stage.Kind.NEW, 1, Gender.FEMALE, Channel.LINKEDIN, ""),
    ("Jonas", "Becker", 0, Stage.Kind.SCREENING, 6, Gender.MALE, Channel.JOB_BOARD, ""),
    ("Aylin", "Demir", 0, Stage.Kind.INTERVIEW, 12, Gender.FEMALE, Channel.REFERRAL, ""),
    ("Sam", "Okafor", 1, Stage.Kind.OFFER, 20, Gender.DIVERSE, Channel.CAREERS_SITE, ""),
    ("Lena", "Schmidt", 1, Stage.Kind.REJECTED, 40, Gender.FEMALE, Channel.EVENT, "rejected"),
    ("Tomasz", "Nowak", 2, Stage.Kind.HIRED, 60, Gender.MALE, Channel.LINKEDIN, "hired"),
    ("Priya", "Raman", 3, Stage.Kind.SCREENING, 3, Gender.NOT_STATED, Channel.JOB_BOARD, ""),
    ("Noah", "Fischer", None, Stage.Kind.NEW, 2, Gender.MALE, Channel.CAREERS_SITE, ""),
]


@dataclass
class SeedReport:
    created_vacancies: int = 0
    created_applications: int = 0
    new_logins: list[tuple[str, str, str]] = field(default_factory=list)  # user, role, password
    existing_logins: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def seed_demo() -> SeedReport:
    report = SeedReport()
    vacancies = [_vacancy(report, *spec) for spec in VACANCIES]
    staff = {
        role: _staff_user(report, username, role, first, last)
        for username, role, first, last in STAFF
    }
    manager = staff[HIRING_MANAGER]
    for vacancy in vacancies[:2]:
        vacancy.hiring_managers.add(manager)
    for index, spec in enumerate(APPLICANTS):
        _application(report, index, vacancies, staff[HR], *spec)
    return report


def _vacancy(report, department_name, title, location, employment_type, summary) -> Vacancy:
    department, _ = Department.objects.get_or_create(name=department_name)
    vacancy = Vacancy.objects.filter(title=title, department=department).first()
    if vacancy is None:
        vacancy = services.vacancy_create(
            title=title,
            department=department,
            location=location,
            employment_type=employment_type,
            summary=summary,
            description=f"{summary}\n\nThis is a demo vacancy of a development instance.",
        )
        services.vacancy_publish(vacancy=vacancy)
        report.created_vacancies += 1
    return vacancy


def _staff_user(report, username, role, first_name, last_name):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@example.org",
            is_staff=role == HR,
        )
        user.groups.add(Group.objects.get(name=role))
        report.new_logins.append((username, role, password))
    else:
        report.existing_logins.append((username, role))
    return user


def _application(
    report,
    index,
    vacancies,
    hr_user,
    first,
    last,
    vacancy_index,
    kind,
    days_ago,
    gender,
    channel,
    decision,
) -> None:
    vacancy = vacancies[vacancy_index] if vacancy_index is not None else None
    candidate, _ = services.candidate_get_or_create(
        email=f"demo.applicant{index + 1}@example.org",
        first_name=first,
        last_name=last,
        phone=f"+49 30 5550{index + 100}",
    )
    if Application.objects.filter(candidate=candidate, vacancy=vacancy).exists():
        return
    now = timezone.now()
    application = services.application_create(
        candidate=candidate,
        vacancy=vacancy,
        channel=channel,
        self_declared_gender=gender,
        submitted_at=now - timedelta(days=days_ago),
    )
    target = services.stages_for(vacancy).get(kind=kind)
    services.application_move_stage(application=application, stage=target, by=hr_user)
    if decision:
        application.decision = decision
        application.decided_at = now - timedelta(days=max(days_ago - 10, 0))
        application.decided_by = hr_user
        application.decision_communicated_at = application.decided_at
        application.save(
            update_fields=["decision", "decided_at", "decided_by", "decision_communicated_at"]
        )
    report.created_applications += 1
