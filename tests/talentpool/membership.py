"""Helpers for the membership tests (joining, renewal, expiry, withdrawal): people join
through the real pages and services; the `pool_site` fixture is in conftest.py."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import vault_files

BERLIN = ZoneInfo("Europe/Berlin")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK = re.compile(r"http://testserver(/talent-pool/(?:offer|renew|withdraw)/[^/\s]+/)")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def join_form(**overrides) -> dict:
    data = {
        "first_name": "Zoë",
        "last_name": "Ñúñez-O'Brien",
        "email": "zoe@example.org",
        "phone": "+49 30 1234567",
        "channel": "linkedin",
        "gender": "female",
        "submission_key": str(uuid.uuid4()),
        "cv": SimpleUploadedFile("cv.pdf", vault_files.pdf("Zoë: Python, Kubernetes")),
        "talent_pool_consent": "on",
        "location": "Berlin",
        "skills": "Python, Kubernetes, python",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def links_in(message) -> dict[str, str]:
    """The pool's links in an email, by kind (offer, renew, withdraw), as paths."""
    return {path.split("/")[2]: path for path in LINK.findall(message.body)}


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


def post_page(client, path: str, commit_callbacks) -> object:
    """GET the confirmation page, then POST its form as a browser would (with the CSRF
    token and the hidden fields), running the on-commit callbacks (the emails)."""
    page = client.get(path)
    assert page.status_code == 200, page.content.decode()[:500]
    html = page.content.decode()
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    with commit_callbacks(execute=True):
        return client.post(path, data)
