from __future__ import annotations

import mailbox
import secrets
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from tests import services


def test_an_email_sent_through_django_arrives_at_the_smtp_sink():
    maildir = services.smtp_maildir()
    token = secrets.token_hex(8)
    connection = get_connection(settings.ATS_EMAIL_BACKEND)
    sent = EmailMessage(
        subject=f"Delivery check {token}",
        body="Grüße aus dem Test.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=["inbox@example.org"],
        connection=connection,
    ).send()
    assert sent == 1
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in mailbox.Maildir(maildir, create=False):
            if message["Subject"] == f"Delivery check {token}":
                body = message.get_payload(decode=True).decode(message.get_content_charset())
                assert "Grüße aus dem Test." in body
                return
        time.sleep(0.2)
    raise AssertionError("the message did not arrive at the SMTP sink")
