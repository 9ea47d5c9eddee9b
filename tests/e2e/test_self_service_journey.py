"""A person uses the self-service in Chromium as they would: asks for a sign-in link,
signs in from the email the SMTP sink received, downloads the ZIP (its JSON valid
against the documented schema, the CV byte-identical), withdraws the talent-pool
consent, erases everything, and nothing with their markers is left in the database or
the document store."""

from __future__ import annotations

import io
import json
import mailbox
import re
import time
import zipfile
from pathlib import Path

import jsonschema
from django.conf import settings as django_settings
from django.utils import timezone

from ats import services as ats_services
from ats.models import Application, Candidate, Department, Purpose
from ats.vault.intake import document_intake
from talentpool.models import Source, TalentPoolEntry
from talentpool.services import pool_join
from tests import services, vault_files
from tests.anonymizer.conftest import consent as give_consent
from tests.anonymizer.test_canary import Markers, leaks, stored_files, text_values
from tests.ats.vault.conftest import use_local_storage

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "self-service-export.schema.json").read_text()
)
LINK = re.compile(r"(https?://\S+/my-data/sign-in/[^/\s]+/)")


def wait_for_link(maildir: Path, recipient: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mailbox.Maildir(maildir, create=False):
            if message["To"] == recipient:
                found = LINK.search(message.get_payload(decode=True).decode())
                if found:
                    return found.group(1)
        time.sleep(0.3)
    raise AssertionError("the sign-in email did not arrive at the SMTP sink")


def marked_person(markers: Markers, vault: Path):
    """Two applications with marked CVs, and the talent pool joined on the first's form."""
    engineering = Department.objects.create(name="Engineering")
    people = Department.objects.create(name="People")
    vacancies = []
    for title, department in (("Backend Engineer", engineering), ("HR Generalist", people)):
        vacancy = ats_services.vacancy_create(
            title=title, department=department, location="Berlin", description="Work."
        )
        ats_services.vacancy_publish(vacancy=vacancy)
        vacancies.append(vacancy)
    email = f"{markers('mail').lower()}@example.org"
    person, _ = ats_services.candidate_get_or_create(
        email=email,
        first_name=markers("first"),
        last_name=markers("last"),
        phone="+49 30 1234567",
    )
    cvs = []
    applications = []
    for vacancy in vacancies:
        application = ats_services.application_create(
            candidate=person, vacancy=vacancy, channel="linkedin"
        )
        cv = vault_files.pdf(f"Curriculum vitae {markers('cv')}")
        document_intake(application=application, kind="cv", name=f"{markers('file')}.pdf", data=cv)
        cvs.append(cv)
        applications.append(application)
    consent = give_consent(
        person, Purpose.TALENT_POOL, given_at=timezone.now(), application=applications[0]
    )
    pool_join(candidate=person, consent=consent, source=Source.APPLICATION_FORM)
    return person, cvs


def test_a_person_exports_withdraws_and_erases_their_data(browser, live_server, settings, tmp_path):
    maildir = services.smtp_maildir()
    settings.EMAIL_BACKEND = django_settings.ATS_EMAIL_BACKEND  # the real SMTP sink
    settings.ATS_BASE_URL = live_server.url
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    markers = Markers()
    person, cvs = marked_person(markers, tmp_path / "documents")
    email = person.email
    assert leaks(markers, text_values())  # the search finds the markers while they are there

    page = browser.new_page()
    page.goto(live_server.url + "/my-data/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    page.goto(wait_for_link(maildir, email))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your data", exact=True).wait_for()
    assert page.get_by_role("heading", name="Backend Engineer").is_visible()
    assert page.get_by_role("heading", name="HR Generalist").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (ZIP)").click()
    content = Path(download_info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        data = json.loads(archive.read("data.json"))
        jsonschema.Draft202012Validator(
            SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(data)
        files = [
            archive.read(document["path"])
            for application in data["applications"]
            for document in application["documents"]
        ]
    assert sorted(files) == sorted(cvs)
    assert data["person"]["email"] == email

    page.get_by_role("button", name="Withdraw consent: Talent pool").click()
    page.get_by_text("Your consent is withdrawn").wait_for()
    entry = TalentPoolEntry.objects.get(candidate=person)
    assert entry.ended_at is not None and entry.end_reason == "withdrawn"
    assert Application.objects.filter(candidate=person).count() == 2  # still in progress

    page.get_by_role("link", name="Erase all my data").click()
    page.get_by_label("I understand that what is erased cannot be restored.").check()
    page.get_by_role("button", name="Erase now").click()
    page.get_by_role("heading", name="Your data is erased").wait_for()

    assert not Candidate.objects.filter(pk=person.pk).exists()
    assert not Application.objects.exists()
    places = text_values() + stored_files(tmp_path / "documents")
    assert leaks(markers, places) == []
    page.goto(live_server.url + "/my-data/")
    page.get_by_role("button", name="Send me a sign-in link").wait_for()
