from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from ats import services
from ats.board import board_columns
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    Channel,
    Document,
    Evaluation,
    Note,
    Stage,
    StageChange,
)


@pytest.fixture
def crowd(vacancy_a):
    """Applications in several stages of vacancy A."""
    created = []
    for i in range(6):
        candidate = Candidate.objects.create(
            first_name=f"Person{i}", last_name="Example", email=f"p{i}@example.org", phone="1"
        )
        created.append(
            services.application_create(
                candidate=candidate, vacancy=vacancy_a, channel=Channel.JOB_BOARD
            )
        )
    return created


def test_the_board_shows_a_column_per_stage_with_cards(client, hanna, vacancy_a, crowd):
    client.force_login(hanna)
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/").content.decode()
    for stage in services.stages_for(vacancy_a):
        assert f">{stage.name} <" in page
    assert page.count('class="card"') == len(crowd)
    assert "Person0 Example" in page


def test_the_board_uses_a_constant_number_of_queries(
    client, hanna, vacancy_a, crowd, django_assert_max_num_queries
):
    client.force_login(hanna)
    with django_assert_max_num_queries(12):
        client.get(f"/recruit/vacancies/{vacancy_a.pk}/")
    for i in range(30):
        candidate = Candidate.objects.create(
            first_name=f"More{i}", last_name="X", email=f"m{i}@example.org", phone="1"
        )
        services.application_create(candidate=candidate, vacancy=vacancy_a, channel="linkedin")
    with django_assert_max_num_queries(12):
        client.get(f"/recruit/vacancies/{vacancy_a.pk}/")


def _card(page: str, name: str) -> str:
    """The HTML of the board's card that names this candidate."""
    cards = [card for card in page.split('<article class="card"')[1:] if name in card]
    assert len(cards) == 1, name
    return cards[0].split("</article>")[0]


def _document(application, status: str) -> None:
    Document.objects.create(
        application=application,
        kind=Document.Kind.CV,
        display_name="cv.pdf",
        content_type="application/pdf",
        size=1,
        storage_key=f"vault/{application.pk}-{status}",
        key_id="k1",
        wrapped_key=b"x",
        scan_status=status,
    )


def test_a_card_shows_the_applied_date_the_rating_and_the_scan_states(
    client, hanna, vacancy_a, crowd
):
    screening = vacancy_a.stages.get(kind=Stage.Kind.SCREENING)
    for overall in (4, 5):
        Evaluation.objects.create(
            application=crowd[0], stage=screening, author=hanna, ratings={}, overall=overall
        )
    _document(crowd[1], Document.ScanStatus.PENDING)
    _document(crowd[2], Document.ScanStatus.INFECTED)
    _document(crowd[3], Document.ScanStatus.FAILED)
    _document(crowd[3], Document.ScanStatus.PENDING)
    _document(crowd[4], Document.ScanStatus.CLEAN)
    client.force_login(hanna)
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/").content.decode()
    applied = formats.date_format(timezone.localtime(crowd[0].submitted_at), "SHORT_DATE_FORMAT")
    assert f"Applied {applied} · Rating 4.5/5<" in _card(page, "Person0 Example")
    assert "Rating" not in _card(page, "Person1 Example")
    badges = {
        name: ("Scan pending" in _card(page, name), "Scan failed" in _card(page, name))
        for name in ("Person1 Example", "Person2 Example", "Person3 Example", "Person4 Example")
    }
    assert badges == {
        "Person1 Example": (True, False),
        "Person2 Example": (False, True),  # infected
        "Person3 Example": (True, True),
        "Person4 Example": (False, False),
    }


def test_a_card_in_german_has_german_labels_and_dates(client, hanna, vacancy_a, crowd):
    client.force_login(hanna)
    client.cookies["django_language"] = "de"
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    with translation.override("de"):
        applied = formats.date_format(
            timezone.localtime(crowd[0].submitted_at), "SHORT_DATE_FORMAT"
        )
        label = translation.gettext("Applied")
    assert f"{label} {applied}" in _card(page.content.decode(), "Person0 Example")


