"""The applicant self-service under /my-data/: identity by an emailed single-use link,
what the person sees, rectification, consent withdrawal, erasure and restriction."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ats import services as ats_services
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    Consent,
    DataRequest,
    Document,
    Purpose,
    SelfServiceSignIn,
)
from ats.selectors import visible_applications
from ats.services.requests import restriction_lift
from ats.services.workspace import note_add
from ats.vault import storage
from ats.vault.intake import document_intake
from careers_site.selfservice.tasks import send_sign_in_link
from talentpool.models import Source, TalentPoolEntry
from talentpool.services import pool_join
from tests import vault_files
from tests.anonymizer.conftest import consent as give_consent
from tests.ats.vault.conftest import use_local_storage
from tests.careers_site.selfservice_helpers import request_link, sign_in, token_from_outbox

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def vault(settings, tmp_path):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    return tmp_path / "documents"


@pytest.fixture
def zoe_with_two_and_pool(vault, zoe, vacancy_a, vacancy_b):
    """Zoë: an application for A with a CV and the pool consent given on its form (she is
    in the pool), an application for B with a CV."""
    first = ats_services.application_create(candidate=zoe, vacancy=vacancy_a, channel="linkedin")
    second = ats_services.application_create(candidate=zoe, vacancy=vacancy_b, channel="event")
    for application, text in ((first, "CV for A"), (second, "CV for B")):
        document_intake(
            application=application, kind="cv", name="cv.pdf", data=vault_files.pdf(text)
        )
    consent = give_consent(zoe, Purpose.TALENT_POOL, given_at=timezone.now(), application=first)
    entry = pool_join(candidate=zoe, consent=consent, source=Source.APPLICATION_FORM)
    return first, second, entry


# --- Identity by email --------------------------------------------------------------------


def test_the_form_answers_the_same_bytes_and_does_the_same_work_for_known_and_unknown(
    client, zoe, django_capture_on_commit_callbacks
):
    known, known_callbacks = request_link(client, zoe.email, django_capture_on_commit_callbacks)
    unknown, unknown_callbacks = request_link(
        client, "nobody.here@example.org", django_capture_on_commit_callbacks
    )
    assert known.status_code == unknown.status_code == 200
    assert CSRF.sub(b"", known.content) == CSRF.sub(b"", unknown.content)
    # The same work in the request: one row and one queued task each (the timing class).
    assert len(known_callbacks) == len(unknown_callbacks) == 1
    # The tasks ran: a mail to Zoë only, and the unknown address's row is gone.
    assert [m.to for m in mail.outbox] == [[zoe.email]]
    assert SelfServiceSignIn.objects.count() == 1
    assert SelfServiceSignIn.objects.get().candidate == zoe
    # Only the hash of the token is stored.
    token = token_from_outbox(zoe.email)
    assert token not in str(list(SelfServiceSignIn.objects.values()))


def test_both_paths_enqueue_the_same_task(client, zoe, django_capture_on_commit_callbacks):
    """Structurally: the callback queued for a known and an unknown address is the same
    task with a record id, and nothing else."""
    sent = []
    original = send_sign_in_link.delay
    send_sign_in_link.delay = lambda *args: sent.append(args)
    try:
        request_link(client, zoe.email, django_capture_on_commit_callbacks)
        request_link(client, "nobody.here@example.org", django_capture_on_commit_callbacks)
    finally:
        send_sign_in_link.delay = original
    assert len(sent) == 2
    assert all(len(args) == 1 and re.fullmatch(r"[0-9a-f-]{36}", args[0]) for args in sent)
    assert mail.outbox == []


def test_link_requests_are_rate_limited_per_address_and_per_client(
    client, settings, zoe, django_capture_on_commit_callbacks
):
    settings.ATS_SELF_SERVICE_LINK_RATE_LIMIT = 2
    settings.ATS_SELF_SERVICE_IP_RATE_LIMIT = 4
    for _ in range(2):
        assert (
            request_link(client, zoe.email, django_capture_on_commit_callbacks)[0].status_code
            == 200
        )
    assert request_link(client, zoe.email, django_capture_on_commit_callbacks)[0].status_code == 429
    # Another address from the same client still works until the client's own limit.
    assert (
        request_link(client, "a@example.org", django_capture_on_commit_callbacks)[0].status_code
        == 200
    )
    assert (
        request_link(client, "b@example.org", django_capture_on_commit_callbacks)[0].status_code
        == 429
    )
    assert len(mail.outbox) == 2


def test_a_link_signs_in_once_and_the_session_is_scoped_to_the_person(
    client, zoe, zoes_application, django_capture_on_commit_callbacks
):
    request_link(client, zoe.email, django_capture_on_commit_callbacks)
    token = token_from_outbox(zoe.email)
    # Opening the link (a mail scanner does) changes nothing.
    page = client.get(f"/my-data/sign-in/{token}/")
    assert page.status_code == 200 and b"Sign in" in page.content
    assert SelfServiceSignIn.objects.get().used_at is None
    assert client.post(f"/my-data/sign-in/{token}/").status_code == 302
    overview = client.get("/my-data/")
    assert "Backend Engineer" in overview.content.decode()
    assert Candidate.objects.get(pk=zoe.pk).email_verified_at is not None
    # Used: the same link is refused with the clear page.
    other = client.__class__()
    again = other.post(f"/my-data/sign-in/{token}/")
    assert again.status_code == 400 and b"This link is not valid" in again.content
    assert b"Backend Engineer" not in other.get("/my-data/").content


@pytest.mark.parametrize("what", ["expired", "reused", "tampered", "unknown"])
def test_a_bad_link_shows_a_clear_page_reveals_nothing_and_changes_nothing(
    client, zoe, zoes_application, time_machine, django_capture_on_commit_callbacks, what
):
    request_link(client, zoe.email, django_capture_on_commit_callbacks)
    token = token_from_outbox(zoe.email)
    if what == "expired":
        time_machine.move_to(timezone.now() + timedelta(minutes=31))
    elif what == "reused":
        client.__class__().post(f"/my-data/sign-in/{token}/")
    elif what == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        token = "x" * 43
    before = list(SelfServiceSignIn.objects.values("pk", "used_at"))
    for response in (
        client.get(f"/my-data/sign-in/{token}/"),
        client.post(f"/my-data/sign-in/{token}/"),
    ):
        assert response.status_code == 400
        text = response.content.decode()
        assert "This link is not valid" in text
        assert "Zoë" not in text and zoe.email not in text and "Backend" not in text
    assert list(SelfServiceSignIn.objects.values("pk", "used_at")) == before
    assert "self_service" not in client.session
    assert b"Send me a sign-in link" in client.get("/my-data/").content


def test_the_session_ends_after_its_minutes_and_on_sign_out(
    client, zoe, zoes_application, time_machine, django_capture_on_commit_callbacks
):
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    assert b"Backend Engineer" in client.get("/my-data/").content
    client.post("/my-data/sign-out/")
    assert b"Backend Engineer" not in client.get("/my-data/").content
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    time_machine.move_to(timezone.now() + timedelta(minutes=31))
    assert b"Backend Engineer" not in client.get("/my-data/").content


# --- What the person sees -------------------------------------------------------------------


def test_the_overview_shows_applications_documents_consents_pool_and_erasure(
    client, settings, hanna, zoe_with_two_and_pool, zoe, django_capture_on_commit_callbacks
):
    first, _, _entry = zoe_with_two_and_pool
    note_add(application=first, author=hanna, body="Internal: strong candidate")
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    text = client.get("/my-data/").content.decode()
    assert "Backend Engineer" in text and "HR Generalist" in text
    assert "Received" in text and "cv.pdf" in text
    assert "Talent pool" in text and "Member since" in text
    assert "no decision yet" in text  # the erasure rule of an undecided application
    assert "Internal: strong candidate" not in text
    settings.ATS_SELF_SERVICE_SHOW_INTERNAL = True
    assert "Internal: strong candidate" in client.get("/my-data/").content.decode()


def test_pages_for_a_signed_in_person_send_others_to_the_sign_in(client, zoe, zoes_application):
    for url in ("/my-data/contact/", "/my-data/erase/all/", "/my-data/restrict/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/my-data/"


def test_another_persons_records_are_not_found_and_nothing_changes(
    client, zoe, vault, vacancy_a, zoes_application, django_capture_on_commit_callbacks
):
    other, _ = ats_services.candidate_get_or_create(
        email="olaf@example.org", first_name="Olaf", last_name="Other", phone="+49 30 9"
    )
    theirs = ats_services.application_create(candidate=other, vacancy=vacancy_a, channel="linkedin")
    their_consent = give_consent(other, Purpose.TALENT_POOL, given_at=timezone.now())
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    assert client.get(f"/my-data/erase/{theirs.pk}/").status_code == 404
    assert client.post(f"/my-data/erase/{theirs.pk}/", {"confirm": "on"}).status_code == 404
    assert client.post(f"/my-data/consent/{their_consent.pk}/withdraw/").status_code == 404
    response = client.post(
        "/my-data/restrict/", {"kind": "restriction", "application": str(theirs.pk), "reason": "x"}
    )
    assert response.status_code == 200  # not one of her choices: a form error
    assert Application.objects.filter(pk=theirs.pk).exists()
    assert Consent.objects.get(pk=their_consent.pk).withdrawn_at is None
    assert not DataRequest.objects.exists()


# --- Rectification and consents ---------------------------------------------------------------


def test_correcting_contact_details_is_audited_without_the_values(
    client, zoe, zoes_application, django_capture_on_commit_callbacks
):
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    response = client.post(
        "/my-data/contact/",
        {"first_name": "Zoe", "last_name": zoe.last_name, "phone": "+49 40 7654321"},
    )
    assert response.status_code == 302
    zoe.refresh_from_db()
    assert (zoe.first_name, zoe.phone) == ("Zoe", "+49 40 7654321")
    event = AuditEvent.objects.get(action="contact_details_corrected")
    assert event.details == {"fields": ["first_name", "phone"]}
    assert "7654321" not in str(event.details) and "Zoe" not in str(event.details)
    bad = client.post("/my-data/contact/", {"first_name": "", "last_name": "x", "phone": "no"})
    assert bad.status_code == 200 and b"field-errors" in bad.content


def test_withdrawing_the_pool_consent_ends_the_membership_at_once(
    client, zoe, zoe_with_two_and_pool, django_capture_on_commit_callbacks
):
    first, second, entry = zoe_with_two_and_pool
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/my-data/consent/{entry.consent_id}/withdraw/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.ended_at is not None and entry.end_reason == "withdrawn"
    consent = Consent.objects.get(pk=entry.consent_id)
    assert consent.withdrawn_at is not None and consent.withdrawn_via == "self_service"
    # Her open applications stay under their own purpose.
    assert set(Application.objects.filter(candidate=zoe).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


# --- Erasure -----------------------------------------------------------------------------------


def test_erasing_one_of_two_applications_with_a_pool_entry_erases_only_that_one(
    client, zoe, zoe_with_two_and_pool, vault, django_capture_on_commit_callbacks
):
    first, second, entry = zoe_with_two_and_pool
    first_key = first.documents.get().storage_key
    second_key = second.documents.get().storage_key
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    confirm = client.get(f"/my-data/erase/{first.pk}/")
    assert confirm.status_code == 200 and b"Backend Engineer" in confirm.content
    assert b"HR Generalist" not in confirm.content
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/my-data/erase/{first.pk}/", {})  # not confirmed
    assert refused.status_code == 200 and Application.objects.filter(pk=first.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/my-data/erase/{first.pk}/", {"confirm": "on"})
    assert response.status_code == 302
    assert not Application.objects.filter(pk=first.pk).exists()
    assert Application.objects.filter(pk=second.pk).exists()
    assert Candidate.objects.filter(pk=zoe.pk).exists()
    entry.refresh_from_db()
    assert entry.is_current()  # the pool membership is untouched
    assert Consent.objects.get(pk=entry.consent_id).withdrawn_at is None
    assert not storage.exists(first_key) and storage.exists(second_key)
    assert Document.objects.filter(application=second).count() == 1
    from anonymizer.models import ApplicationStatistic, ErasureRecord

    assert ErasureRecord.objects.get().rule == "erasure_request"
    assert ApplicationStatistic.objects.get().outcome == "withdrawn"
    request = DataRequest.objects.get()
    assert (request.kind, request.state, request.application) == ("erasure", "done", None)
    # Still signed in, the rest is still there.
    assert b"HR Generalist" in client.get("/my-data/").content


@pytest.mark.parametrize("why", ["hired", "legal_hold", "communicated_rejection"])
def test_an_application_that_must_be_kept_says_why_and_until_when_and_is_not_erased(
    client, zoe, zoes_application, why, django_capture_on_commit_callbacks
):
    now = timezone.now()
    fields = {
        "hired": {"decision": "hired", "decided_at": now, "decision_communicated_at": now},
        "legal_hold": {
            "legal_hold_reason": "A claim",
            "legal_hold_until": (now + timedelta(days=60)).date(),
        },
        "communicated_rejection": {
            "decision": "rejected",
            "decided_at": now,
            "decision_communicated_at": now,
        },
    }[why]
    Application.objects.filter(pk=zoes_application.pk).update(**fields)
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    text = client.get(f"/my-data/erase/{zoes_application.pk}/").content.decode()
    assert {
        "hired": "You were hired",
        "legal_hold": "A legal hold",
        "communicated_rejection": "only to answer legal claims",
    }[why] in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/my-data/erase/{zoes_application.pk}/", {"confirm": "on"})
    assert Application.objects.filter(pk=zoes_application.pk).exists()
    assert "A claim" not in client.get("/my-data/").content.decode()  # HR's reason stays HR's


def test_erasing_everything_erases_the_person_and_signs_them_out(
    client, zoe, zoe_with_two_and_pool, vault, django_capture_on_commit_callbacks
):
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my-data/erase/all/", {"confirm": "on"})
    assert response.status_code == 200 and b"Your data is erased" in response.content
    assert not Candidate.objects.exists() and not Application.objects.exists()
    assert not TalentPoolEntry.objects.exists() and not Consent.objects.exists()
    assert storage.list_keys() == []
    assert b"Send me a sign-in link" in client.get("/my-data/").content
    # The requests are kept for accountability, without anything about the person.
    assert DataRequest.objects.count() == 2
    assert set(DataRequest.objects.values_list("candidate", "reason", "contact_email")) == {
        (None, "", "")
    }


# --- Restriction and objection --------------------------------------------------------------


def test_a_restriction_freezes_the_application_everywhere_until_hr_lifts_it(
    client, zoe, zoes_application, hanna, max_manager, django_capture_on_commit_callbacks
):
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    response = client.post(
        "/my-data/restrict/",
        {"kind": "restriction", "application": str(zoes_application.pk), "reason": "Inaccurate"},
    )
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.kind, request.state, request.reason) == ("restriction", "open", "Inaccurate")
    assert not visible_applications(hanna).filter(pk=zoes_application.pk).exists()
    assert not visible_applications(max_manager).filter(pk=zoes_application.pk).exists()
    stage = zoes_application.vacancy.stages.get(kind="screening")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ats_services.application_move_stage(application=zoes_application, stage=stage, by=hanna)
    restriction = zoes_application.restrictions.get()
    restriction_lift(restriction=restriction, by=hanna)
    assert visible_applications(hanna).filter(pk=zoes_application.pk).exists()
    ats_services.application_move_stage(application=zoes_application, stage=stage, by=hanna)


def test_an_objection_is_a_request_for_hr_and_freezes_nothing(
    client, zoe, zoes_application, hanna, django_capture_on_commit_callbacks
):
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    client.post("/my-data/restrict/", {"kind": "objection", "application": "all", "reason": "No"})
    request = DataRequest.objects.get()
    assert (request.kind, request.application, request.candidate) == ("objection", None, zoe)
    assert visible_applications(hanna).filter(pk=zoes_application.pk).exists()
    missing_reason = client.post(
        "/my-data/restrict/", {"kind": "objection", "application": "all", "reason": ""}
    )
    assert missing_reason.status_code == 200 and DataRequest.objects.count() == 1


def test_the_hourly_cleanup_deletes_expired_sign_in_links(
    client, zoe, django_capture_on_commit_callbacks
):
    from careers_site.selfservice.tasks import self_service_cleanup

    request_link(client, zoe.email, django_capture_on_commit_callbacks)
    assert self_service_cleanup() == 0 and SelfServiceSignIn.objects.count() == 1
    # The link's end moved into the past rather than the clock into the future: the
    # cleanup also lists the export objects, and S3 refuses a request signed 31 minutes
    # ahead of its own clock (RequestTimeTooSkewed).
    SelfServiceSignIn.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert self_service_cleanup() == 1 and not SelfServiceSignIn.objects.exists()
