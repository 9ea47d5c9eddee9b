"""Helpers for the self-service tests: signing a person in through a real emailed link."""

from __future__ import annotations

import re

from django.core import mail

LINK = re.compile(r"https?://[^\s]+/my-data/sign-in/([^/\s]+)/")


def request_link(client, email: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/my-data/", {"email": email})
    return response, callbacks


def token_from_outbox(address: str) -> str:
    for message in reversed(mail.outbox):
        if address in message.to:
            found = LINK.search(message.body)
            if found:
                return found.group(1)
    raise AssertionError("no sign-in link was emailed")


def sign_in(client, candidate, django_capture_on_commit_callbacks) -> str:
    """Ask for a link, take it from the mail, use it; the token used."""
    request_link(client, candidate.email, django_capture_on_commit_callbacks)
    token = token_from_outbox(candidate.email)
    response = client.post(f"/my-data/sign-in/{token}/")
    assert response.status_code == 302, response.content
    return token
