"""An applicant applies as a new user would, by the visible labels, in Chromium."""

from __future__ import annotations

import mailbox
import time

from django.conf import settings as django_settings

from ats import services as ats_services
from ats.models import Application, Department
from ats.vault.lifecycle import read_plaintext
from tests import services, vault_files
from tests.ats.vault.conftest import stored_bytes

NAME = ("Zoë", "Ñúñez-O'Brien")
CV_TEXT = "Curriculum vitae of Zoe Nunez-OBrien, marker E2E-CANARY-7731"


def wait_for_mail(maildir, recipient: str, timeout: float = 30) -> mailbox.MaildirMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mailbox.Maildir(maildir, create=False):
            if message["To"] == recipient:
                return message
        time.sleep(0.3)
    raise AssertionError("the confirmation email did not arrive at the SMTP sink")


def test_a_new_applicant_applies_for_a_vacancy(browser, live_server, settings, tmp_path):
    maildir = services.smtp_maildir()
    settings.EMAIL_BACKEND = django_settings.ATS_EMAIL_BACKEND  # the real SMTP sink
    settings.ATS_BASE_URL = live_server.url
    department = Department.objects.create(name="Engineering")
    vacancy = ats_services.vacancy_create(
        title="Backend Engineer", department=department, location="Berlin", description="Code."
    )
    ats_services.vacancy_publish(vacancy=vacancy)
    email = f"zoe.{int(time.time() * 1000)}@example.org"
    cv_file = tmp_path / "Zoë CV.pdf"
    cv_file.write_bytes(vault_files.pdf(CV_TEXT))

    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Backend Engineer").click()
    page.get_by_role("link", name="Apply for this position").first.click()
    page.get_by_label("First name", exact=True).fill(NAME[0])
    page.get_by_label("Last name", exact=True).fill(NAME[1])
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Telephone", exact=True).fill("+49 30 1234567")
    page.get_by_label("How did you hear about us?").select_option(label="LinkedIn")
    page.get_by_label("CV", exact=True).set_input_files(str(cv_file))
    page.get_by_label("I consent to being kept in the talent pool", exact=False).check()
    page.get_by_role("button", name="Send application").click()
    page.get_by_role("heading", name="Thank you, we received your application").wait_for()
    page.screenshot(path=str(tmp_path / "applied.png"), full_page=True)

    application = Application.objects.get(candidate__email=email)
    assert (application.candidate.first_name, application.candidate.last_name) == NAME
    assert application.consents.get().purpose == "talent_pool"
    document = application.documents.get()
    stored = stored_bytes(document.storage_key)
    assert b"E2E-CANARY" not in stored and b"Curriculum" not in stored
    assert b"".join(read_plaintext(document)) == vault_files.pdf(CV_TEXT)

    message = wait_for_mail(maildir, email)
    assert message["Subject"] == "Hirewell: We received your application"
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert "Zoë CV.pdf" in body and "/my-data/consents/" in body
