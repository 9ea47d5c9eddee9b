"""Applications by email through `manage.py ingest_email`: real .eml and mbox files
written by the tests, the resulting applications, documents, replies and refusals."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from ats import services
from ats.models import Application, Candidate, Consent, Document
from ats.vault.lifecycle import read_plaintext
from careers_site.inbound.models import InboundMessage
from tests import vault_files
from tests.ats.vault.conftest import clamd, clamd_down  # noqa: F401  (fixtures)
from tests.careers_site import eml

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Local storage in a temp dir, no scanner (development mode), unless a test asks
    for clamd."""
    from tests.ats.vault.conftest import use_local_storage

    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True


@pytest.fixture
def ingest(django_capture_on_commit_callbacks, tmp_path):
    """Write the messages as .eml files and run the command on them; its output."""
    counter = iter(range(10_000))

    def run(*messages) -> str:
        paths = [
            str(eml.write_eml(tmp_path, f"message-{next(counter)}.eml", message))
            for message in messages
        ]
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("ingest_email", *paths, stdout=out)
        return out.getvalue()

    return run


def plaintext(document: Document) -> bytes:
    return b"".join(read_plaintext(document))


def test_an_emailed_application_with_a_pdf_and_a_docx_becomes_an_application(ingest, vacancy_a):
    output = ingest(eml.with_cv_and_letter(to=f"jobs+{vacancy_a.reference}@hirewell.example"))
    assert "1 messages: 1 accepted" in output
    application = Application.objects.get()
    assert application.vacancy == vacancy_a and application.channel == "email"
    candidate = application.candidate
    assert (candidate.first_name, candidate.last_name) == ("Zoë", "Ñúñez-O'Brien")
    assert candidate.email == "zoe@example.org" and candidate.phone == ""
    documents = {d.display_name: d for d in application.documents.all()}
    assert set(documents) == {"Lebenslauf Zoë.pdf", "Arbeitszeugnis.docx", "email-message.txt"}
    assert documents["Lebenslauf Zoë.pdf"].kind == Document.Kind.CV
    assert plaintext(documents["Lebenslauf Zoë.pdf"]) == vault_files.pdf("Zoë's CV")
    assert documents["Arbeitszeugnis.docx"].kind == Document.Kind.REFERENCE
    assert plaintext(documents["Arbeitszeugnis.docx"]) == vault_files.docx("A reference")
    letter = documents["email-message.txt"]
    assert letter.kind == Document.Kind.COVER_LETTER
    assert plaintext(letter).decode() == (
        "Dear team,\n\nplease find my CV attached.\n\nKind regards\nZoë\n"
    )
    assert not Consent.objects.exists()  # an email carries no consent

    (reply,) = mail.outbox
    assert reply.to == ["zoe@example.org"]
    assert reply.subject == "Hirewell: We received your application"
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"
    assert not getattr(reply, "alternatives", None)  # plain text only
    assert 'applying for "Backend Engineer"' in reply.body
    assert "Lebenslauf Zoë.pdf" in reply.body and "Arbeitszeugnis.docx" in reply.body
    assert "6 months after we tell you our decision" in reply.body
    assert "/my-data/" in reply.body and "/special-category/" in reply.body
    # The reply was owed, is sent, and nothing personal is left on the inbound record.
    record = InboundMessage.objects.get()
    assert record.reply_sent_at is not None and record.reply_to == ""
    assert record.reply_details == {} and record.application_id == application.pk
    assert "zoe" not in record.digest and len(record.digest) == 64


def test_the_acknowledgement_offers_to_join_the_talent_pool(ingest, vacancy_a):
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("talentpool:join_offer", kwargs={"token": "x"})
    except NoReverseMatch:
        pytest.fail("talentpool:join_offer is not routed (the talent pool's pages)")
    ingest(eml.with_cv_and_letter(to=f"jobs+{vacancy_a.reference}@hirewell.example"))
    assert "talent pool" in mail.outbox[0].body
    assert "/talent-pool/" in mail.outbox[0].body or "talentpool" in mail.outbox[0].body


def test_a_reference_in_the_subject_routes_the_application(ingest, vacancy_a, vacancy_b):
    ingest(eml.with_cv_and_letter(subject=f"Bewerbung (Ref. {vacancy_b.reference.lower()})"))
    assert Application.objects.get().vacancy == vacancy_b


