"""Throughput of the job board and a vacancy page under gunicorn, against a minimal Django
view served the same way, plus the query count per page at 10 and 200 vacancies.

Both servers run `gunicorn --workers 2` (sync workers) on loopback; the load generator
is this process: N threads, each with its own http.client connection, for a fixed time
per target. The application runs in production mode on a fresh SQLite file in a
temporary directory holding 200 open vacancies; the baseline is a bare Django (no
middleware, no database, no templates) answering "ok".
"""

from __future__ import annotations

import http.client
import os
import signal
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ats.models import Department, Vacancy
from ats.varfiles import new_keyring, new_secret_key
from careers_site import page_cache
from tests import services

ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.5  # each page's requests per second against the minimal view's
WORKERS = 2
CLIENT_THREADS = 8
SECONDS = float(os.environ.get("ATS_BENCH_SECONDS", "5"))  # per target, over all rounds
ROUNDS = 5
WARMUP_SECONDS = 0.5
VACANCIES = 200

DEPARTMENTS = ["Engineering", "People & Operations", "Sales", "Finance", "Customer Success"]
LOCATIONS = ["Berlin", "Hamburg", "Munich", "Cologne", "Remote (EU)"]
TITLES = [
    "Backend Engineer",
    "Frontend Engineer",
    "Site Reliability Engineer",
    "HR Generalist",
    "Account Executive",
    "Accountant",
    "Support Specialist",
    "Data Analyst",
]
DESCRIPTION = (
    "You will work in a small team that ships every day.\n\n"
    + "We care about privacy, accessibility and boring, reliable software. " * 20
    + "\n\nWhat we offer: a permanent contract, 30 days of holiday, a learning budget."
)

MINIMAL_APP = '''
"""A bare Django answering "ok": the baseline of the careers throughput benchmark."""

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-only-not-a-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("", ok)]
application = get_wsgi_application()
'''

SEED = f"""
from django.utils import timezone
from datetime import timedelta
from ats.models import Department, Vacancy

DEPARTMENTS = {DEPARTMENTS!r}
LOCATIONS = {LOCATIONS!r}
TITLES = {TITLES!r}
TYPES = [choice for choice, _ in Vacancy.EmploymentType.choices]
departments = [Department.objects.get_or_create(name=name)[0] for name in DEPARTMENTS]
now = timezone.now()
Vacancy.objects.bulk_create(
    Vacancy(
        title=f"{{TITLES[i % len(TITLES)]}} {{i}}",
        department=departments[i % len(departments)],
        location=LOCATIONS[i % len(LOCATIONS)],
        employment_type=TYPES[i % len(TYPES)],
        summary="A short summary of what the role is about and who we are looking for.",
        description={DESCRIPTION!r},
        status=Vacancy.Status.OPEN,
        published_at=now - timedelta(hours=i),
    )
    for i in range({VACANCIES})
)
print(Vacancy.objects.first().reference)
"""


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@contextmanager
def gunicorn(app: str, *, env: dict[str, str], cwd: Path, log: Path) -> Iterator[int]:
    """A gunicorn serving app on a free loopback port, stopped (and reaped) on exit."""
    port = services.free_port()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(port, process, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_until_serving(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            status, _ = fetch(port, "/")
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return
        pytest.fail(f"gunicorn answered {status}: {log.read_text(errors='replace')[-3000:]}")
    pytest.fail("gunicorn did not start within 20 s")


def fetch(port: int, path: str) -> tuple[int, bytes]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path)
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def requests_per_second(port: int, path: str, seconds: float, expected: int = 200) -> float:
    """Responses with the expected status per second, for CLIENT_THREADS threads over
    `seconds`.

    gunicorn's sync workers close the connection after each response; http.client then
    reconnects on the next request, so every request pays for a TCP handshake on both
    sides of the comparison alike.
    """
    counts = [0] * CLIENT_THREADS
    failures: list[str] = []
    start = threading.Barrier(CLIENT_THREADS + 1)
    stop_at = time.monotonic() + 3600  # set for real once every thread is ready

    def load(slot: int) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start.wait()
        try:
            while time.monotonic() < stop_at:
                client.request("GET", path)
                response = client.getresponse()
                response.read()
                if response.status != expected:
                    failures.append(f"{path}: {response.status}")
                    return
                counts[slot] += 1
        except OSError as error:
            failures.append(f"{path}: {error!r}")
        finally:
            client.close()

    threads = [threading.Thread(target=load, args=(slot,)) for slot in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at = began + seconds
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.monotonic() - began
    assert not failures, failures[:5]
    return sum(counts) / elapsed


def interleaved(targets: dict[str, tuple[int, str, int]]) -> dict[str, float]:
    """The median requests per second of each target over ROUNDS rounds, the targets
    taking turns within a round, so that a burst of load from elsewhere on the machine
    weighs on all of them alike."""
    for port, path, expected in targets.values():
        requests_per_second(port, path, WARMUP_SECONDS, expected)  # templates compiled
    rounds: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (port, path, expected) in targets.items():
            rounds[name].append(requests_per_second(port, path, SECONDS / ROUNDS, expected))
    return {name: statistics.median(figures) for name, figures in rounds.items()}


def seed_in_process(count: int) -> Vacancy:
    departments = [Department.objects.get_or_create(name=name)[0] for name in DEPARTMENTS[:3]]
    first = Vacancy.objects.count()
    Vacancy.objects.bulk_create(
        Vacancy(
            title=f"Engineer {first + i}",
            department=departments[i % 3],
            location=LOCATIONS[i % len(LOCATIONS)],
            description=DESCRIPTION,
            status=Vacancy.Status.OPEN,
        )
        for i in range(count)
    )
    return Vacancy.objects.first()


def query_counts(client, vacancy: Vacancy) -> dict[str, int]:
    counts = {}
    for name, path in (
        ("board", "/"),
        ("board_search", "/?q=engineer&location=Berlin"),
        ("vacancy", vacancy.get_absolute_url()),
    ):
        page_cache.bump()  # count the queries of a render, not of a cache hit
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[name] = len(queries)
    return counts


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production-mode instance in tmp_path: cached templates,
    hashed static files; the services it names are configured, not contacted."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL"))
    }
    env.update(
        ATS_DEBUG="0",
        ATS_SECRET_KEY=new_secret_key(),
        ATS_KEYRING=new_keyring(),
        ATS_ALLOWED_HOSTS="127.0.0.1,localhost",
        ATS_SECURE_SSL_REDIRECT="0",
        CLAMD_HOST="127.0.0.1",
        ATS_EMAIL="smtp://127.0.0.1:25",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
        ATS_VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
        **overrides,
    )
    return env


