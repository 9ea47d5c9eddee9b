"""Throughput of the recruiter workspace with 5,000 applications in one vacancy on
PostgreSQL: the pipeline board and the application list under gunicorn, against a
minimal authenticated Django view served the same way, plus the query count per page at
50 and at 500 applications.

The harness is the careers benchmark's (tests/bench/test_careers_throughput.py): the
same gunicorn (`--workers 2`, sync workers, production mode), client threads, rounds
and timing. Only the load generator is this module's own, because the pages need a
session: every client thread logs in once with a real POST to /accounts/login/ and
sends its own `sessionid` cookie with every request.

The baseline is a minimal authenticated view: the project's own settings (middleware,
sessions in PostgreSQL saved on every request, authentication, Redis cache), with a
URLconf of one `@login_required` view answering "ok", so it pays for everything the
pages pay for except the page itself.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import statistics
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ats.models import Application, Candidate, Channel, Department, StageChange, Vacancy
from ats.models.vacancies import Stage
from ats.models.workspace import Evaluation
from ats.selectors import HIRING_MANAGER, HR
from ats.services import SCORED_STAGES, stages_for, vacancy_create, vacancy_publish
from tests import services
from tests.bench.test_careers_throughput import (
    CLIENT_THREADS,
    ROOT,
    ROUNDS,
    SECONDS,
    WARMUP_SECONDS,
    WORKERS,
    gunicorn,
    production_env,
    run,
)

GOAL = 0.3  # each page's requests per second against the minimal authenticated view's
APPLICATIONS = 5_000
PASSWORD = "bench only: correct horse battery staple"
HR_USER = "bench-hr"
MANAGER_USER = "bench-manager"
TIMEOUT = 60  # seconds per request: a heavy page waits behind the other threads' ones

# Where the applications of a busy vacancy sit, per 100.
STAGE_SHARES = {
    Stage.Kind.NEW: 40,
    Stage.Kind.SCREENING: 25,
    Stage.Kind.INTERVIEW: 12,
    Stage.Kind.OFFER: 3,
    Stage.Kind.HIRED: 2,
    Stage.Kind.REJECTED: 18,
}
FIRST_NAMES = ["Zoë", "Max", "Aylin", "Jonas", "Mia", "Lukas", "Şebnem", "Noah", "Ana", "Piotr"]
LAST_NAMES = ["Ñúñez", "Müller", "Yilmaz", "Schmidt", "O'Brien", "Nowak", "Weber", "Rossi"]

BENCH_SETTINGS = """
from ats.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
"""

BENCH_URLS = '''
"""The baseline's URLconf: the login page and one minimal authenticated view. The
careers site's and the talent pool's public URLs are included only because the login
page's layout links to them (and "/" is what the careers harness polls until the server
answers)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path

from ats.login_throttle import ThrottledAuthenticationForm


@login_required
def minimal(request):
    return HttpResponse("ok")