def test_a_candidates_name_is_escaped_on_the_board(client, hanna, vacancy_a):
    candidate = Candidate.objects.create(
        first_name="<script>alert(1)</script>", last_name='"O\'Brien"', email="x@example.org"
    )
    services.application_create(candidate=candidate, vacancy=vacancy_a, channel="linkedin")
    client.force_login(hanna)
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;O&#x27;Brien&quot;" in page


def test_each_column_has_one_move_form_that_each_card_submits_to_its_own_address(
    client, hanna, vacancy_a, crowd
):
    """Without JavaScript: a column's form holds the CSRF token and the "Move to" menu;
    a card's Move button submits that form to the card's move address (formaction)."""
    screening = vacancy_a.stages.get(kind=Stage.Kind.SCREENING)
    services.application_move_stage(application=crowd[5], stage=screening, by=hanna)
    client.force_login(hanna)
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/").content.decode()
    new = crowd[0].stage_id
    assert page.count('<form method="post" id="move-from-') == 2  # New and Screening
    form = page.split(f'<form method="post" id="move-from-{new}"')[1].split("</form>")[0]
    assert 'name="csrfmiddlewaretoken"' in form
    assert f'<option value="{new}" selected>' in form
    assert form.count("<option") == vacancy_a.stages.count()
    for application in crowd:
        card = _card(page, application.candidate.full_name)
        assert f'form="move-from-{application.stage_id}"' in card or application == crowd[5]
        assert f'formaction="/recruit/applications/{application.pk}/move/"' in card
    assert f'form="move-from-{screening.pk}"' in _card(page, "Person5 Example")

    interview = vacancy_a.stages.get(kind=Stage.Kind.INTERVIEW)
    response = client.post(f"/recruit/applications/{crowd[2].pk}/move/", {"stage": interview.pk})
    assert response["Location"] == f"/recruit/vacancies/{vacancy_a.pk}/"
    crowd[2].refresh_from_db()
    crowd[3].refresh_from_db()
    assert crowd[2].stage == interview and crowd[3].stage_id == new


def test_the_board_counts_and_shows_only_what_the_user_may_see(
    client, hanna, max_manager, vacancy_a, crowd
):
    """A communicated rejection is kept only for legal claims: HR's alone, on the board
    as everywhere (its card and its place in the column's total)."""
    rejected = vacancy_a.stages.get(kind=Stage.Kind.REJECTED)
    Application.objects.filter(pk=crowd[0].pk).update(
        stage=rejected,
        decision=Application.Decision.REJECTED,
        decided_at=timezone.now(),
        decision_communicated_at=timezone.now(),
    )
    Application.objects.filter(pk=crowd[1].pk).update(
        stage=rejected, decision=Application.Decision.REJECTED, decided_at=timezone.now()
    )
    by_hr = {c.kind: c for c in board_columns(hanna, vacancy_a, per_column=25)}
    by_manager = {c.kind: c for c in board_columns(max_manager, vacancy_a, per_column=25)}
    assert (by_hr["rejected"].total, len(by_hr["rejected"].cards)) == (2, 2)
    assert (by_manager["rejected"].total, len(by_manager["rejected"].cards)) == (1, 1)
    assert by_manager["rejected"].cards[0][0] == crowd[1].pk
    client.force_login(max_manager)
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/").content.decode()
    assert "Person0 Example" not in page and "Person1 Example" in page


