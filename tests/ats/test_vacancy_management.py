"""Vacancy management by HR: the vacancy and its hiring managers, publishing and closing,
and the stages of its pipeline. Everyone else finds none of these pages."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ats import services
from ats.forms.vacancies import CriteriaField
from ats.models import AuditEvent, Channel, Department, Stage, Vacancy
from ats.selectors import visible_vacancies
from ats.services import vacancies as vacancy_services


def form_data(**overrides: object) -> dict:
    data = {
        "title": "Data Engineer",
        "department": "",
        "new_department": "",
        "location": "Leipzig",
        "employment_type": Vacancy.EmploymentType.PART_TIME,
        "summary": "Pipelines that do not leak.",
        "description": "You build our data platform.",
        "managers": [],
    }
    data.update(overrides)
    return data


def said(response) -> list[str]:
    """The messages a response sets, read once (they are not shown, as the redirect is
    not followed: the board is another page's business)."""
    told = [str(message) for message in get_messages(response.wsgi_request)]
    response.client.cookies.pop("messages", None)
    return told


def stage_named(vacancy: Vacancy, name: str) -> Stage:
    return Stage.objects.get(vacancy=vacancy, name=name)


def pipeline(vacancy: Vacancy) -> list[tuple[int, str]]:
    return list(
        Stage.objects.filter(vacancy=vacancy).order_by("position").values_list("position", "name")
    )


def names(vacancy: Vacancy) -> list[str]:
    return [name for _, name in pipeline(vacancy)]


@pytest.fixture
def hr(client, hanna):
    client.force_login(hanna)
    return client


def stages_url(vacancy: Vacancy) -> str:
    return reverse("vacancy_stages", args=[vacancy.pk])


# --- Creating a vacancy -----------------------------------------------------------------


def test_hr_creates_a_vacancy_in_an_existing_department_with_its_managers(
    hr, hanna, engineering, max_manager, brigitte
):
    response = hr.post(
        reverse("vacancy_new"),
        form_data(department=engineering.pk, managers=[max_manager.pk, brigitte.pk]),
    )
    vacancy = Vacancy.objects.get(title="Data Engineer")
    assert response.status_code == 302
    assert response["Location"] == reverse("vacancy_board", args=[vacancy.pk])
    assert said(response) == ["The vacancy is saved as a draft."]
    assert vacancy.status == Vacancy.Status.DRAFT
    assert vacancy.department == engineering
    assert vacancy.employment_type == Vacancy.EmploymentType.PART_TIME
    assert set(vacancy.hiring_managers.all()) == {max_manager, brigitte}
    kinds = list(Stage.objects.filter(vacancy=vacancy).values_list("kind", flat=True))
    assert kinds == ["new", "screening", "interview", "offer", "hired", "rejected"]
    events = AuditEvent.objects.filter(target_id=str(vacancy.pk), actor=hanna)
    assert {event.action for event in events} == {"vacancy_created", "vacancy_managers_assigned"}
    assigned = events.get(action="vacancy_managers_assigned")
    assert assigned.details == {"managers_added": sorted([max_manager.pk, brigitte.pk])}


def test_hr_creates_a_vacancy_in_a_new_department(hr, hanna, engineering):
    response = hr.post(reverse("vacancy_new"), form_data(new_department="  Data   Science "))
    assert response.status_code == 302
    vacancy = Vacancy.objects.get(title="Data Engineer")
    assert vacancy.department.name == "Data Science"
    assert AuditEvent.objects.filter(
        action="department_created", target_id=str(vacancy.department_id), actor=hanna
    ).exists()


def test_a_typed_department_that_exists_is_reused_whatever_its_case(hr, engineering):
    hr.post(reverse("vacancy_new"), form_data(new_department="ENGINEERING"))
    assert Vacancy.objects.get(title="Data Engineer").department == engineering
    assert Department.objects.count() == 1


def test_a_vacancy_needs_a_department_chosen_or_typed(hr, engineering):
    response = hr.post(reverse("vacancy_new"), form_data())
    assert response.status_code == 400
    assert "Choose a department, or type the name of a new one below." in response.content.decode()
    assert not Vacancy.objects.exists()


def test_a_department_both_chosen_and_typed_is_an_error_that_keeps_what_was_typed(hr, engineering):
    response = hr.post(
        reverse("vacancy_new"), form_data(department=engineering.pk, new_department="Research")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Either choose a department above or type a new one here, not both." in page
    assert 'value="Research"' in page
    assert 'value="Data Engineer"' in page
    assert "You build our data platform." in page
    assert not Vacancy.objects.exists()
    assert not Department.objects.filter(name="Research").exists()


def test_only_active_hiring_managers_can_be_assigned(hr, engineering, mia, max_manager):
    max_manager.is_active = False
    max_manager.save()
    for someone in (mia, max_manager):
        response = hr.post(
            reverse("vacancy_new"), form_data(department=engineering.pk, managers=[someone.pk])
        )
        assert response.status_code == 400
        assert "Select a valid choice." in response.content.decode()
    assert not Vacancy.objects.exists()


def test_the_service_refuses_a_manager_without_the_role(engineering, hanna, mia):
    with pytest.raises(ValidationError, match="hiring manager role"):
        vacancy_services.vacancy_create_with_managers(
            title="Analyst",
            department=engineering,
            location="Berlin",
            description="Numbers.",
            managers=[mia],
            by=hanna,
        )
    assert not Vacancy.objects.exists()


def test_a_10000_character_title_is_a_validation_error(hr, engineering):
    response = hr.post(
        reverse("vacancy_new"), form_data(title="x" * 10_000, department=engineering.pk)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters (it has 10000)." in page
    assert 'value="Leipzig"' in page
    assert not Vacancy.objects.exists()


def test_control_characters_in_a_field_are_a_validation_error(hr, engineering):
    response = hr.post(
        reverse("vacancy_new"), form_data(title="Data\x00Engineer", department=engineering.pk)
    )
    assert response.status_code == 400
    assert "characters that cannot be shown" in response.content.decode()


# --- Editing a vacancy ------------------------------------------------------------------


def test_the_edit_form_shows_the_vacancy_as_it_is(hr, vacancy_a, max_manager):
    page = hr.get(reverse("vacancy_edit", args=[vacancy_a.pk])).content.decode()
    assert 'value="Backend Engineer"' in page
    assert f'<option value="{vacancy_a.department_id}" selected>Engineering</option>' in page
    assert f'value="{max_manager.pk}"' in page and "checked" in page
    assert reverse("vacancy_close", args=[vacancy_a.pk]) in page


def test_hr_edits_a_vacancy_and_its_managers(hr, hanna, vacancy_a, max_manager, brigitte):
    assert vacancy_a in visible_vacancies(max_manager)
    response = hr.post(
        reverse("vacancy_edit", args=[vacancy_a.pk]),
        form_data(
            title="Senior Backend Engineer",
            department=vacancy_a.department_id,
            location="Berlin",
            managers=[brigitte.pk],
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("vacancy_board", args=[vacancy_a.pk])
    assert said(response) == ["Your changes to the vacancy are saved."]
    vacancy_a.refresh_from_db()
    assert vacancy_a.title == "Senior Backend Engineer"
    assert vacancy_a.employment_type == Vacancy.EmploymentType.PART_TIME
    # The manager taken off loses the vacancy with their next request; the new one has it.
    assert vacancy_a not in visible_vacancies(max_manager)
    assert vacancy_a in visible_vacancies(brigitte)
    event = AuditEvent.objects.get(action="vacancy_updated", target_id=str(vacancy_a.pk))
    assert event.actor == hanna
    assert event.details["managers_added"] == [brigitte.pk]
    assert event.details["managers_removed"] == [max_manager.pk]
    assert set(event.details["changed"]) == {"title", "employment_type", "summary", "description"}
    recorded = json.dumps(event.details)
    assert "brigitte" not in recorded and "max" not in recorded


def test_editing_can_move_a_vacancy_to_a_new_department(hr, vacancy_a):
    hr.post(
        reverse("vacancy_edit", args=[vacancy_a.pk]),
        form_data(new_department="Platform", managers=[]),
    )
    vacancy_a.refresh_from_db()
    assert vacancy_a.department.name == "Platform"
    assert not vacancy_a.hiring_managers.exists()


def test_saving_an_unchanged_vacancy_records_nothing(hanna, vacancy_a, max_manager):
    vacancy_services.vacancy_update(
        vacancy=vacancy_a,
        title=vacancy_a.title,
        department=vacancy_a.department,
        location=vacancy_a.location,
        employment_type=vacancy_a.employment_type,
        summary=vacancy_a.summary,
        description=vacancy_a.description,
        managers=[max_manager],
        by=hanna,
    )
    assert not AuditEvent.objects.filter(action="vacancy_updated").exists()


def test_html_in_a_title_is_escaped_on_the_edit_page(hr, engineering):
    vacancy = services.vacancy_create(
        title='<script>alert("x")</script>',
        department=engineering,
        location="Berlin",
        description="<b>bold</b>",
    )
    page = hr.get(reverse("vacancy_edit", args=[vacancy.pk])).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    stages_page = hr.get(stages_url(vacancy)).content.decode()
    assert "<script>alert" not in stages_page


# --- Publishing and closing -------------------------------------------------------------


def test_hr_publishes_a_draft_closes_it_and_reopens_it(hr, hanna, engineering):
    vacancy = services.vacancy_create(
        title="Designer", department=engineering, location="Berlin", description="Design."
    )
    board = reverse("vacancy_board", args=[vacancy.pk])

    response = hr.post(reverse("vacancy_publish", args=[vacancy.pk]))
    vacancy.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == board
    assert vacancy.status == Vacancy.Status.OPEN
    assert said(response) == [
        "The vacancy is published: it is on the careers site and open to applications."
    ]

    response = hr.post(reverse("vacancy_close", args=[vacancy.pk]))
    vacancy.refresh_from_db()
    assert response["Location"] == board
    assert vacancy.status == Vacancy.Status.CLOSED
    assert said(response)[0].startswith("The vacancy is closed")

    response = hr.post(reverse("vacancy_publish", args=[vacancy.pk]))
    vacancy.refresh_from_db()
    assert vacancy.status == Vacancy.Status.OPEN
    assert said(response) == ["The vacancy is open again and accepts applications."]

    actions = AuditEvent.objects.filter(target_id=str(vacancy.pk), actor=hanna).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["vacancy_closed", "vacancy_published", "vacancy_published"]


def test_publishing_an_open_vacancy_says_so(hr, vacancy_a):
    response = hr.post(reverse("vacancy_publish", args=[vacancy_a.pk]))
    assert said(response) == ["The vacancy was already open."]


def test_closing_leaves_the_applications_as_they_are(hr, vacancy_a, zoes_application):
    before = (zoes_application.stage_id, zoes_application.decision)
    hr.post(reverse("vacancy_close", args=[vacancy_a.pk]))
    zoes_application.refresh_from_db()
    assert (zoes_application.stage_id, zoes_application.decision) == before
    assert zoes_application.decision_communicated_at is None


@pytest.mark.parametrize("name", ["vacancy_publish", "vacancy_close"])
def test_publish_and_close_refuse_a_get(hr, vacancy_a, name):
    assert hr.get(reverse(name, args=[vacancy_a.pk])).status_code == 405
    vacancy_a.refresh_from_db()
    assert vacancy_a.status == Vacancy.Status.OPEN


@pytest.mark.parametrize("name", ["vacancy_publish", "vacancy_close", "vacancy_edit"])
def test_a_post_without_a_csrf_token_is_refused(hanna, vacancy_a, name):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(hanna)
    response = browser.post(reverse(name, args=[vacancy_a.pk]), form_data(new_department="X"))
    assert response.status_code == 403
    vacancy_a.refresh_from_db()
    assert vacancy_a.status == Vacancy.Status.OPEN and vacancy_a.title == "Backend Engineer"


def test_a_post_with_the_csrf_token_of_the_page_is_accepted(hanna, vacancy_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(hanna)
    browser.get(reverse("vacancy_edit", args=[vacancy_a.pk]))
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        reverse("vacancy_close", args=[vacancy_a.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- Who may do all this ----------------------------------------------------------------


def management_urls(vacancy_a: Vacancy, vacancy_b: Vacancy) -> list[str]:
    urls = [reverse("vacancy_new")]
    for vacancy in (vacancy_a, vacancy_b):
        for name in ("vacancy_edit", "vacancy_publish", "vacancy_close", "vacancy_stages"):
            urls.append(reverse(name, args=[vacancy.pk]))
    return urls


@pytest.mark.parametrize("persona", ["max_manager", "brigitte", "mia"])
def test_everyone_but_hr_finds_no_vacancy_management_page(
    client, request, persona, vacancy_a, vacancy_b
):
    """A manager gets 404 even for their own vacancy (HR manages vacancies) and for the
    other's (no hint that it exists); so does management."""
    client.force_login(request.getfixturevalue(persona))
    screening = stage_named(vacancy_a, "Screening")
    for url in management_urls(vacancy_a, vacancy_b):
        assert client.get(url).status_code == 404, url
        post = {**form_data(new_department="Taken"), "action": "remove", "stage": screening.pk}
        assert client.post(url, post).status_code == 404, url
    assert Vacancy.objects.filter(status=Vacancy.Status.OPEN).count() == 2
    assert Stage.objects.filter(pk=screening.pk).exists()
    assert not Department.objects.filter(name="Taken").exists()


def test_anonymous_visitors_are_sent_to_the_login(client, vacancy_a, vacancy_b):
    for url in management_urls(vacancy_a, vacancy_b):
        for response in (client.get(url), client.post(url, form_data())):
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next="), url
    assert Vacancy.objects.filter(status=Vacancy.Status.OPEN).count() == 2


def test_hr_gets_404_for_a_vacancy_that_does_not_exist(hr, db):
    for name in ("vacancy_edit", "vacancy_stages"):
        assert hr.get(reverse(name, args=[999_999])).status_code == 404
    for name in ("vacancy_publish", "vacancy_close"):
        assert hr.post(reverse(name, args=[999_999])).status_code == 404


def test_the_workspace_links_hr_to_a_new_vacancy(hr):
    assert reverse("vacancy_new") in hr.get("/recruit/").content.decode()
    assert hr.get(reverse("vacancy_new")).status_code == 200


# --- The pipeline's stages --------------------------------------------------------------


def test_the_stages_page_lists_the_stages_in_order(hr, vacancy_a):
    page = hr.get(stages_url(vacancy_a)).content.decode()
    stages = Stage.objects.filter(vacancy=vacancy_a).order_by("position")
    found = [page.index(f'id="stage-{stage.pk}-title"') for stage in stages]
    assert found == sorted(found)
    assert "Skills, Experience, Communication, Motivation" in page
    assert '<label for="id_add-name">' in page


def test_the_stages_page_takes_as_many_queries_for_many_stages_as_for_a_few(
    hr, vacancy_a, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as few:
        hr.get(stages_url(vacancy_a))
    for n in range(6):
        vacancy_services.stage_add(
            vacancy=vacancy_a, name=f"Round {n}", kind="interview", criteria=["Skills"], by=None
        )
    with django_assert_num_queries(len(few)):
        hr.get(stages_url(vacancy_a))


def test_hr_renames_a_stage_and_sets_its_criteria(hr, hanna, vacancy_a):
    screening = stage_named(vacancy_a, "Screening")
    response = hr.post(
        stages_url(vacancy_a),
        {
            "action": "edit",
            "stage": screening.pk,
            f"stage-{screening.pk}-name": "Phone screen",
            f"stage-{screening.pk}-criteria": " Motivation, , languages,MOTIVATION ",
        },
    )
    assert response.status_code == 302 and response["Location"] == stages_url(vacancy_a)
    screening.refresh_from_db()
    assert screening.name == "Phone screen"
    assert screening.criteria == ["Motivation", "languages"]
    assert said(response) == ["The stage “Phone screen” is saved."]
    event = AuditEvent.objects.get(action="stage_updated")
    assert event.actor == hanna and event.target_id == str(vacancy_a.pk)
    assert event.details == {"stage": screening.pk, "changed": ["name", "criteria"]}


def test_a_stage_name_that_is_empty_or_taken_is_refused_keeping_what_was_typed(hr, vacancy_a):
    screening = stage_named(vacancy_a, "Screening")
    for name, error in (
        ("", "This field is required."),
        ("interview", "already has a stage called"),
    ):
        response = hr.post(
            stages_url(vacancy_a),
            {
                "action": "edit",
                "stage": screening.pk,
                f"stage-{screening.pk}-name": name,
                f"stage-{screening.pk}-criteria": "Curiosity, Care",
            },
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert error in page
        assert 'value="Curiosity, Care"' in page
    screening.refresh_from_db()
    assert screening.name == "Screening"


def test_hr_moves_a_stage_down_and_up_without_javascript(hr, hanna, vacancy_a):
    screening = stage_named(vacancy_a, "Screening")
    response = hr.post(
        stages_url(vacancy_a), {"action": "move", "stage": screening.pk, "direction": "down"}
    )
    assert response.status_code == 302
    assert names(vacancy_a) == ["New", "Interview", "Screening", "Offer", "Hired", "Rejected"]
    hr.post(stages_url(vacancy_a), {"action": "move", "stage": screening.pk, "direction": "up"})
    assert pipeline(vacancy_a) == list(
        enumerate(["New", "Screening", "Interview", "Offer", "Hired", "Rejected"])
    )
    assert AuditEvent.objects.filter(action="stage_moved", actor=hanna).count() == 2


def test_the_new_stage_cannot_leave_the_first_position(hr, vacancy_a):
    new, screening = stage_named(vacancy_a, "New"), stage_named(vacancy_a, "Screening")
    before = pipeline(vacancy_a)
    for stage, direction in ((new, "down"), (screening, "up")):
        response = hr.post(
            stages_url(vacancy_a), {"action": "move", "stage": stage.pk, "direction": direction}
        )
        assert response.status_code == 302
        assert "The “New” stage stays first: every application arrives there." in said(response)[0]
    assert pipeline(vacancy_a) == before
    with pytest.raises(ValidationError, match="stays first"):
        vacancy_services.stage_move(stage=new, direction="down", by=None)


def test_moving_past_either_end_changes_nothing(vacancy_a):
    rejected = stage_named(vacancy_a, "Rejected")
    before = pipeline(vacancy_a)
    vacancy_services.stage_move(stage=rejected, direction="down", by=None)
    assert pipeline(vacancy_a) == before


def test_reordering_keeps_positions_unique_and_in_sequence(vacancy_a):
    offer = stage_named(vacancy_a, "Offer")
    for _ in range(2):
        vacancy_services.stage_move(stage=offer, direction="up", by=None)
    assert pipeline(vacancy_a) == list(
        enumerate(["New", "Offer", "Screening", "Interview", "Hired", "Rejected"])
    )
    vacancy_services.stage_remove(stage=stage_named(vacancy_a, "Screening"), by=None)
    vacancy_services.stage_add(
        vacancy=vacancy_a, name="Trial day", kind="other", criteria=[], by=None
    )
    assert pipeline(vacancy_a) == list(
        enumerate(["New", "Offer", "Interview", "Trial day", "Hired", "Rejected"])
    )


def test_hr_adds_a_stage_before_the_final_stages(hr, hanna, vacancy_a):
    response = hr.post(
        stages_url(vacancy_a),
        {
            "action": "add",
            "add-name": "Tech interview",
            "add-kind": "interview",
            "add-criteria": "Code, Design",
        },
    )
    assert response.status_code == 302
    assert said(response) == ["The stage “Tech interview” is added."]
    assert names(vacancy_a) == [
        "New",
        "Screening",
        "Interview",
        "Offer",
        "Tech interview",
        "Hired",
        "Rejected",
    ]
    added = stage_named(vacancy_a, "Tech interview")
    assert (added.kind, added.criteria) == ("interview", ["Code", "Design"])
    assert AuditEvent.objects.get(action="stage_added").details == {"stage": added.pk}


def test_a_final_stage_is_added_at_the_end(hr, vacancy_a):
    hr.post(
        stages_url(vacancy_a),
        {"action": "add", "add-name": "Withdrawn", "add-kind": "rejected", "add-criteria": ""},
    )
    assert names(vacancy_a)[-1] == "Withdrawn"


def test_a_second_new_stage_is_refused(hr, vacancy_a):
    response = hr.post(
        stages_url(vacancy_a), {"action": "add", "add-name": "Inbox", "add-kind": "new"}
    )
    assert response.status_code == 400
    assert 'value="Inbox"' in response.content.decode()
    with pytest.raises(ValidationError, match="exactly one “New” stage"):
        vacancy_services.stage_add(
            vacancy=vacancy_a, name="Inbox", kind="new", criteria=[], by=None
        )
    assert "Inbox" not in names(vacancy_a)


def test_an_added_stage_needs_a_free_name_and_sane_criteria(hr, vacancy_a):
    for data, error in (
        ({"add-name": "offer", "add-kind": "offer"}, "already has a stage called"),
        ({"add-name": "Case study", "add-kind": "other", "add-criteria": "x" * 81}, "is too long"),
        (
            {
                "add-name": "Case study",
                "add-kind": "other",
                "add-criteria": ",".join(f"c{i}" for i in range(13)),
            },
            "at most 12 criteria; you typed 13",
        ),
    ):
        response = hr.post(stages_url(vacancy_a), {"action": "add", **data})
        assert response.status_code == 400
        assert error in response.content.decode()
    assert len(names(vacancy_a)) == 6


def test_hr_removes_a_stage_no_application_is_in(hr, hanna, vacancy_a):
    offer = stage_named(vacancy_a, "Offer")
    response = hr.post(stages_url(vacancy_a), {"action": "remove", "stage": offer.pk})
    assert said(response) == ["The stage “Offer” is removed."]
    assert pipeline(vacancy_a) == list(
        enumerate(["New", "Screening", "Interview", "Hired", "Rejected"])
    )
    event = AuditEvent.objects.get(action="stage_removed")
    assert event.actor == hanna and event.details == {"stage": offer.pk}


def test_the_only_hired_stage_cannot_be_removed(hr, vacancy_a):
    hired = stage_named(vacancy_a, "Hired")
    response = hr.post(stages_url(vacancy_a), {"action": "remove", "stage": hired.pk})
    assert said(response) == [
        "The stage “Hired” is not removed. A pipeline needs at least one “Hired” stage."
    ]
    assert Stage.objects.filter(pk=hired.pk).exists()
    # With a second "hired" stage, either may go.
    vacancy_services.stage_add(
        vacancy=vacancy_a, name="Hired (contract)", kind="hired", criteria=[], by=None
    )
    vacancy_services.stage_remove(stage=hired, by=None)
    assert names(vacancy_a)[-2:] == ["Rejected", "Hired (contract)"]


def test_the_new_and_the_only_rejected_stage_cannot_be_removed(vacancy_a):
    with pytest.raises(ValidationError, match="needs its “New” stage"):
        vacancy_services.stage_remove(stage=stage_named(vacancy_a, "New"), by=None)
    with pytest.raises(ValidationError, match="at least one “Rejected” stage"):
        vacancy_services.stage_remove(stage=stage_named(vacancy_a, "Rejected"), by=None)
    assert len(names(vacancy_a)) == 6


def test_a_stage_with_an_application_in_it_cannot_be_removed(hr, vacancy_a, zoe):
    application = services.application_create(
        candidate=zoe, vacancy=vacancy_a, channel=Channel.EMAIL
    )
    screening = stage_named(vacancy_a, "Screening")
    services.application_move_stage(application=application, stage=screening, by=None)
    response = hr.post(stages_url(vacancy_a), {"action": "remove", "stage": screening.pk})
    assert said(response) == [
        "The stage “Screening” is not removed. "
        "1 application is in this stage: move it to another stage first."
    ]
    assert Stage.objects.filter(pk=screening.pk).exists()
    application.refresh_from_db()
    assert application.stage == screening


def test_a_stage_in_an_applications_history_cannot_be_removed(vacancy_a, zoe):
    application = services.application_create(
        candidate=zoe, vacancy=vacancy_a, channel=Channel.EMAIL
    )
    screening = stage_named(vacancy_a, "Screening")
    services.application_move_stage(application=application, stage=screening, by=None)
    services.application_move_stage(
        application=application, stage=stage_named(vacancy_a, "Interview"), by=None
    )
    with pytest.raises(ValidationError, match="Rename it instead"):
        vacancy_services.stage_remove(stage=screening, by=None)
    assert Stage.objects.filter(pk=screening.pk).exists()


def test_a_stage_of_another_vacancy_cannot_be_changed_through_this_one(hr, vacancy_a, vacancy_b):
    theirs = stage_named(vacancy_b, "Offer")
    before = pipeline(vacancy_b)
    for data in (
        {"action": "remove", "stage": theirs.pk},
        {"action": "move", "stage": theirs.pk, "direction": "up"},
        {"action": "edit", "stage": theirs.pk, f"stage-{theirs.pk}-name": "Mine now"},
        {"action": "remove", "stage": "not a number"},
    ):
        response = hr.post(stages_url(vacancy_a), data)
        assert response.status_code == 302
        assert said(response) == ["That stage is not in this pipeline (any more)."]
    assert pipeline(vacancy_b) == before


def test_an_unknown_stage_action_changes_nothing(hr, vacancy_a):
    before = pipeline(vacancy_a)
    response = hr.post(stages_url(vacancy_a), {"action": "explode"})
    assert said(response) == ["Nothing was changed: the form was not recognised."]
    assert pipeline(vacancy_a) == before


def test_criteria_are_typed_as_a_comma_separated_list():
    field = CriteriaField(required=False)
    assert field.clean(" Skills, ,teamwork ,SKILLS,  Clear   writing ") == [
        "Skills",
        "teamwork",
        "Clear writing",
    ]
    assert field.clean("") == []
    assert field.prepare_value(["Skills", "Care"]) == "Skills, Care"