def test_without_a_known_reference_it_is_an_unsolicited_application(ingest, vacancy_a):
    ingest(eml.with_cv_and_letter(to="jobs+NOSUCHREF@hirewell.example", subject="Hello"))
    application = Application.objects.get()
    assert application.vacancy is None and application.channel == "email"
    assert "unsolicited application" in mail.outbox[0].body


def test_a_draft_vacancy_is_not_found_by_its_reference(ingest, engineering):
    draft = services.vacancy_create(
        title="Secret", department=engineering, location="Berlin", description="x"
    )
    ingest(eml.with_cv_and_letter(to=f"jobs+{draft.reference}@hirewell.example"))
    assert Application.objects.get().vacancy is None


def test_a_closed_vacancy_is_refused_with_a_reply_and_nothing_is_kept(ingest, vacancy_a):
    services.vacancy_close(vacancy=vacancy_a)
    output = ingest(eml.with_cv_and_letter(to=f"jobs+{vacancy_a.reference}@hirewell.example"))
    assert "1 refused" in output
    assert not Application.objects.exists() and not Document.objects.exists()
    (reply,) = mail.outbox
    assert reply.subject == "Hirewell: We could not take your application"
    assert 'the position "Backend Engineer" is no longer open' in reply.body
    assert "/careers/" in reply.body


def test_winmail_dat_is_unpacked_and_its_files_kept(ingest):
    ingest(eml.with_winmail_dat())
    application = Application.objects.get()
    documents = {d.display_name: d for d in application.documents.all()}
    assert set(documents) == {"cv.pdf", "notes.txt", "email-message.txt"}
    assert plaintext(documents["cv.pdf"]) == vault_files.pdf("CV in TNEF")
    assert documents["cv.pdf"].kind == Document.Kind.CV
    assert "winmail.dat" not in mail.outbox[0].body


def test_an_unreadable_winmail_dat_is_named_in_the_reply(ingest):
    ingest(
        eml.message(
            attachments=[
                ("cv.pdf", vault_files.pdf("CV"), eml.PDF_TYPE),
                ("winmail.dat", b"not TNEF at all", "application/ms-tnef"),
            ]
        )
    )
    application = Application.objects.get()
    assert {d.display_name for d in application.documents.all()} == {
        "cv.pdf",
        "email-message.txt",
    }
    assert "winmail.dat: The attachment could not be read." in mail.outbox[0].body


def test_a_forwarded_message_s_files_count_and_its_text_is_the_letter(ingest):
    inner = eml.with_cv_and_letter(subject="My application")
    ingest(eml.forwarding(inner))
    application = Application.objects.get()
    documents = {d.display_name: d for d in application.documents.all()}
    assert set(documents) == {"Lebenslauf Zoë.pdf", "Arbeitszeugnis.docx", "email-message.txt"}
    assert b"please find my CV attached" in plaintext(documents["email-message.txt"])


def test_a_forwarding_message_with_its_own_text_keeps_that_text(ingest):
    ingest(eml.forwarding(eml.with_cv_and_letter(), body="See my application below."))
    letter = Document.objects.get(kind=Document.Kind.COVER_LETTER)
    assert plaintext(letter) == b"See my application below.\n"


def test_an_html_only_body_becomes_text_and_german_mail_is_answered_in_german(ingest):
    ingest(eml.html_only())
    letter = Document.objects.get(kind=Document.Kind.COVER_LETTER)
    text = plaintext(letter).decode()
    assert text == (
        "Sehr geehrte Damen und Herren,\n\nanbei meine Bewerbung & mein Lebenslauf.\n\n"
        "Mit freundlichen Grüßen\nZoë\n"
    )
    assert "<" not in text and "alert" not in text and "color" not in text
    assert letter.content_type.startswith("text/plain")
    candidate = Candidate.objects.get()
    assert candidate.language == "de"
    with translation.override("de"):
        subject = gettext("We received your application")
    assert mail.outbox[0].subject == f"Hirewell: {subject}"


def test_content_language_chooses_the_reply_language(ingest):
    ingest(eml.with_cv_and_letter(headers={"Content-Language": "de-DE"}))
    assert Candidate.objects.get().language == "de"


