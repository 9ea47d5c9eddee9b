from __future__ import annotations

import pytest

from ats.models import AuditEvent, Document
from ats.vault.intake import document_intake
from tests import vault_files


@pytest.fixture
def cv(settings, vault_storage, zoes_application) -> Document:
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    return document_intake(
        application=zoes_application,
        kind=Document.Kind.CV,
        name="Zoë's CV\u202egpj.pdf",
        data=vault_files.pdf("The CV"),
    )


def url(document: Document) -> str:
    return f"/recruit/documents/{document.pk}/download"


def test_hr_downloads_a_document_as_an_attachment(client, hanna, cv):
    client.force_login(hanna)
    response = client.get(url(cv))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == vault_files.pdf("The CV")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(cv.size)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Zo%C3%AB%27s%20CVgpj.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    event = AuditEvent.objects.get(action="document_downloaded")
    assert (event.actor, event.target_id) == (hanna, str(cv.pk))


def test_a_head_request_gets_the_same_checks_and_no_body(client, hanna, brigitte, cv):
    client.force_login(hanna)
    response = client.head(url(cv))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b""
    assert AuditEvent.objects.filter(action="document_downloaded").count() == 1
    client.force_login(brigitte)
    assert client.head(url(cv)).status_code == 404


def test_a_range_request_gets_the_whole_checked_file(client, hanna, cv):
    client.force_login(hanna)
    response = client.get(url(cv), HTTP_RANGE="bytes=0-10")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "none"
    assert AuditEvent.objects.filter(action="document_downloaded").count() == 1


def test_the_manager_of_the_vacancy_may_download(client, max_manager, cv):
    client.force_login(max_manager)
    assert client.get(url(cv)).status_code == 200


@pytest.mark.parametrize("persona", ["brigitte", "mia"])
def test_others_get_not_found(client, request, persona, cv):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(cv)).status_code == 404
    assert not AuditEvent.objects.filter(action="document_downloaded").exists()


def test_anonymous_visitors_are_sent_to_the_login(client, cv):
    response = client.get(url(cv))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_document_that_fails_its_integrity_check_is_a_clear_error(client, hanna, cv):
    other = Document.objects.create(
        application=cv.application,
        kind=Document.Kind.OTHER,
        display_name="x.pdf",
        content_type="application/pdf",
        size=1,
        storage_key="vault/other",
        key_id=cv.key_id,
        wrapped_key=b"\x01\x02bad",
        scan_status=Document.ScanStatus.CLEAN,
    )
    Document.objects.filter(pk=cv.pk).update(wrapped_key=other.wrapped_key)
    client.force_login(hanna)
    response = client.get(url(cv))
    assert response.status_code == 500
    assert b"failed its integrity check" in response.content