@pytest.mark.django_db
def test_careers_pages_against_a_minimal_django_view(client, tmp_path, report):
    started = time.monotonic()

    # The query count per page, in-process, at 10 and at 200 vacancies.
    vacancy = seed_in_process(10)
    queries_at_10 = query_counts(client, vacancy)
    seed_in_process(190)
    queries_at_200 = query_counts(client, vacancy)

    env = production_env(tmp_path)
    run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
    run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    reference = (
        run(["manage.py", "shell", "--no-imports", "-c", SEED], env).strip().splitlines()[-1]
    )
    (tmp_path / "bench_minimal.py").write_text(textwrap.dedent(MINIMAL_APP), encoding="utf-8")

    with (
        gunicorn(
            "bench_minimal:application", env=env, cwd=tmp_path, log=tmp_path / "min.log"
        ) as minimal_port,
        gunicorn("ats.wsgi:application", env=env, cwd=ROOT, log=tmp_path / "ats.log") as port,
    ):
        status, board = fetch(port, "/")
        assert status == 200
        assert board.count(b'class="vacancy-card"') == VACANCIES
        rates = interleaved(
            {
                "minimal": (minimal_port, "/", 200),
                # The project's own floor: a redirect through the whole middleware
                # stack, with no database and no template.
                "middleware_floor": (port, "/i18n/setlang/", 302),
                "board": (port, "/", 200),
                "board_search": (port, "/?q=engineer", 200),
                "vacancy": (port, f"/careers/{reference}/", 200),
            }
        )
    minimal = rates["minimal"]

    report(
        **{f"{name}_req_s": rate for name, rate in rates.items()},
        **{
            f"{name}_vs_minimal": rate / minimal
            for name, rate in rates.items()
            if name != "minimal"
        },
        open_vacancies=VACANCIES,
        **{f"queries_{name}_at_10": count for name, count in queries_at_10.items()},
        **{f"queries_{name}_at_200": count for name, count in queries_at_200.items()},
        workers=WORKERS,
        client_threads=CLIENT_THREADS,
        seconds_per_target=SECONDS,
        total_seconds=time.monotonic() - started,
    )
    assert queries_at_10 == queries_at_200
    short = {
        name: round(rates[name] / minimal, 3)
        for name in ("board", "vacancy")
        if rates[name] / minimal < GOAL
    }
    if short:
        # Reported, not failed: even the middleware floor above stays near the goal,
        # see docs/benchmarks.md ("Careers site throughput").
        pytest.xfail(f"below {GOAL} of the minimal view: {short}")