AUTOMATIC = {
    "auto-reply": eml.auto_reply,
    "bounce": eml.bounce,
    "precedence bulk": lambda: eml.message(headers={"Precedence": "bulk"}),
    "precedence junk": lambda: eml.message(headers={"Precedence": "junk"}),
    "mailing list": lambda: eml.message(headers={"List-Id": "<jobs.lists.example.org>"}),
    "null return path": lambda: eml.message(headers={"Return-Path": "<>"}),
    "x-autoreply": lambda: eml.message(headers={"X-Autoreply": "yes"}),
    "auto-generated": lambda: eml.message(headers={"Auto-Submitted": "auto-generated"}),
    "mailer daemon": lambda: eml.message(sender="MAILER-DAEMON@mx.example.org"),
    "our own mail": lambda: eml.message(sender="jobs@localhost"),
    "no sender": lambda: eml.message(sender="not an address"),
}


@pytest.mark.parametrize("kind", AUTOMATIC)
def test_automatic_mail_is_never_an_application_and_never_answered(ingest, kind):
    output = ingest(AUTOMATIC[kind]())
    assert "1 ignored" in output
    assert not Application.objects.exists() and not InboundMessage.objects.exists()
    assert mail.outbox == []


def test_auto_submitted_no_is_a_person_writing(ingest):
    ingest(eml.with_cv_and_letter(headers={"Auto-Submitted": "no"}))
    assert Application.objects.count() == 1


def test_a_duplicate_message_id_is_ingested_once(ingest):
    first = eml.with_cv_and_letter(message_id="<same-id@example.org>")
    again = eml.with_cv_and_letter(message_id="<same-id@example.org>", subject="Resent")
    output = ingest(first, again)
    assert "2 messages: 1 accepted" in output and "1 duplicate" in output
    assert Application.objects.count() == 1 and Document.objects.count() == 3
    assert len(mail.outbox) == 1
    output = ingest(first)
    assert "1 duplicate" in output and len(mail.outbox) == 1


def test_a_message_id_is_forgotten_after_the_dedup_period(ingest, settings):
    settings.ATS_INBOUND_DEDUP_DAYS = 30
    ingest(eml.message(message_id="<old@example.org>"))
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        ingest(eml.message(message_id="<other@example.org>", sender="x@example.org"))
        assert InboundMessage.objects.count() == 1  # the old one purged


def test_a_30_mb_message_is_refused_with_a_clear_reply_and_nothing_kept(ingest):
    big = eml.large(30 * 1024 * 1024)
    started = time.monotonic()
    output = ingest(big)
    assert time.monotonic() - started < 5
    assert "1 refused" in output
    assert not Application.objects.exists() and not Document.objects.exists()
    (reply,) = mail.outbox
    assert reply.to == ["zoe@example.org"]
    assert reply.subject == "Hirewell: We could not take your application"
    assert "your email was 30.0 MB; we accept emails of at most 25 MB" in reply.body
    assert "We did not keep your email or its attachments" in reply.body


def test_too_many_attachments_are_refused_with_a_clear_reply(ingest, settings):
    settings.ATS_INBOUND_MAX_ATTACHMENTS = 3
    files = [(f"ref-{i}.pdf", vault_files.pdf(f"Ref {i}"), eml.PDF_TYPE) for i in range(4)]
    ingest(eml.message(attachments=files))
    assert not Application.objects.exists()
    assert "your email had 4 attachments; we accept at most 3" in mail.outbox[0].body


def test_a_disallowed_attachment_is_dropped_and_named_and_the_rest_kept(ingest):
    ingest(
        eml.message(
            attachments=[
                ("cv.pdf", vault_files.pdf("CV"), eml.PDF_TYPE),
                ("setup.exe", vault_files.elf(), "application/octet-stream"),
                ("fake.pdf", vault_files.html(), eml.PDF_TYPE),
            ]
        )
    )
    application = Application.objects.get()
    assert {d.display_name for d in application.documents.all()} == {
        "cv.pdf",
        "email-message.txt",
    }
    body = mail.outbox[0].body
    assert "These attachments were not accepted and were deleted:" in body
    assert "- setup.exe: " in body and "- fake.pdf: " in body
    assert "cv.pdf" in body.split("These attachments")[0]