def test_the_board_columns_are_the_stages_in_order_with_totals_and_the_oldest_first(
    hanna, vacancy_a, vacancy_b, crowd
):
    now = timezone.now()
    for age, application in enumerate(crowd):  # crowd[5] is the oldest
        Application.objects.filter(pk=application.pk).update(submitted_at=now - timedelta(days=age))
    other = Candidate.objects.create(first_name="Other", last_name="B", email="o@example.org")
    services.application_create(candidate=other, vacancy=vacancy_b, channel="linkedin")
    columns = board_columns(hanna, vacancy_a, per_column=4)
    assert [c.stage_id for c in columns] == [s.pk for s in services.stages_for(vacancy_a)]
    first, *rest = columns
    assert first.kind == Stage.Kind.NEW and first.total == 6
    assert [card[0] for card in first.cards] == [a.pk for a in reversed(crowd)][:4]
    assert first.cards[0][1] == Application.objects.get(pk=crowd[5].pk).submitted_at
    assert first.cards[0][2:4] == ("Person5", "Example")
    assert all(c.total == 0 and c.cards == [] for c in rest)


def test_moving_a_card_without_javascript_records_who_and_when(
    client, max_manager, vacancy_a, crowd
):
    client.force_login(max_manager)
    interview = vacancy_a.stages.get(kind=Stage.Kind.INTERVIEW)
    response = client.post(f"/recruit/applications/{crowd[0].pk}/move/", {"stage": interview.pk})
    assert response.status_code == 302
    crowd[0].refresh_from_db()
    assert crowd[0].stage == interview
    change = StageChange.objects.filter(application=crowd[0]).last()
    assert change.changed_by == max_manager and change.to_stage == interview


def test_a_stage_of_another_vacancy_is_refused(client, hanna, vacancy_a, vacancy_b, crowd):
    client.force_login(hanna)
    foreign = vacancy_b.stages.first()
    client.post(f"/recruit/applications/{crowd[0].pk}/move/", {"stage": foreign.pk})
    crowd[0].refresh_from_db()
    assert crowd[0].stage.vacancy == vacancy_a


def test_a_manager_cannot_move_another_vacancys_application(client, brigitte, crowd):
    client.force_login(brigitte)
    stage = crowd[0].vacancy.stages.last()
    assert (
        client.post(f"/recruit/applications/{crowd[0].pk}/move/", {"stage": stage.pk}).status_code
        == 404
    )


def test_the_list_searches_filters_and_sorts(client, hanna, vacancy_a, crowd):
    client.force_login(hanna)
    page = client.get("/recruit/applications/", {"q": "person3"}).content.decode()
    assert "Person3 Example" in page and "Person2 Example" not in page
    by_vacancy = client.get("/recruit/applications/", {"vacancy": vacancy_a.pk, "sort": "name"})
    assert by_vacancy.status_code == 200
    none = client.get("/recruit/applications/", {"stage_kind": "hired"}).content.decode()
    assert "Person" not in none


def _row(page: str, name: str) -> str:
    rows = [row for row in page.split("<tr>")[1:] if name in row]
    assert len(rows) == 1, name
    return rows[0].split("</tr>")[0]


def test_a_list_row_shows_the_name_vacancy_stage_applied_date_and_rating(
    client, hanna, vacancy_a, crowd
):
    screening = vacancy_a.stages.get(kind=Stage.Kind.SCREENING)
    Evaluation.objects.create(
        application=crowd[0], stage=screening, author=hanna, ratings={}, overall=4
    )
    unsolicited = services.application_create(
        candidate=Candidate.objects.create(
            first_name="<b>Una</b>", last_name="Solicited", email="u@example.org"
        ),
        vacancy=None,
        channel="linkedin",
    )
    client.force_login(hanna)
    page = client.get("/recruit/applications/").content.decode()
    applied = formats.date_format(timezone.localtime(crowd[0].submitted_at), "SHORT_DATE_FORMAT")
    assert _row(page, "Person0 Example") == (
        f'<td><a href="/recruit/applications/{crowd[0].pk}/">Person0 Example</a></td>'
        f"<td>{vacancy_a.title}</td><td>New</td><td>{applied}</td><td>4.0/5</td>"
    )
    assert _row(page, "Solicited") == (
        f'<td><a href="/recruit/applications/{unsolicited.pk}/">&lt;b&gt;Una&lt;/b&gt; '
        f"Solicited</a></td><td>Unsolicited</td><td>New</td><td>{applied}</td><td></td>"
    )


