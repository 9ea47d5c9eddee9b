"""The statistics pages under /stats/ (anonymizer.views_stats): who may see them, that
they show no personal data, that their CSV files are safe in a spreadsheet, that bad
filters get a clear answer, and that no combination of the views and CSV files offered
gives away a small count."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import URLPattern, reverse

from anonymizer.models import ApplicationStatistic
from anonymizer.services import legal_hold_place
from anonymizer.statistics import dashboard
from ats import services as ats_services
from ats import urls_recruit
from ats.models import Channel, Department, Gender
from ats.services.workspace import note_add
from tests.anonymizer.conftest import apply, berlin, decide, move
from tests.anonymizer.test_stats_disclosure import derivable

TABLES = ["applications", "gender", "channels", "funnel", "outcomes", "durations", "departments"]
PERSONAS = ["anonymous", "hanna", "max_manager", "brigitte", "mia"]


def statistics(rows: list[tuple]) -> None:
    ApplicationStatistic.objects.bulk_create(
        ApplicationStatistic(
            month=date(2025, month, 1),
            department=dept,
            channel=channel,
            gender=gender,
            stage_reached=stage,
            outcome=outcome,
            days_to_decision=days,
        )
        for month, dept, gender, channel, stage, outcome, days, n in rows
        for _ in range(n)
    )


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# --- Access ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("table", [None, "gender"], ids=["dashboard", "csv"])
def test_only_management_and_hr_see_the_statistics(client, request, persona, table, vacancy_b):
    statistics([(3, "People", "female", "linkedin", "new", "rejected", 4, 12)])
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    url = reverse("stats_csv", args=[table]) if table else reverse("stats_dashboard")
    response = client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif persona in ("hanna", "mia"):
        assert response.status_code == 200
    else:
        assert response.status_code == 404


def test_the_workspace_links_hr_to_the_statistics(client, hanna):
    client.force_login(hanna)
    assert reverse("stats_dashboard") in client.get(reverse("workspace")).content.decode()


# Recruiter routes without an object id; the object routes are covered for every persona
# by tests/ats/test_permission_matrix.py.


@pytest.mark.parametrize(
    ("persona", "lands_on"), [("mia", "stats_dashboard"), ("hanna", "workspace")]
)
def test_a_login_lands_management_on_the_statistics_and_recruiters_on_the_workspace(
    db, client, request, persona, lands_on
):
    user = request.getfixturevalue(persona)
    user.set_password("a long enough password")
    user.save()
    response = client.post(
        reverse("login"), {"username": user.get_username(), "password": "a long enough password"}
    )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse(lands_on)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "pattern",
    [
        p
        for p in urls_recruit.urlpatterns
        if isinstance(p, URLPattern) and "<" not in str(p.pattern)
    ],
    ids=lambda p: p.name,
)
def test_management_gets_404_on_recruiter_urls(client, request, mia, zoes_application, pattern):
    client.force_login(mia)
    response = client.get(reverse(pattern.name))
    if response.status_code == 405:
        response = client.post(reverse(pattern.name), {})
    assert response.status_code == 404


# --- No personal data ------------------------------------------------------------------

MARKERS = ("Quetzalina", "Xylographer", "quetzalina.x@example.org", "+49 30 9876543", "Zebrafish")


@pytest.fixture
def marked(vacancy_a, vacancy_b, hanna, vault):
    """Applications full of personal data and free text, live and erased."""
    candidate, _ = ats_services.candidate_get_or_create(
        email=MARKERS[2], first_name=MARKERS[0], last_name=MARKERS[1], phone=MARKERS[3]
    )
    made = []
    for n in range(12):
        application = apply(
            candidate if n == 0 else _person(n),
            vacancy_a if n % 2 else vacancy_b,
            at=berlin(2025, 3, 1 + n, 10, 0),
            channel=Channel.OTHER,
            channel_other=f"{MARKERS[4]} fair",
            self_declared_gender=Gender.FEMALE,
        )
        note_add(application=application, author=hanna, body=f"{MARKERS[4]} said")
        move(application, "interview")
        made.append(application)
    decide(made[0], "rejected", at=berlin(2025, 3, 20, 10, 0), communicated=None)
    legal_hold_place(
        application=made[0], reason=f"{MARKERS[4]} claim", until=date(2099, 1, 1), by=hanna
    )
    statistics([(3, "Engineering", "female", "other", "interview", "rejected", 7, 15)])
    return made


def _person(n: int):
    from tests.anonymizer.conftest import person

    return person(f"applicant{n}")


def test_management_sees_no_personal_data_on_any_page_or_csv(client, mia, marked):
    client.force_login(mia)
    cube = dashboard.protected_cube()
    texts = []
    # All time, the year, a quarter and the month the applications were made in.
    for period in ("all", "2025", "2025-Q1", "2025-03"):
        for department, _name in dashboard.department_choices(cube):
            query = {"period": period, "department": department}
            response = client.get(reverse("stats_dashboard"), query)
            assert response.status_code == 200
            texts.append(response.content.decode())
            for table in TABLES:
                response = client.get(reverse("stats_csv", args=[table]), query)
                if table == "departments" and department:
                    assert response.status_code == 404  # only in the all-departments view
                    continue
                texts.append("\n".join(",".join(row) for row in read_csv(response)))
    joined = "\n".join(texts)
    assert "Engineering" in joined  # the pages did render the data
    for marker in MARKERS:
        assert marker not in joined
    assert "/recruit/" not in joined  # no drill-down: nothing links to an application


# --- CSV files -------------------------------------------------------------------------


def test_csv_cells_that_look_like_formulas_are_neutralised(client, mia):
    name = '=HYPERLINK("http://evil.example/","click")'
    Department.objects.create(name=name)
    statistics([(1, name, "male", "linkedin", "new", "rejected", 3, 12)])
    client.force_login(mia)
    rows = read_csv(client.get(reverse("stats_csv", args=["departments"])))
    labels = [row[0] for row in rows]
    assert "'" + name in labels
    assert name not in labels
    page = client.get(reverse("stats_dashboard")).content.decode()
    assert "HYPERLINK(&quot;http://evil.example/&quot;" in page  # escaped, never markup


def test_bad_filters_get_a_clear_error_and_no_numbers(client, mia):
    statistics([(1, "People", "male", "linkedin", "new", "rejected", 3, 12)])
    client.force_login(mia)
    url = reverse("stats_dashboard")
    for query, message in [
        ({"period": "2025-13"}, "Choose a whole month, quarter or year"),
        ({"period": "2025-03-14"}, "Choose a whole month, quarter or year"),
        ({"period": "1999"}, "Choose a whole month, quarter or year"),
        ({"department": "Nowhere"}, "Choose a department from the list."),
    ]:
        response = client.get(url, query)
        assert response.status_code == 400
        assert message in response.content.decode()
        response = client.get(reverse("stats_csv", args=["gender"]), query)
        assert response.status_code == 400
    assert client.get(reverse("stats_csv", args=["people"])).status_code == 404


# --- Disclosure across every view and CSV offered --------------------------------------

GENDER_BY_LABEL = {str(label): code for code, label in dashboard.GENDER_LABELS.items()}


def test_three_women_in_one_department_cannot_be_recovered_from_any_view(client, mia):
    """People has three female applicants in 2025 (one each in March, June and
    November). Every CSV of the gender, applications and departments tables, for every
    period and department the filters offer, is read; the published numbers are
    equations over (month, department, gender); no suppressed gender count, the three
    women's above all, is a sum or difference of them."""
    rows = []
    for month in range(1, 13):
        rows += [
            (month, "Engineering", "female", "linkedin", "interview", "rejected", 5, 14),
            (month, "Engineering", "male", "job_board", "new", "rejected", 9, 17),
            (month, "Engineering", "diverse", "referral", "new", "none", None, 2),
            (month, "Engineering", "not_stated", "linkedin", "screening", "rejected", 4, 6),
            (month, "People", "male", "referral", "new", "rejected", 3, 3),
            (month, "People", "not_stated", "linkedin", "new", "rejected", 3, 1),
        ]
    rows += [(m, "People", "female", "referral", "new", "rejected", 2, 1) for m in (3, 6, 11)]
    statistics(rows)
    client.force_login(mia)
    cube = dashboard.protected_cube()
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    departments = cube.departments

    def under(period: str) -> list[str]:
        if period == "all" or period == "2025":
            return months
        if "-Q" in period:
            q = int(period[-1])
            return months[3 * q - 3 : 3 * q]
        return [period]

    published, suppressed, female_people = [], [], []
    for period, _label in dashboard.period_choices(cube):
        for department, _name in dashboard.department_choices(cube):
            query = {"period": period, "department": department}
            depts = departments if not department else [department.replace("~unsolicited", "")]

            def cell(ms, ds, genders):
                return frozenset((m, d, g) for m in ms for d in ds for g in genders)

            for label, value, *_rest in read_csv(
                client.get(reverse("stats_csv", args=["gender"]), query)
            )[1:]:
                genders = (
                    [GENDER_BY_LABEL[label]] if label != "Total" else list(GENDER_BY_LABEL.values())
                )
                atoms = cell(under(period), depts, genders)
                if value.isdigit():
                    published.append(atoms)
                else:
                    suppressed.append(atoms)
                    if depts == ["People"] and genders == ["female"]:
                        female_people.append(value)
            for label, value in read_csv(
                client.get(reverse("stats_csv", args=["applications"]), query)
            )[1:]:
                if value.isdigit():
                    ms = under(period) if label == "Total" else under(label)
                    published.append(cell(ms, depts, GENDER_BY_LABEL.values()))
            if not department:
                for label, applications, *_rest in read_csv(
                    client.get(reverse("stats_csv", args=["departments"]), query)
                )[1:]:
                    if applications.isdigit() and label != "All departments":
                        name = next(
                            d for d in departments if dashboard.department_label(d) == label
                        )
                        published.append(cell(under(period), [name], GENDER_BY_LABEL.values()))
    assert female_people and all(value == "fewer than 10" for value in female_people)
    assert published, "the views publish numbers"
    assert not derivable(published, suppressed)