@pytest.mark.usefixtures("clamd")
def test_an_infected_attachment_is_dropped_and_the_applicant_told(ingest, settings):
    settings.DEVELOPMENT = False
    ingest(eml.with_eicar())
    application = Application.objects.get()
    documents = {d.display_name: d for d in application.documents.all()}
    assert set(documents) == {"cv.pdf", "email-message.txt"}
    assert {d.scan_status for d in documents.values()} == {Document.ScanStatus.CLEAN}
    body = mail.outbox[0].body
    assert "- virus.txt: The file virus.txt contains a virus or malware" in body


@pytest.mark.usefixtures("clamd_down")
def test_a_scanner_that_is_down_keeps_the_application_with_documents_pending(ingest, settings):
    settings.DEVELOPMENT = False
    ingest(eml.with_cv_and_letter())
    application = Application.objects.get()
    assert application.documents.count() == 3
    assert set(application.documents.values_list("scan_status", flat=True)) == {
        Document.ScanStatus.PENDING
    }
    assert len(mail.outbox) == 1


def test_storage_that_is_down_keeps_nothing_and_the_rerun_takes_the_message(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    path = eml.write_eml(tmp_path, "application.eml", eml.with_cv_and_letter())
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    working = settings.STORAGES["documents"]
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {**working, "OPTIONS": {**working["OPTIONS"], "location": str(blocker)}},
    }
    with pytest.raises(CommandError, match="run the command again"):
        call_command("ingest_email", str(path), stdout=io.StringIO())
    assert not Application.objects.exists() and not InboundMessage.objects.exists()
    assert mail.outbox == []

    settings.STORAGES = {**settings.STORAGES, "documents": working}
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_email", str(path), stdout=out)
    assert "1 accepted" in out.getvalue()
    assert Application.objects.get().documents.count() == 3


def test_a_sender_over_the_rate_limit_is_answered_once_then_silently_refused(ingest, settings):
    settings.ATS_INBOUND_RATE_LIMIT = 2
    output = ingest(*(eml.message(subject=f"Application {i}") for i in range(5)))
    assert "5 messages: 2 accepted, 1 refused, 2 silenced" in output
    # The second is merged into the first (same person, same vacancy, undecided).
    assert Application.objects.count() == 1
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count("Hirewell: We received your application") == 2
    assert subjects.count("Hirewell: We could not take your application") == 1
    assert "you sent us many emails in a short time" in mail.outbox[-1].body
    # Another sender is not affected.
    ingest(eml.message(sender="other@example.org"))
    assert Application.objects.count() == 2


def test_a_second_email_merges_into_the_open_application(ingest, vacancy_a):
    to = f"jobs+{vacancy_a.reference}@hirewell.example"
    ingest(eml.with_cv_and_letter(to=to))
    ingest(
        eml.message(to=to, attachments=[("Zeugnis 2.pdf", vault_files.pdf("More"), eml.PDF_TYPE)])
    )
    application = Application.objects.get()
    assert application.documents.count() == 5
    assert len(mail.outbox) == 2


def test_an_existing_candidate_s_details_are_not_overwritten(ingest, zoe):
    ingest(eml.message(sender=eml.Address("Someone Else", "zoe.nunez", "example.org")))
    zoe.refresh_from_db()
    assert (zoe.first_name, zoe.phone) == ("Zoë", "+49 30 1234567")
    assert Application.objects.get().candidate == zoe


def test_an_mbox_file_is_read_message_by_message(tmp_path, django_capture_on_commit_callbacks):
    path = eml.write_mbox(
        tmp_path,
        "inbox.mbox",
        [
            eml.with_cv_and_letter(),
            eml.auto_reply(),
            eml.message(sender=eml.Address("Ana Lima", "ana", "example.org")),
        ],
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_email", str(path), stdout=out)
    assert "3 messages: 2 accepted, 0 refused, 0 silenced, 1 ignored" in out.getvalue()
    assert set(Candidate.objects.values_list("email", flat=True)) == {
        "zoe@example.org",
        "ana@example.org",
    }


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest_email", str(tmp_path / "nothing.eml"))
