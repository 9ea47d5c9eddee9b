"""The pool's emails through the real SMTP sink (CI): the renewal request with its two
links, and the withdrawal's confirmation, sent after the data is gone."""

from __future__ import annotations

import mailbox
import re
import secrets
import time

from ats import services as ats_services
from talentpool.services import (
    pool_consent_give,
    pool_consent_text,
    pool_join,
    pool_send_renewal_requests,
    pool_withdraw,
)
from tests import services
from tests.talentpool.membership import berlin


def delivered(maildir, address: str, subject: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mailbox.Maildir(maildir, create=False):
            if message["To"] == address and message["Subject"] == subject:
                return message.get_payload(decode=True).decode(message.get_content_charset())
        time.sleep(0.2)
    raise AssertionError(f"{subject!r} did not arrive at the SMTP sink")


def test_renewal_request_and_withdrawal_confirmation_arrive(
    pool_site, settings, time_machine, django_capture_on_commit_callbacks
):
    maildir = services.smtp_maildir()
    settings.EMAIL_BACKEND = settings.ATS_EMAIL_BACKEND
    address = f"zoe.{secrets.token_hex(6)}@example.org"
    candidate, _ = ats_services.candidate_get_or_create(
        email=address, first_name="Zoë", last_name="Ñúñez", phone="+49 30 1234567"
    )
    time_machine.move_to(berlin(2026, 1, 15, 10, 0), tick=False)
    consent = pool_consent_give(candidate=candidate, text=pool_consent_text("en"), via="form")
    entry = pool_join(candidate=candidate, consent=consent, source="application_form")

    time_machine.move_to(berlin(2026, 6, 15, 3, 0), tick=False)
    assert pool_send_renewal_requests().requests == 1
    body = delivered(maildir, address, "Hirewell: Your talent-pool membership: renew?")
    assert "Hello Zoë," in body and "ends on" in body
    assert re.search(r"/talent-pool/renew/[^/\s]+/", body)
    assert re.search(r"/talent-pool/withdraw/[^/\s]+/", body)

    with django_capture_on_commit_callbacks(execute=True):
        assert pool_withdraw(entry=entry, via="email_link")
    body = delivered(maildir, address, "Hirewell: You have left our talent pool")
    assert "you have left our talent pool, effective immediately" in body
    assert "We now hold no personal data about you" in body