def test_the_lists_menus_show_the_chosen_filters_and_its_pages_keep_them(
    client, hanna, vacancy_a, vacancy_b, monkeypatch
):
    from ats.views import applications

    monkeypatch.setattr(applications, "PAGE_SIZE", 2)
    for i in range(5):
        candidate = Candidate.objects.create(
            first_name=f"Many{i}", last_name=f"X{i}", email=f"many{i}@example.org"
        )
        services.application_create(candidate=candidate, vacancy=vacancy_a, channel="linkedin")
    client.force_login(hanna)
    query = {"vacancy": vacancy_a.pk, "stage_kind": "new", "sort": "name", "q": "many"}
    page = client.get("/recruit/applications/", {**query, "page": 2}).content.decode()
    assert f'<option value="{vacancy_a.pk}" selected>{vacancy_a.title}</option>' in page
    assert f'<option value="{vacancy_b.pk}">{vacancy_b.title}</option>' in page
    assert '<option value="new" selected>New</option>' in page
    assert '<option value="name" selected>Last name</option>' in page
    assert 'name="q" value="many"' in page
    assert "Page 2 of 3" in page and "Many2 X2" in page and "Many0 X0" not in page
    kept = f"vacancy={vacancy_a.pk}&amp;stage_kind=new&amp;sort=name&amp;q=many"
    assert f'href="?{kept}&amp;page=1"' in page and f'href="?{kept}&amp;page=3"' in page
    first = client.get("/recruit/applications/").content.decode()
    assert '<option value="" selected>All vacancies</option>' in first
    assert "selected" not in first.split('id="id_sort"')[1].split("</select>")[0]


def test_the_list_uses_a_constant_number_of_queries(
    client, hanna, crowd, django_assert_max_num_queries
):
    client.force_login(hanna)
    with django_assert_max_num_queries(10):
        client.get("/recruit/applications/")


def test_the_file_shows_contact_documents_consents_and_timeline_and_is_audited(
    client, max_manager, crowd
):
    client.force_login(max_manager)
    page = client.get(f"/recruit/applications/{crowd[0].pk}/").content.decode()
    assert "p0@example.org" in page and "Timeline" in page
    assert AuditEvent.objects.filter(action="application_viewed", actor=max_manager).count() == 1


def test_special_category_answers_are_shown_to_hr_only(client, hanna, max_manager, crowd):
    from ats.services.applications import special_category_seal

    application = crowd[0]
    special_category_seal(application=application, answers={"ethnic_origin": "Sorbian"})
    application.save()
    client.force_login(hanna)
    assert "Sorbian" in client.get(f"/recruit/applications/{application.pk}/").content.decode()
    client.force_login(max_manager)
    assert "Sorbian" not in client.get(f"/recruit/applications/{application.pk}/").content.decode()


def test_a_note_with_a_mention_notifies_without_a_name(
    client, hanna, max_manager, crowd, django_capture_on_commit_callbacks
):
    max_manager.email = "max@example.org"
    max_manager.save()
    client.force_login(hanna)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/recruit/applications/{crowd[0].pk}/notes/", {"body": "@max please look <b>now</b>"}
        )
    assert response.status_code == 302
    note = Note.objects.get()
    assert list(note.mentions.all()) == [max_manager]
    message = mail.outbox[-1]
    assert message.to == ["max@example.org"]
    assert "Person0" not in message.subject + message.body
    assert f"/recruit/applications/{crowd[0].pk}/" in message.body
    page = client.get(f"/recruit/applications/{crowd[0].pk}/").content.decode()
    assert "&lt;b&gt;now&lt;/b&gt;" in page


def test_an_empty_note_is_refused(client, hanna, crowd):
    client.force_login(hanna)
    response = client.post(f"/recruit/applications/{crowd[0].pk}/notes/", {"body": ""})
    assert response.status_code == 400
    assert not Note.objects.exists()


