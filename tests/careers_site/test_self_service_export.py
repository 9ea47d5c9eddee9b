"""The ZIP export of the self-service: data.json valid against the documented schema,
the documents byte-identical to the uploads, small sets streamed, large ones built by a
task and stored encrypted behind a link that expires."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.core import mail
from django.utils import timezone

from ats import services as ats_services
from ats.models import AuditEvent, DataExport, Document, Purpose
from ats.vault import storage
from ats.vault.intake import document_intake
from careers_site.selfservice.export import EXPORT_PREFIX, data_exports_remove_expired
from tests import vault_files
from tests.anonymizer.conftest import consent as give_consent
from tests.ats.vault.conftest import use_local_storage
from tests.careers_site.selfservice_helpers import sign_in

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "self-service-export.schema.json").read_text()
)
CV = vault_files.pdf("Curriculum vitae ExportMarkerQ7731")


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(data)


def read_archive(content: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


@pytest.fixture
def vault(settings, tmp_path):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    return tmp_path / "documents"


@pytest.fixture
def zoes_files(vault, zoe, zoes_application, vacancy_b):
    unsolicited = ats_services.application_create(candidate=zoe, vacancy=None, channel="other")
    cv = document_intake(application=zoes_application, kind="cv", name="Zoë CV.pdf", data=CV)
    letter = document_intake(
        application=unsolicited, kind="cover_letter", name="letter.txt", data=b"Dear team,\n"
    )
    pending = document_intake(
        application=unsolicited, kind="other", name="later.txt", data=b"scan pending"
    )
    Document.objects.filter(pk=pending.pk).update(scan_status="pending")
    give_consent(zoe, Purpose.TALENT_POOL, given_at=timezone.now(), application=zoes_application)
    return cv, letter, pending


def test_a_small_export_streams_a_zip_whose_json_matches_the_schema(
    client, zoe, zoes_files, django_capture_on_commit_callbacks
):
    cv, letter, pending = zoes_files
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    response = client.post("/my-data/export/")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store, private"
    data, files = read_archive(b"".join(response.streaming_content))
    validate(data)
    assert data["person"]["email"] == zoe.email and data["person"]["first_name"] == "Zoë"
    documents = {d["id"]: d for a in data["applications"] for d in a["documents"]}
    assert files[documents[str(cv.pk)]["path"]] == CV
    assert files[documents[str(letter.pk)]["path"]] == b"Dear team,\n"
    assert documents[str(cv.pk)]["sha256"] == hashlib.sha256(CV).hexdigest()
    assert documents[str(pending.pk)]["path"] is None and len(files) == 2
    assert [c["purpose"] for c in data["consents"]] == ["talent_pool"]
    assert {a["vacancy"]["title"] if a["vacancy"] else None for a in data["applications"]} == {
        "Backend Engineer",
        None,
    }
    assert AuditEvent.objects.filter(action="data_exported", target_id=str(zoe.pk)).count() == 1


def test_a_large_export_is_built_by_a_task_stored_encrypted_and_expires(
    client, settings, zoe, zoes_files, vault, time_machine, django_capture_on_commit_callbacks
):
    settings.ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES = 0
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my-data/export/")
    assert response.status_code == 302
    export = DataExport.objects.get()
    assert export.state == "ready" and export.storage_key.startswith(EXPORT_PREFIX)
    assert [m.subject for m in mail.outbox] == ["Hirewell: Your data export is ready"]
    # Never plaintext at rest: the stored object is ciphertext.
    stored = (vault / export.storage_key).read_bytes()
    assert b"ExportMarker" not in stored and b"Dear team" not in stored and stored[:2] != b"PK"
    page = client.get("/my-data/").content.decode()
    assert f"/my-data/exports/{export.pk}/" in page
    download = client.get(f"/my-data/exports/{export.pk}/")
    assert download.status_code == 200 and int(download["Content-Length"]) == export.size
    data, files = read_archive(b"".join(download.streaming_content))
    validate(data)
    assert CV in files.values()
    assert AuditEvent.objects.filter(action="data_exported", details__stored=True).count() == 1

    # Expired: the link is gone, and the cleanup deletes the object and the row.
    time_machine.move_to(export.expires_at + timedelta(seconds=1))
    assert client.get(f"/my-data/exports/{export.pk}/").status_code in (302, 404)
    assert data_exports_remove_expired() == 1
    assert not DataExport.objects.exists() and not storage.exists(export.storage_key)


def test_another_person_cannot_download_an_export(
    client, settings, zoe, zoes_files, vault_b_person, django_capture_on_commit_callbacks
):
    settings.ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES = 0
    sign_in(client, zoe, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my-data/export/")
    export = DataExport.objects.get()
    other = client.__class__()
    sign_in(other, vault_b_person, django_capture_on_commit_callbacks)
    response = other.get(f"/my-data/exports/{export.pk}/")
    assert response.status_code == 404 and b"Z\xc3\xab" not in response.content
    assert client.get(f"/my-data/exports/{export.pk}/").status_code == 200


@pytest.fixture
def vault_b_person(vault, vacancy_b):
    person, _ = ats_services.candidate_get_or_create(
        email="olaf@example.org", first_name="Olaf", last_name="Other", phone="+49 30 9"
    )
    ats_services.application_create(candidate=person, vacancy=vacancy_b, channel="linkedin")
    return person


def test_export_objects_no_row_names_are_removed_after_the_grace_period(
    db, settings, vault, time_machine
):
    from ats.vault.storage import put

    put(f"{EXPORT_PREFIX}{'ab' * 16}", io.BytesIO(b"left by a crash"))
    assert data_exports_remove_expired() == 0  # within the grace period
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.ATS_ORPHAN_GRACE_SECONDS + 5))
    assert data_exports_remove_expired() == 1
    assert storage.list_keys(EXPORT_PREFIX) == []


def test_notes_and_evaluations_are_exported_only_when_the_operator_enables_it(
    client, settings, hanna, zoe, zoes_files, zoes_application, django_capture_on_commit_callbacks
):
    from ats.models import CandidateEmail
    from ats.services.workspace import note_add

    note_add(application=zoes_application, author=hanna, body="Internal: strong candidate")
    CandidateEmail.objects.create(
        application=zoes_application,
        kind="other",
        subject="Interview invitation",
        body="Hello",
        language="en",
        status=CandidateEmail.Status.SENT,
    )
    sign_in(client, zoe, django_capture_on_commit_callbacks)

    def exported() -> dict:
        response = client.post("/my-data/export/")
        data, _ = read_archive(b"".join(response.streaming_content))
        validate(data)
        return next(a for a in data["applications"] if a["id"] == zoes_application.pk)

    hidden = exported()
    assert hidden["notes"] == [] and hidden["emails"][0]["subject"] == "Interview invitation"
    settings.ATS_SELF_SERVICE_SHOW_INTERNAL = True
    assert [note["body"] for note in exported()["notes"]] == ["Internal: strong candidate"]
