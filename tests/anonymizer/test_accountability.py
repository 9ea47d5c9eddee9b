"""HR's retention page (/recruit/retention/): erasure runs, upcoming erasures, the job's
latest runs and their failures, legal holds, idle undecided applications, suspension.

Until ats/urls.py includes anonymizer.urls, the tests of the retention pages use this
module as their URL conf: the retention routes before the whole site's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

from anonymizer.models import ErasureRecord
from anonymizer.services import RetentionReport, legal_hold_place, retention_run_remember
from ats.models import Application
from tests.anonymizer.conftest import apply, berlin, decide, person

urlpatterns = [
    path("recruit/retention/", include("anonymizer.urls")),
    path("", include("ats.urls")),
]
URLCONF = __name__

NOW = berlin(2027, 3, 1, 12, 0)
URL = "/recruit/retention/"
APPLICATION_RULE = (
    "The application rule: the set number of months after the decision was communicated"
)
TALENT_POOL_RULE = "The talent pool: kept while the pool consent is valid"


@pytest.fixture(autouse=True)
def _retention_urls(settings):
    settings.ROOT_URLCONF = URLCONF


def erasure(run_id: uuid.UUID, rule: str, at: datetime, **counts: int) -> ErasureRecord:
    return ErasureRecord.objects.create(rule=rule, run_id=run_id, erased_at=at, counts=counts)


def build_world(time_machine, vacancy, hanna, *, size: int) -> dict[str, list]:
    """`size` of everything the page lists, made at the right moments."""
    world: dict[str, list] = {"runs": [], "upcoming": [], "later": [], "holds": [], "idle": []}
    time_machine.move_to(berlin(2026, 6, 1, 9, 0), tick=False)
    for n in range(size):
        world["idle"].append(apply(person(f"idle{n}"), vacancy, at=berlin(2026, 5, 20, 9, 0)))
    time_machine.move_to(berlin(2026, 9, 10, 9, 0), tick=False)
    for n in range(size):
        application = apply(person(f"soon{n}"), vacancy, at=berlin(2026, 8, 1, 9, 0))
        world["upcoming"].append(decide(application, "rejected", at=berlin(2026, 9, 10, 9, 0)))
        application = apply(person(f"later{n}"), vacancy, at=berlin(2026, 8, 1, 9, 0))
        world["later"].append(decide(application, "rejected", at=berlin(2026, 10, 15, 9, 0)))
    time_machine.move_to(NOW - timedelta(days=1), tick=False)
    for n in range(size):
        application = apply(person(f"held{n}"), vacancy, at=berlin(2026, 8, 1, 9, 0))
        decide(application, "rejected", at=berlin(2026, 8, 20, 9, 0))
        legal_hold_place(
            application=application,
            reason=f"Claim {n} before the labour court",
            until=date(2027, 6, 30),
            by=hanna,
        )
        world["holds"].append(application)
    for n in range(size):
        run_id = uuid.uuid4()
        at = berlin(2027, 2, 1, 3, 30) + timedelta(days=n)
        erasure(run_id, "application", at, applications=1, candidates=1, documents=2, notes=1)
        erasure(run_id, "application", at + timedelta(seconds=1), applications=1, documents=1)
        erasure(run_id, "talent_pool", at + timedelta(seconds=2), applications=1, candidates=1)
        world["runs"].append(run_id)
    time_machine.move_to(NOW, tick=False)
    return world


def names(applications: list[Application]) -> list[str]:
    return [application.candidate.full_name for application in applications]


# --- Access --------------------------------------------------------------------------


def test_the_page_needs_a_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["max_manager", "mia"])
def test_it_is_hidden_from_everyone_but_hr(client, db, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404


def test_it_only_answers_reads(client, hanna):
    client.force_login(hanna)
    assert client.post(URL).status_code == 405


def test_its_name_is_retention(db):
    assert reverse("retention") == URL


# --- What HR sees ---------------------------------------------------------------------


def test_hr_sees_each_run_with_its_counts_per_rule_and_what_went(
    client, hanna, vacancy_a, time_machine
):
    build_world(time_machine, vacancy_a, hanna, size=1)
    client.force_login(hanna)
    response = client.get(URL)
    assert response.status_code == 200
    runs = response.context["run_rows"]
    assert len(runs) == 1
    run = runs[0]
    assert run["records"] == 3
    assert dict(run["rules"]) == {
        APPLICATION_RULE: 2,
        TALENT_POOL_RULE: 1,
    }
    assert dict(run["erased"]) == {
        "Applications": 3,
        "Candidates": 2,
        "Documents": 3,
        "Notes": 1,
    }
    assert run["report"] is None  # the job's own report of that run is not known
    assert "not known" in response.content.decode()


def test_runs_are_paginated_newest_first(client, hanna, db):
    first, second = uuid.uuid4(), uuid.uuid4()
    for n in range(25):
        erasure(uuid.uuid4(), "application", berlin(2026, 1, 1, 3, 30) + timedelta(days=n))
    erasure(first, "application", berlin(2026, 3, 1, 3, 30))
    erasure(second, "hired", berlin(2026, 3, 2, 3, 30))
    client.force_login(hanna)
    page = client.get(URL).context["runs"]
    assert [run["run_id"] for run in page][:2] == [second, first]
    assert page.paginator.count == 27 and len(page) == 20
    older = client.get(URL, {"page": 2}).context["runs"]
    assert len(older) == 7
    assert older[6]["finished_at"] == berlin(2026, 1, 1, 3, 30)


def test_the_job_s_runs_appear_with_their_failures(
    client, hanna, vacancy_a, time_machine, django_capture_on_commit_callbacks
):
    from anonymizer.services import enforce_retention

    build_world(time_machine, vacancy_a, hanna, size=1)
    time_machine.move_to(berlin(2027, 3, 10, 9, 30), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        report = enforce_retention()
    assert report.erased["application"] == 1
    retention_run_remember(
        report=RetentionReport(
            run_id=uuid.uuid4(), now=NOW, dry_run=False, suspended=False, failures=2
        )
    )
    client.force_login(hanna)
    response = client.get(URL)
    latest = response.context["latest_runs"]
    assert [run.failures for run in latest] == [2, 0]
    assert latest[1].erased == 1 and latest[1].run_id == str(report.run_id)
    body = response.content.decode()
    assert "records not erased: 2" in body
    job_run = next(row for row in response.context["run_rows"] if row["report"] is not None)
    assert job_run["report"].run_id == str(report.run_id)


def test_upcoming_erasures_are_listed_per_day_and_rule_with_links_for_hr(
    client, hanna, vacancy_a, time_machine
):
    world = build_world(time_machine, vacancy_a, hanna, size=2)
    client.force_login(hanna)
    response = client.get(URL)
    upcoming = response.context["upcoming"]
    assert [(item["group"].day, item["rule"]) for item in upcoming] == [
        (date(2027, 3, 10), APPLICATION_RULE)
    ]
    assert set(upcoming[0]["group"].applications) == set(world["upcoming"])
    body = response.content.decode()
    for application in world["upcoming"]:
        assert reverse("application_file", args=[application.pk]) in body
        assert application.candidate.full_name in body
    for application in world["later"]:  # due on 15 April, beyond the 30 days
        assert application.candidate.full_name not in body


def test_an_overdue_erasure_is_flagged_as_due_now(client, hanna, vacancy_a, time_machine):
    build_world(time_machine, vacancy_a, hanna, size=1)
    time_machine.move_to(berlin(2027, 3, 10, 10, 0), tick=False)  # before the job's run
    client.force_login(hanna)
    group = client.get(URL).context["upcoming"][0]["group"]
    assert group.due_now


def test_legal_holds_in_force_show_the_end_who_placed_them_and_the_reason(
    client, hanna, vacancy_a, time_machine
):
    world = build_world(time_machine, vacancy_a, hanna, size=1)
    ended = world["upcoming"][0]
    Application.objects.filter(pk=ended.pk).update(
        legal_hold_reason="An old claim", legal_hold_until=date(2027, 2, 1)
    )
    client.force_login(hanna)
    response = client.get(URL)
    [hold] = response.context["holds"]
    assert hold == world["holds"][0]
    assert hold.placed_by == "hanna"
    assert hold.legal_hold_until == date(2027, 6, 30)
    body = response.content.decode()
    assert "Claim 0 before the labour court" in body
    assert "An old claim" not in body
    assert reverse("legal_hold_release", args=[hold.pk]) in body


def test_idle_undecided_applications_are_listed_with_links(client, hanna, vacancy_a, time_machine):
    world = build_world(time_machine, vacancy_a, hanna, size=2)
    client.force_login(hanna)
    response = client.get(URL)
    assert set(response.context["idle"]) == set(world["idle"])
    body = response.content.decode()
    for application in world["idle"]:
        assert reverse("application_file", args=[application.pk]) in body


def test_suspended_erasure_is_shown_prominently(client, hanna, settings):
    settings.ATS_RETENTION_SUSPENDED = True
    client.force_login(hanna)
    body = client.get(URL).content.decode()
    assert 'role="alert"><strong>Erasure is suspended.</strong>' in body


def test_a_fresh_install_shows_an_empty_page(client, hanna):
    client.force_login(hanna)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing has been erased yet." in body
    assert "No run of the job is known yet" in body
    assert "Erasure is suspended." not in body


def test_the_number_of_queries_does_not_grow_with_the_records(
    client, hanna, vacancy_a, time_machine, django_assert_max_num_queries
):
    build_world(time_machine, vacancy_a, hanna, size=1)
    client.force_login(hanna)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    build_world(time_machine, vacancy_a, hanna, size=4)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    context = response.context
    assert len(context["run_rows"]) == 5
    assert len(context["holds"]) == 5
    assert len(context["idle"]) == 5
    assert sum(len(item["group"].applications) for item in context["upcoming"]) == 5
    assert len(few) <= 16