def test_an_evaluation_rates_the_stage_criteria(client, max_manager, vacancy_a, crowd):
    application = crowd[0]
    interview = vacancy_a.stages.get(kind=Stage.Kind.INTERVIEW)
    services.application_move_stage(application=application, stage=interview, by=max_manager)
    client.force_login(max_manager)
    url = f"/recruit/applications/{application.pk}/evaluations/new/"
    form = client.get(url).content.decode()
    for criterion in interview.criteria:
        assert criterion in form
    data = {f"criterion_{i}": "4" for i, _ in enumerate(interview.criteria)}
    data.update(overall="5", recommendation="yes", comment="Strong.")
    assert client.post(url, data).status_code == 302
    evaluation = application.evaluations.get()
    assert evaluation.overall == 5 and evaluation.ratings[interview.criteria[0]] == 4
    assert client.post(url, {**data, "overall": "9"}).status_code == 400


def test_the_audit_trail_is_for_hr_only(client, hanna, max_manager, crowd):
    client.force_login(max_manager)
    client.get(f"/recruit/applications/{crowd[0].pk}/")
    assert client.get(f"/recruit/applications/{crowd[0].pk}/audit/").status_code == 404
    client.force_login(hanna)
    page = client.get(f"/recruit/applications/{crowd[0].pk}/audit/").content.decode()
    assert "application_viewed" in page and "max" in page


def test_spam_is_erased_at_once_with_everything_about_it(
    client, hanna, crowd, django_capture_on_commit_callbacks, settings, tmp_path
):
    from ats.models import Application, Candidate, Document
    from ats.vault import storage
    from ats.vault.intake import document_intake
    from tests import vault_files
    from tests.ats.vault.conftest import use_local_storage

    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    spam = crowd[0]
    document = document_intake(
        application=spam, kind="cv", name="cv.pdf", data=vault_files.pdf("buy now")
    )
    client.force_login(hanna)
    client.post(f"/recruit/applications/{spam.pk}/notes/", {"body": "looks like spam"})
    client.get(f"/recruit/applications/{spam.pk}/")
    assert client.post(f"/recruit/applications/{spam.pk}/spam/").status_code == 302
    assert Application.objects.filter(pk=spam.pk).exists()  # not without confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/recruit/applications/{spam.pk}/spam/", {"confirm": "yes"})
    assert not Application.objects.filter(pk=spam.pk).exists()
    assert not Candidate.objects.filter(email="p0@example.org").exists()
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not storage.exists(document.storage_key)
    assert not AuditEvent.objects.filter(target_type="ats.application", target_id=str(spam.pk))
    event = AuditEvent.objects.get(action="spam_erased")
    assert event.target_type == "ats.vacancy" and event.details == {}
    assert Note.objects.count() == 0


def test_a_manager_of_another_vacancy_cannot_erase_it(client, brigitte, crowd):
    from ats.models import Application

    client.force_login(brigitte)
    response = client.post(f"/recruit/applications/{crowd[0].pk}/spam/", {"confirm": "yes"})
    assert response.status_code == 404
    assert Application.objects.filter(pk=crowd[0].pk).exists()


def test_a_manager_removed_from_a_vacancy_loses_access_on_the_next_request(
    client, max_manager, vacancy_a, crowd
):
    client.force_login(max_manager)
    assert client.get(f"/recruit/applications/{crowd[0].pk}/").status_code == 200
    vacancy_a.hiring_managers.remove(max_manager)
    assert client.get(f"/recruit/applications/{crowd[0].pk}/").status_code == 404
    assert client.get(f"/recruit/vacancies/{vacancy_a.pk}/").status_code == 404


