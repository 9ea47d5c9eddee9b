"""The reply to an emailed application, delivered through the real SMTP sink (CI):
plain text, marked Auto-Submitted, no personal data in the subject."""

from __future__ import annotations

import io
import mailbox
import secrets
import time

import pytest
from django.core.management import call_command

from tests import services
from tests.careers_site import eml

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    from tests.ats.vault.conftest import use_local_storage

    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True


def delivered_to(maildir, address: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mailbox.Maildir(maildir, create=False):
            if message["To"] == address:
                return message
        time.sleep(0.2)
    raise AssertionError("the reply did not arrive at the SMTP sink")


def test_the_acknowledgement_arrives_as_plain_text_marked_auto_submitted(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    maildir = services.smtp_maildir()
    settings.EMAIL_BACKEND = settings.ATS_EMAIL_BACKEND
    address = f"zoe.{secrets.token_hex(6)}@example.org"
    path = eml.write_eml(
        tmp_path,
        "application.eml",
        eml.with_cv_and_letter(sender=eml.Address("Zoë Ñúñez-O'Brien", addr_spec=address)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_email", str(path), stdout=io.StringIO())
    reply = delivered_to(maildir, address)
    assert reply["Subject"] == "Hirewell: We received your application"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply.get_content_type() == "text/plain"
    body = reply.get_payload(decode=True).decode(reply.get_content_charset())
    assert "Hello Zoë," in body and "Lebenslauf Zoë.pdf" in body
    assert "/special-category/" in body and "/my-data/" in body