urlpatterns = [
    path("minimal/", minimal),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("talent-pool/", include("talentpool.urls")),
    path("", include("careers_site.urls")),
]
'''

BENCH_WSGI = """
import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
"""

SEED = f"""
from django.db import connection
from tests.bench.test_workspace_throughput import seed_team, seed_applications

vacancy, hr, manager = seed_team({PASSWORD!r})
seed_applications(vacancy, {APPLICATIONS}, author=hr)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # the statistics autovacuum would gather after a bulk load
print(vacancy.pk)
"""


# --- Data ------------------------------------------------------------------------------


def seed_team(password: str) -> tuple[Vacancy, User, User]:
    """One open vacancy with its default stages, an HR user and its hiring manager."""
    department, _ = Department.objects.get_or_create(name="Engineering")
    vacancy = vacancy_create(
        title="Backend Engineer",
        department=department,
        location="Berlin",
        description="Build things that stay up.",
    )
    vacancy_publish(vacancy=vacancy)
    hr = User.objects.create_user(HR_USER, password=password)
    hr.groups.add(Group.objects.get(name=HR))
    manager = User.objects.create_user(MANAGER_USER, password=password)
    manager.groups.add(Group.objects.get(name=HIRING_MANAGER))
    vacancy.hiring_managers.add(manager)
    return vacancy, hr, manager


def seed_applications(vacancy: Vacancy, count: int, *, author: User) -> None:
    """count more applications to the vacancy, spread over its stages as STAGE_SHARES,
    each with its first stage change; one in three in a scored stage is evaluated."""
    stages = list(stages_for(vacancy))
    by_kind = {stage.kind: stage for stage in stages}
    pattern = [kind for kind, share in STAGE_SHARES.items() for _ in range(share)]
    channels = Channel.values
    first = Candidate.objects.count()
    now = timezone.now()
    numbers = range(first, first + count)
    candidates = Candidate.objects.bulk_create(
        Candidate(
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[n % len(LAST_NAMES)]}-{n}",
            email=f"applicant{n}@example.org",
            phone="+49 30 5550000",
        )
        for n in numbers
    )
    kinds = [pattern[(n * 37) % len(pattern)] for n in numbers]  # mixed, not in runs
    submitted = [now - timedelta(minutes=7 * n) for n in numbers]
    decisions = {
        Stage.Kind.HIRED: Application.Decision.HIRED,
        Stage.Kind.REJECTED: Application.Decision.REJECTED,
    }
    applications = Application.objects.bulk_create(
        Application(
            candidate=candidate,
            vacancy=vacancy,
            stage=by_kind[kind],
            channel=channels[n % len(channels)],
            submitted_at=at,
            decision=decisions.get(kind, Application.Decision.NONE),
            decided_at=now if kind in decisions else None,
        )
        for n, candidate, kind, at in zip(numbers, candidates, kinds, submitted, strict=True)
    )
    StageChange.objects.bulk_create(
        StageChange(application=application, to_stage=stages[0], changed_at=at)
        for application, at in zip(applications, submitted, strict=True)
    )
    recommendations = Evaluation.Recommendation.values
    Evaluation.objects.bulk_create(
        Evaluation(
            application=application,
            stage=application.stage,
            author=author,
            ratings={c: 1 + (n + i) % 5 for i, c in enumerate(application.stage.criteria)},
            overall=1 + n % 5,
            recommendation=recommendations[n % len(recommendations)],
        )
        for n, application in zip(numbers, applications, strict=True)
        if application.stage.kind in SCORED_STAGES and n % 3 == 0
    )


def page_paths(vacancy_pk: int) -> dict[str, tuple[str, str]]:
    """The measured pages: name -> (user, path)."""
    return {
        "board": (HR_USER, f"/recruit/vacancies/{vacancy_pk}/"),
        "list": (HR_USER, "/recruit/applications/"),
        "list_manager": (MANAGER_USER, f"/recruit/applications/?vacancy={vacancy_pk}"),
    }


def query_counts(settings, clients: dict[str, Client], vacancy: Vacancy) -> dict[str, int]:
    """Queries of one request to each page, and to the baseline's view under its own
    URLconf (bench_urls, importable from the temporary directory)."""
    paths = {
        name: ("ats.urls", user, path) for name, (user, path) in page_paths(vacancy.pk).items()
    }
    paths["minimal"] = ("bench_urls", HR_USER, "/minimal/")
    counts = {}
    for name, (urlconf, user, path) in paths.items():
        settings.ROOT_URLCONF = urlconf
        with CaptureQueriesContext(connection) as queries:
            response = clients[user].get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    settings.ROOT_URLCONF = "ats.urls"
    return counts


# --- Database and server ---------------------------------------------------------------


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in {"postgres", "postgresql"}:
        services.missing("PostgreSQL", "DATABASE_URL is not a postgres:// URL")
    return url


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new, empty database next to DATABASE_URL's, dropped on exit; yields its URL."""
    import psycopg
    from psycopg import sql

    name = f"hirewell_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def served_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """Production mode as the careers benchmark serves it, on the given database."""
    return production_env(tmp_path, DATABASE_URL=database_url)


# --- HTTP with a session ---------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def login(port: int, username: str) -> str:
    """The Cookie header of a fresh session: the login form's CSRF cookie and token,
    then a real POST of the credentials."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        client.request("GET", "/accounts/login/")
        response = client.getresponse()
        page = response.read()
        assert response.status == 200, response.status
        csrf_cookie = _cookies(response)["csrftoken"]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token in the login form"
        client.request(
            "POST",
            "/accounts/login/",
            body=urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1).decode(),
                    "username": username,
                    "password": PASSWORD,
                }
            ),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
            },
        )
        response = client.getresponse()
        response.read()
        assert response.status == 302, f"login of {username} answered {response.status}"
        return f"sessionid={_cookies(response)['sessionid']}"
    finally:
        client.close()


def logins(port: int, username: str) -> list[str]:
    """One session per client thread, logged in in parallel."""
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        return list(pool.map(lambda _: login(port, username), range(CLIENT_THREADS)))


def fetch_as(port: int, path: str, cookie: str) -> tuple[int, bytes, float]:
    """Status, body and seconds of one request with the session cookie."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        began = time.monotonic()
        client.request("GET", path, headers={"Cookie": cookie})
        response = client.getresponse()
        body = response.read()
        return response.status, body, time.monotonic() - began
    finally:
        client.close()


def requests_per_second_as(port: int, path: str, cookies: Sequence[str], seconds: float) -> float:
    """The careers benchmark's requests_per_second, each thread sending its own session
    cookie (that helper sends no headers); 200 responses per second."""
    counts = [0] * len(cookies)
    failures: list[str] = []
    start = threading.Barrier(len(cookies) + 1)
    stop_at = time.monotonic() + 3600  # set for real once every thread is ready

    def load(slot: int) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        headers = {"Cookie": cookies[slot]}
        start.wait()
        try:
            while time.monotonic() < stop_at:
                client.request("GET", path, headers=headers)
                response = client.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{path}: {response.status}")
                    return
                counts[slot] += 1
        except OSError as error:
            failures.append(f"{path}: {error!r}")
        finally:
            client.close()

    threads = [threading.Thread(target=load, args=(slot,)) for slot in range(len(cookies))]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at = began + seconds
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + TIMEOUT + 30)
    elapsed = time.monotonic() - began
    assert not failures, failures[:5]
    return sum(counts) / elapsed


def interleaved_as(targets: dict[str, tuple[int, str, Sequence[str]]]) -> dict[str, float]:
    """The careers benchmark's interleaved(), with a session cookie per client thread."""
    for port, path, cookies in targets.values():
        requests_per_second_as(port, path, cookies, WARMUP_SECONDS)
    rounds: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (port, path, cookies) in targets.items():
            rounds[name].append(requests_per_second_as(port, path, cookies, SECONDS / ROUNDS))
    return {name: statistics.median(figures) for name, figures in rounds.items()}


# --- The benchmark ---------------------------------------------------------------------


@pytest.mark.django_db
def test_workspace_pages_against_a_minimal_authenticated_view(tmp_path, settings, report):
    database_url = postgres_url()
    run_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    started = time.monotonic()

    # The query count per page, in-process, at 50 and at 500 applications (the test
    # database, PostgreSQL as well); "minimal" is the baseline's view.
    (tmp_path / "bench_settings.py").write_text(BENCH_SETTINGS, encoding="utf-8")
    (tmp_path / "bench_urls.py").write_text(textwrap.dedent(BENCH_URLS), encoding="utf-8")
    (tmp_path / "bench_wsgi.py").write_text(BENCH_WSGI, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        vacancy, hr, manager = seed_team(PASSWORD)
        clients = {HR_USER: Client(), MANAGER_USER: Client()}
        clients[HR_USER].force_login(hr)
        clients[MANAGER_USER].force_login(manager)
        counts = {}
        for total in (50, 500):
            seed_applications(vacancy, total - Application.objects.count(), author=hr)
            counts[total] = query_counts(settings, clients, vacancy)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("bench_urls", None)

    with scratch_database(database_url) as scratch_url:
        env = served_env(tmp_path, scratch_url)
        seeding = time.monotonic()
        run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
        run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        vacancy_pk = int(
            run(["manage.py", "shell", "--no-imports", "-c", SEED], env).strip().splitlines()[-1]
        )
        setup_seconds = time.monotonic() - seeding  # migrate, collectstatic, seed

        with (
            gunicorn(
                "bench_wsgi:application", env=env, cwd=tmp_path, log=tmp_path / "min.log"
            ) as minimal_port,
            gunicorn("ats.wsgi:application", env=env, cwd=ROOT, log=tmp_path / "ats.log") as port,
        ):
            sessions = {
                "minimal": logins(minimal_port, HR_USER),
                HR_USER: logins(port, HR_USER),
                MANAGER_USER: logins(port, MANAGER_USER),
            }
            targets = {"minimal": (minimal_port, "/minimal/", sessions["minimal"])}
            sizes, latencies = {}, {}
            for name, (user, path) in page_paths(vacancy_pk).items():
                targets[name] = (port, path, sessions[user])
            for name, (target_port, path, cookies) in targets.items():
                timings = []
                for _ in range(3):  # the first compiles the templates of one worker
                    status, body, seconds = fetch_as(target_port, path, cookies[0])
                    assert status == 200, (name, status)
                    timings.append(seconds)
                sizes[name], latencies[name] = len(body), min(timings)
                if name == "board":
                    board_cards = body.count(b'class="card"')
                    assert b"Backend Engineer" in body
                if name == "list":
                    assert b"Page 1 of 100" in body, "5,000 applications, 50 a page"
            rates = interleaved_as(targets)
    minimal = rates["minimal"]
    ratios = {name: rate / minimal for name, rate in rates.items() if name != "minimal"}

    report(
        run_at=run_at,
        applications=APPLICATIONS,
        board_cards_shown=board_cards,
        **{f"{name}_req_s": rate for name, rate in rates.items()},
        **{f"{name}_vs_minimal": ratio for name, ratio in ratios.items()},
        **{f"{name}_bytes": size for name, size in sizes.items()},
        **{f"{name}_ms_alone": seconds * 1000 for name, seconds in latencies.items()},
        **{f"queries_{name}_at_50": count for name, count in counts[50].items()},
        **{f"queries_{name}_at_500": count for name, count in counts[500].items()},
        workers=WORKERS,
        client_threads=CLIENT_THREADS,
        seconds_per_target=SECONDS,
        setup_seconds=setup_seconds,
        total_seconds=time.monotonic() - started,
    )
    assert counts[50] == counts[500]
    short = {name: round(ratio, 3) for name, ratio in ratios.items() if ratio < GOAL}
    if short:
        # Reported, not failed: see docs/benchmarks.md ("Recruiter workspace throughput").
        pytest.xfail(f"below {GOAL} of the minimal authenticated view: {short}")