def test_the_month_in_progress_is_never_shown(client, mia, vacancy_a, time_machine):
    """Applications of this month count from the first day of the next one: until then
    the month is not among the periods, and its applications in no total."""
    time_machine.move_to(berlin(2026, 5, 20, 12, 0))
    statistics([(4, "People", "male", "linkedin", "new", "rejected", 3, 12)])
    ApplicationStatistic.objects.filter(month=date(2025, 4, 1)).update(month=date(2026, 4, 1))
    for n in range(15):
        application = apply(_person(n), vacancy_a, at=berlin(2026, 5, 2 + n % 10, 9, 0))
        decide(application, "rejected", at=berlin(2026, 5, 19, 9, 0), communicated=None)
    client.force_login(mia)
    cube = dashboard.protected_cube()
    assert cube.until == "2026-04"
    assert "2026-05" not in dict(dashboard.period_choices(cube))
    rows = read_csv(client.get(reverse("stats_csv", args=["applications"])))
    assert [row[0] for row in rows[1:5]] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    counts = {value for _period, value in rows[1:]}
    assert not counts & {"15", "27"}  # May's fifteen are in no count
    assert cube.values[("all", None, 0)] == 12
    durations = read_csv(client.get(reverse("stats_csv", args=["durations"])))
    assert durations[1] == ["To a decision", "3"]  # April's, not May's weeks
    response = client.get(reverse("stats_dashboard"), {"period": "2026-05"})
    assert response.status_code == 400


def test_with_no_applications_the_page_says_so(client, mia):
    client.force_login(mia)
    response = client.get(reverse("stats_dashboard"))
    assert response.status_code == 200
    assert "There are no applications to count yet." in response.content.decode()
