"""Named personas, as healthchecks has Alice, Bob and Charlie.

- Hanna, an HR recruiter (sees everything);
- Max, hiring manager of vacancy A (Backend Engineer);
- Brigitte, hiring manager of vacancy B (HR Generalist);
- Mia, from management (statistics only);
- Zoë, an applicant for vacancy A.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group, User

from ats import services
from ats.celery import app as celery_app
from ats.models import Application, Candidate, Channel, Department, Vacancy
from ats.selectors import HIRING_MANAGER, HR, MANAGEMENT

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + live_server


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Persistent connections would keep the live server's thread attached to the test
    database, which PostgreSQL then refuses to drop at the end of the run."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in German leaves German active in the thread: reset it, so that tests
    that render without a request (emails, validation messages) start in English."""
    yield
    from django.utils import translation

    translation.activate("en")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 still (the hash format is tested), at the lowest cost: production's
    parameters would make every persona cost a tenth of a second."""
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_cache(settings, request):
    """A fresh in-memory cache per test: cached pages and rate-limit counters of one
    test must not leak into the next (the database is rolled back, a cache is not)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tests run tasks eagerly even when CI exports a broker; the one test that needs a
    real worker switches this off for itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _staff(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def hanna(db) -> User:
    return _staff("hanna", HR)


@pytest.fixture
def max_manager(db) -> User:
    return _staff("max", HIRING_MANAGER)


@pytest.fixture
def brigitte(db) -> User:
    return _staff("brigitte", HIRING_MANAGER)


@pytest.fixture
def mia(db) -> User:
    return _staff("mia", MANAGEMENT)


@pytest.fixture
def engineering(db) -> Department:
    return Department.objects.create(name="Engineering")


@pytest.fixture
def vacancy_a(engineering, max_manager) -> Vacancy:
    vacancy = services.vacancy_create(
        title="Backend Engineer",
        department=engineering,
        location="Berlin",
        description="Build things.",
    )
    services.vacancy_publish(vacancy=vacancy)
    vacancy.hiring_managers.add(max_manager)
    return vacancy


@pytest.fixture
def vacancy_b(db, brigitte) -> Vacancy:
    people = Department.objects.create(name="People")
    vacancy = services.vacancy_create(
        title="HR Generalist", department=people, location="Hamburg", description="Help people."
    )
    services.vacancy_publish(vacancy=vacancy)
    vacancy.hiring_managers.add(brigitte)
    return vacancy


@pytest.fixture
def zoe(db) -> Candidate:
    candidate, _ = services.candidate_get_or_create(
        email="zoe.nunez@example.org",
        first_name="Zoë",
        last_name="Ñúñez-O'Brien",
        phone="+49 30 1234567",
    )
    return candidate


@pytest.fixture
def zoes_application(zoe, vacancy_a) -> Application:
    return services.application_create(candidate=zoe, vacancy=vacancy_a, channel=Channel.LINKEDIN)
