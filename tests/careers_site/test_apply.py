from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ats.models import Application, Consent, ConsentText, Document, Stage
from ats.services.applications import special_category_answers
from ats.vault.lifecycle import read_plaintext
from tests import vault_files

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def _mail_after_commit(client, django_capture_on_commit_callbacks, monkeypatch):
    """Each POST runs its on-commit callbacks (the confirmation task) as a real
    request's commit would."""
    real_post = client.post

    def post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real_post(*args, **kwargs)

    monkeypatch.setattr(client, "post", post)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Local storage in a temp dir, no scanner (development mode)."""
    from tests.ats.vault.conftest import use_local_storage

    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True


def cv(name: str = "cv.pdf", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else vault_files.pdf("The CV"))


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Zoë",
        "last_name": "Ñúñez-O'Brien",
        "email": "zoe@example.org",
        "phone": "+49 30 1234567",
        "linkedin_url": "https://www.linkedin.com/in/zoe-nunez",
        "channel": "linkedin",
        "gender": "female",
        "submission_key": str(uuid.uuid4()),
        "cv": cv(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply_url(vacancy) -> str:
    return f"/careers/{vacancy.reference}/apply/"


def test_an_applicant_applies_with_a_cv_and_gets_a_confirmation(client, vacancy_a):
    response = client.post(apply_url(vacancy_a), form_data(talent_pool_consent="on"))
    assert response.status_code == 302 and response["Location"] == "/careers/applied/"
    application = Application.objects.get()
    assert application.vacancy == vacancy_a and application.stage.kind == Stage.Kind.NEW
    assert application.candidate.first_name == "Zoë"
    assert application.channel == "linkedin" and application.self_declared_gender == "female"
    document = application.documents.get()
    assert document.kind == Document.Kind.CV
    assert b"".join(read_plaintext(document)) == vault_files.pdf("The CV")
    consent = Consent.objects.get()
    assert consent.purpose == "talent_pool" and consent.given_via == "form"
    assert consent.text == ConsentText.objects.get(purpose="talent_pool", language="en")
    message = mail.outbox[-1]
    assert message.subject == "Hirewell: We received your application"
    assert message.to == ["zoe@example.org"]
    assert "cv.pdf" in message.body and "6 months" in message.body
    assert "/my-data/consents/" in message.body and "/privacy/" in message.body
    assert "%PDF" not in message.body
    assert client.get("/careers/applied/").status_code == 200


def test_the_form_starts_with_nothing_ticked_and_labels_every_input(client, vacancy_a):
    page = client.get(apply_url(vacancy_a)).content.decode()
    assert "checked" not in page
    assert page.count('type="checkbox"') == 2
    for field in ("first_name", "last_name", "email", "phone", "cv", "channel"):
        assert f'for="id_{field}"' in page
    assert ConsentText.objects.get(purpose="special_category", language="en").text[:60] in page


def test_an_unsolicited_application_has_no_vacancy(client, db):
    response = client.post("/careers/apply/", form_data())
    assert response.status_code == 302
    assert Application.objects.get().vacancy is None


def test_every_required_field_missing_is_named(client, vacancy_a):
    response = client.post(apply_url(vacancy_a), {})
    assert response.status_code == 400
    errors = response.context["form"].errors
    for field in ("first_name", "last_name", "email", "phone", "channel", "cv"):
        assert field in errors
    assert b"Please check your application" in response.content
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "call me maybe", "Enter a telephone number"),
        ("phone", "+49 30 ABC 1234", "Enter a telephone number"),
        ("linkedin_url", "https://example.org/in/zoe", "LinkedIn profile"),
        ("linkedin_url", "https://www.linkedin.com/company/acme", "LinkedIn profile"),
        ("first_name", "x" * 10_000, "at most 100 characters"),
        ("channel", "stage", "Select a valid choice"),
        ("first_name", "Zo\x00e", "Null characters are not allowed"),
        ("last_name", "O\x07Brien", "characters that cannot be shown"),
    ],
)
def test_bad_input_gets_a_specific_message_and_keeps_the_rest(
    client, vacancy_a, field, value, message
):
    response = client.post(apply_url(vacancy_a), form_data(**{field: value}))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    if field != "first_name":
        assert 'value="Zoë"' in page
    assert 'value="zoe@example.org"' in page or field == "email"
    assert not Application.objects.exists()


def test_lone_surrogates_and_invalid_utf8_are_a_validation_error(client, vacancy_a):
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="first_name"\r\n\r\n'.encode()
        + b"Zo\xed\xa0\x80e\r\n"  # a UTF-8-encoded lone surrogate
        + f"--{boundary}--\r\n".encode()
    )
    response = client.generic(
        "POST", apply_url(vacancy_a), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "cannot be shown" in " ".join(response.context["form"].errors["first_name"])


def test_html_in_text_fields_is_escaped_everywhere(client, vacancy_a):
    data = form_data(
        first_name=SCRIPT,
        last_name=SCRIPT,
        channel="other",
        channel_other=SCRIPT,
        accommodation_needs=SCRIPT,
        ethnic_origin=SCRIPT,
        email=SCRIPT,
        linkedin_url=SCRIPT,
        phone=SCRIPT,  # bad fields, so the form is shown again with every value
    )
    page = client.post(apply_url(vacancy_a), data).content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
    data = form_data(first_name=SCRIPT, last_name=SCRIPT, channel="other", channel_other=SCRIPT)
    assert client.post(apply_url(vacancy_a), data).status_code == 302
    html = mail.outbox[-1].alternatives[0][0]
    assert SCRIPT not in html and "&lt;script&gt;" in html
    assert SCRIPT not in mail.outbox[-1].subject


def test_special_category_data_without_consent_is_refused_with_the_reason(client, vacancy_a):
    response = client.post(apply_url(vacancy_a), form_data(accommodation_needs="Wheelchair"))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["special_category_consent"])
    assert "We may only process it with your consent" in errors
    assert "Wheelchair" in response.content.decode()  # kept in the form
    assert not Application.objects.exists()


def test_special_category_data_with_consent_is_sealed_and_erased_on_withdrawal(client, vacancy_a):
    data = form_data(
        accommodation_needs="Step-free access please",
        ethnic_origin="Sorbian",
        special_category_consent="on",
    )
    assert client.post(apply_url(vacancy_a), data).status_code == 302
    application = Application.objects.get()
    assert b"Step-free" not in bytes(application.special_category_sealed)
    assert special_category_answers(application) == {
        "accommodation_needs": "Step-free access please",
        "ethnic_origin": "Sorbian",
    }
    consent = Consent.objects.get(purpose="special_category")
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/withdraw/" in line)
    path = link[link.index("/my-data/") :].strip()
    page = client.get(path)
    assert page.status_code == 200 and b"Withdraw my consent" in page.content
    consent.refresh_from_db()
    assert consent.withdrawn_at is None  # a GET (a mail scanner) changes nothing
    done = client.post(path)
    assert done.status_code == 200 and b"has been erased" in done.content
    application.refresh_from_db()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_via == "email_link"
    assert bytes(application.special_category_sealed) == b""
    again = client.post(path)
    assert b"already withdrawn" in again.content


def test_a_tampered_withdrawal_link_is_a_clear_page(client, db):
    response = client.get("/my-data/consents/not-a-real-token/withdraw/")
    assert response.status_code == 400
    assert b"This link is not valid" in response.content


@pytest.mark.parametrize(
    ("name", "data", "code_text"),
    [
        ("cv.pdf", b"%PDF-1.4\n" + b"x" * (3 * 1024 * 1024), "larger than"),
        ("cv.exe", b"MZ" + b"\0" * 100, "not of a type we accept"),
        ("cv.pdf", vault_files.elf(), "does not look like"),
    ],
    ids=["oversized", "wrong-type", "disguised"],
)
def test_a_refused_file_keeps_the_valid_fields(client, vacancy_a, settings, name, data, code_text):
    settings.ATS_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    response = client.post(apply_url(vacancy_a), form_data(cv=cv(name, data)))
    assert response.status_code == 400
    assert code_text in " ".join(response.context["form"].errors["cv"])
    page = response.content.decode()
    assert 'value="Zoë"' in page and 'value="+49 30 1234567"' in page
    assert "please choose your files again" in page
    assert not Application.objects.exists() and not Document.objects.exists()


def test_a_closed_vacancy_shows_no_form_and_refuses_a_late_submit(client, vacancy_a):
    from ats import services

    form_page = client.get(apply_url(vacancy_a))
    assert form_page.status_code == 200
    services.vacancy_close(vacancy=vacancy_a)
    response = client.post(apply_url(vacancy_a), form_data())
    assert response.status_code == 400
    assert b"This position closed while you were applying" in response.content
    assert 'value="Zoë"' in response.content.decode()
    assert not Application.objects.exists()
    closed = client.get(apply_url(vacancy_a))
    assert b"no longer accepts applications" in closed.content
    assert b"<form" not in closed.content.split(b"<main")[1]


def test_a_double_submit_makes_one_application(client, vacancy_a):
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(apply_url(vacancy_a), form_data(submission_key=key))
        assert response.status_code == 302
    assert Application.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_rate_limit_stops_a_flood_with_a_clear_message(client, vacancy_a, settings):
    settings.ATS_APPLY_RATE_LIMIT = 3
    for i in range(3):
        data = form_data(email=f"person{i}@example.org")
        assert client.post(apply_url(vacancy_a), data).status_code == 302
    response = client.post(apply_url(vacancy_a), form_data())
    assert response.status_code == 429
    assert b"many applications in a short time" in response.content
    assert Application.objects.count() == 3


def test_a_forged_forwarded_for_header_buys_no_new_allowance(client, vacancy_a, settings):
    settings.ATS_APPLY_RATE_LIMIT = 2
    statuses = [
        client.post(
            apply_url(vacancy_a), form_data(), HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        ).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 429, 429]


def test_the_honeypot_looks_like_success_and_keeps_nothing(client, vacancy_a):
    response = client.post(apply_url(vacancy_a), form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert not Application.objects.exists() and not mail.outbox


def test_extra_fields_such_as_stage_or_status_are_ignored(client, vacancy_a, vacancy_b):
    hired = vacancy_a.stages.get(kind=Stage.Kind.HIRED)
    data = form_data(
        stage=hired.pk, vacancy=vacancy_b.pk, status="hired", decision="hired", scan_status="clean"
    )
    assert client.post(apply_url(vacancy_a), data).status_code == 302
    application = Application.objects.get()
    assert application.vacancy == vacancy_a
    assert application.stage.kind == Stage.Kind.NEW and application.decision == ""


def test_a_post_without_csrf_token_is_refused(vacancy_a):
    response = Client(enforce_csrf_checks=True).post(apply_url(vacancy_a), form_data())
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_an_infected_file_is_refused_with_its_reason(client, vacancy_a, settings):
    from tests import services

    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT = host, port
    response = client.post(
        apply_url(vacancy_a), form_data(cover_letter=cv("letter.txt", vault_files.EICAR))
    )
    assert response.status_code == 400
    assert "contains a virus" in " ".join(response.context["form"].errors["cover_letter"])
    assert 'value="Zoë"' in response.content.decode()
    assert not Application.objects.exists()


def test_several_reference_files_are_all_stored(client, vacancy_a):
    refs = [cv(f"ref{i}.pdf") for i in range(3)]
    assert client.post(apply_url(vacancy_a), form_data(references=refs)).status_code == 302
    kinds = list(Document.objects.values_list("kind", flat=True))
    assert kinds.count("reference") == 3 and kinds.count("cv") == 1


def test_the_team_is_told_of_a_new_application_without_the_name(
    client, vacancy_a, max_manager, hanna
):
    max_manager.email = "max@example.org"
    max_manager.save()
    hanna.email = "hanna@example.org"
    hanna.save()
    assert client.post(apply_url(vacancy_a), form_data()).status_code == 302
    staff = [m for m in mail.outbox if "zoe@example.org" not in m.to]
    assert len(staff) == 1
    assert sorted(staff[0].to) == ["hanna@example.org", "max@example.org"]
    assert staff[0].subject == "Hirewell: New application"
    text = staff[0].subject + staff[0].body
    assert "Zoë" not in text and "zoe@example.org" not in text


def test_a_second_application_for_the_same_vacancy_is_merged_into_the_first(client, vacancy_a):
    assert client.post(apply_url(vacancy_a), form_data()).status_code == 302
    first = Application.objects.get()
    second = form_data(email="ZOE@example.org", cover_letter=cv("letter.pdf"))
    assert client.post(apply_url(vacancy_a), second).status_code == 302
    assert Application.objects.count() == 1
    assert first.documents.count() == 3
    assert first.stage_changes.count() == 1  # the history is kept as it was
    from ats.models import AuditEvent

    assert AuditEvent.objects.filter(action="application_merged").count() == 1


def test_an_application_for_another_vacancy_is_a_new_one(client, vacancy_a, vacancy_b):
    client.post(apply_url(vacancy_a), form_data())
    client.post(apply_url(vacancy_b), form_data())
    assert Application.objects.count() == 2
    assert Application.objects.values("candidate").distinct().count() == 1