def test_a_closed_vacancy_moves_only_by_a_decision(client, hanna, vacancy_a, crowd):
    from ats.models import Application

    services.vacancy_close(vacancy=vacancy_a)
    client.force_login(hanna)
    interview = vacancy_a.stages.get(kind=Stage.Kind.INTERVIEW)
    response = client.post(
        f"/recruit/applications/{crowd[0].pk}/move/", {"stage": interview.pk}, follow=True
    )
    assert "move only by a decision" in response.content.decode()
    assert Application.objects.get(pk=crowd[0].pk).stage.kind == Stage.Kind.NEW
    rejected = vacancy_a.stages.get(kind=Stage.Kind.REJECTED)
    services.application_move_stage(application=crowd[0], stage=rejected, by=hanna, decision=True)
    assert Application.objects.get(pk=crowd[0].pk).stage == rejected


def test_two_people_moving_one_card_are_both_recorded_and_the_last_wins(
    hanna, max_manager, vacancy_a, crowd
):
    from ats.models import Application

    seen_by_hanna = Application.objects.get(pk=crowd[0].pk)
    seen_by_max = Application.objects.get(pk=crowd[0].pk)
    screening = vacancy_a.stages.get(kind=Stage.Kind.SCREENING)
    interview = vacancy_a.stages.get(kind=Stage.Kind.INTERVIEW)
    services.application_move_stage(application=seen_by_hanna, stage=screening, by=hanna)
    services.application_move_stage(application=seen_by_max, stage=interview, by=max_manager)
    history = list(StageChange.objects.filter(application=crowd[0]).order_by("pk"))
    assert [(c.from_stage and c.from_stage.kind, c.to_stage.kind) for c in history] == [
        (None, "new"),
        ("new", "screening"),
        ("screening", "interview"),  # from what was really there, not what Max saw
    ]
    assert Application.objects.get(pk=crowd[0].pk).stage == interview


def test_a_tampered_next_address_does_not_redirect_away(client, hanna, vacancy_a, crowd):
    client.force_login(hanna)
    stage = vacancy_a.stages.get(kind=Stage.Kind.SCREENING)
    response = client.post(
        f"/recruit/applications/{crowd[0].pk}/move/",
        {"stage": stage.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/recruit/vacancies/{vacancy_a.pk}/"


def test_a_crowded_column_shows_its_first_cards_and_links_to_the_rest(
    client, hanna, vacancy_a, monkeypatch
):
    from ats.views import pipeline

    monkeypatch.setattr(pipeline, "CARDS_PER_COLUMN", 3)
    for i in range(5):
        candidate = Candidate.objects.create(
            first_name=f"Many{i}", last_name="X", email=f"many{i}@example.org", phone="1"
        )
        services.application_create(candidate=candidate, vacancy=vacancy_a, channel="linkedin")
    client.force_login(hanna)
    page = client.get(f"/recruit/vacancies/{vacancy_a.pk}/").content.decode()
    assert page.count('class="card"') == 3
    assert "Many0 X" in page and "Many4 X" not in page  # oldest first
    assert "3 shown of 5: see all in the list" in page


def test_the_csv_export_neutralises_spreadsheet_formulas(client, hanna, vacancy_a):
    from ats.csv_export import safe_cell

    for i, name in enumerate(['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "Plain"]):
        candidate = Candidate.objects.create(
            first_name=name, last_name="X", email=f"f{i}@example.org", phone="1"
        )
        services.application_create(candidate=candidate, vacancy=vacancy_a, channel="linkedin")
    client.force_login(hanna)
    response = client.get("/recruit/applications/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'-2" in text and "'@SUM" in text
    assert "\nPlain," in text
    assert safe_cell("\tx") == "'\tx" and safe_cell(None) == ""
    assert AuditEvent.objects.filter(action="applications_exported").exists()


def test_the_export_holds_only_what_the_user_may_see(client, brigitte, mia, crowd):
    for persona in (brigitte, mia):
        client.force_login(persona)
        text = client.get("/recruit/applications/export.csv").content.decode("utf-8-sig")
        assert "Person0" not in text and "p0@example.org" not in text
