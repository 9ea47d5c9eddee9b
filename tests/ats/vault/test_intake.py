from __future__ import annotations

import base64
import io
import json
import secrets
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from ats.models import AuditEvent, Document
from ats.tasks import remove_orphan_objects, rescan_pending_documents
from ats.vault import crypto, storage
from ats.vault.intake import StorageUnavailable, document_intake
from ats.vault.lifecycle import document_delete, read_plaintext
from ats.vault.validate import UploadRejected
from tests import services, vault_files
from tests.ats.vault.conftest import stored_bytes, use_local_storage

MARKER = "Zoë Ñúñez-O'Brien, marker QX7-CANARY"


def a_cv() -> bytes:
    return vault_files.pdf(f"Curriculum vitae of {MARKER}. " * 50)


def make_due(document: Document) -> None:
    Document.objects.filter(pk=document.pk).update(
        next_scan_at=timezone.now() - timedelta(seconds=1)
    )


def plaintext_of(document: Document) -> bytes:
    return b"".join(read_plaintext(document))


def assert_no_plaintext_in_storage(key: str, plaintext: bytes) -> None:
    stored = stored_bytes(key)
    for needle in (MARKER.encode(), b"Curriculum vitae", plaintext[:64], plaintext[-64:]):
        assert needle not in stored


def test_a_clean_cv_is_stored_encrypted_and_reads_back(
    vault_storage, clamd, zoes_application, settings
):
    cv = a_cv()
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=cv
    )
    document.refresh_from_db()
    assert document.scan_status == Document.ScanStatus.CLEAN
    assert (document.content_type, document.size, document.display_name) == (
        "application/pdf",
        len(cv),
        "cv.pdf",
    )
    assert document.storage_key.startswith("vault/") and "cv" not in document.storage_key
    assert document.key_id == settings.ATS_KEYRING["active"]
    assert plaintext_of(document) == cv
    assert_no_plaintext_in_storage(document.storage_key, cv)


def test_a_local_object_is_private_to_its_owner(settings, tmp_path, zoes_application):
    use_local_storage(settings, tmp_path)
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    path = tmp_path / "documents" / document.storage_key
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


def test_development_mode_without_a_scanner_marks_documents_not_scanned(
    settings, vault_storage, zoes_application
):
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    assert document.scan_status == Document.ScanStatus.NOT_SCANNED


@pytest.mark.parametrize(
    ("name", "data"),
    [("eicar.txt", vault_files.EICAR), ("cv.docx", vault_files.docx_with_eicar())],
    ids=["raw", "inside-docx"],
)
def test_an_infected_file_is_never_stored(vault_storage, clamd, zoes_application, name, data):
    keys_before = set(storage.list_keys())
    with pytest.raises(UploadRejected) as refused:
        document_intake(application=zoes_application, kind=Document.Kind.CV, name=name, data=data)
    assert refused.value.code == "infected"
    assert name in refused.value.message and "virus" in refused.value.message
    assert not Document.objects.exists()
    assert set(storage.list_keys()) == keys_before


def test_an_invalid_file_is_refused_before_the_scanner_sees_it(
    vault_storage, clamd_down, zoes_application
):
    with pytest.raises(UploadRejected) as refused:
        document_intake(
            application=zoes_application,
            kind=Document.Kind.CV,
            name="cv.pdf",
            data=vault_files.elf(),
        )
    assert refused.value.code == "content_mismatch"
    assert not Document.objects.exists()


def test_with_clamd_down_the_document_is_pending_then_clean_when_clamd_returns(
    vault_storage, clamd_down, zoes_application, settings, client, hanna
):
    cv = a_cv()
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=cv
    )
    assert document.scan_status == Document.ScanStatus.PENDING
    assert not document.is_downloadable
    client.force_login(hanna)
    url = f"/recruit/documents/{document.pk}/download"
    assert client.get(url).status_code == 409

    # Still down at the first retry: it waits longer.
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        rescan_pending_documents()
    document.refresh_from_db()
    assert (document.scan_status, document.scan_attempts) == (Document.ScanStatus.PENDING, 1)

    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT = host, port
    assert rescan_pending_documents() == 0  # not due yet
    make_due(document)
    assert rescan_pending_documents() == 1
    document.refresh_from_db()
    assert document.scan_status == Document.ScanStatus.CLEAN
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == cv


def test_a_pending_document_fails_after_the_last_retry(vault_storage, clamd_down, zoes_application):
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    moment = timezone.now()
    for _ in range(12):
        moment += timedelta(hours=5)
        with time_machine.travel(moment, tick=False):
            rescan_pending_documents()
    document.refresh_from_db()
    assert document.scan_status == Document.ScanStatus.FAILED
    assert AuditEvent.objects.filter(action="document_scan_failed").count() == 1


def test_a_pending_document_found_infected_later_is_destroyed(
    vault_storage, clamd_down, zoes_application, settings
):
    document = document_intake(
        application=zoes_application,
        kind=Document.Kind.OTHER,
        name="notes.txt",
        data=vault_files.EICAR,
    )
    assert document.scan_status == Document.ScanStatus.PENDING
    host, port = services.clamd_address()
    settings.CLAMD_HOST, settings.CLAMD_PORT = host, port
    make_due(document)
    rescan_pending_documents()
    document.refresh_from_db()
    assert document.scan_status == Document.ScanStatus.INFECTED
    assert bytes(document.wrapped_key) == b""
    assert not storage.exists(document.storage_key)


def test_a_clamd_that_never_answers_leaves_the_document_pending(
    vault_storage, settings, zoes_application
):
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept_and_say_nothing() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = (
        "127.0.0.1",
        listener.getsockname()[1],
        "",
    )
    settings.CLAMD_TIMEOUT = 1
    try:
        document = document_intake(
            application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
        )
    finally:
        listener.close()
        for conn in held:
            conn.close()
    assert document.scan_status == Document.ScanStatus.PENDING


def test_storage_down_during_an_upload_is_a_clear_error_and_leaves_no_row(
    settings, clamd_down, zoes_application
):
    settings.ATS_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "down",
                "endpoint_url": f"http://127.0.0.1:{services.free_port()}",
                "access_key": "x",
                "secret_key": "y",
            },
        },
    }
    with pytest.raises(StorageUnavailable, match="could not store your file"):
        document_intake(
            application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
        )
    assert not Document.objects.exists()


def test_an_orphan_object_left_by_a_crash_is_removed_after_the_grace_period(
    vault_storage, zoes_application, settings
):
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    orphan = storage.new_storage_key()
    storage.put(orphan, io.BytesIO(b"ciphertext whose row never committed"))
    assert remove_orphan_objects() == 0  # too young: its upload may still be committing
    # (Time is not travelled here: S3 refuses requests signed with a skewed clock.)
    settings.ATS_ORPHAN_GRACE_SECONDS = 0
    # At least ours: on a shared bucket, objects of rolled-back test transactions are
    # orphans too, exactly as after a crash.
    assert remove_orphan_objects() >= 1
    assert not storage.exists(orphan)
    assert storage.exists(document.storage_key)


def test_deleting_a_document_removes_every_version_and_its_key(vault_storage, zoes_application):
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    store = storage.documents_storage()
    if vault_storage == "s3":
        # A second version of the same key, as a replica or an overwrite would leave.
        client = store.connection.meta.client
        client.put_object(Bucket=store.bucket_name, Key=document.storage_key, Body=b"v2")
    document_delete(document=document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not storage.exists(document.storage_key)
    if vault_storage == "s3":
        listed = client.list_object_versions(Bucket=store.bucket_name, Prefix=document.storage_key)
        assert listed.get("Versions", []) == [] and listed.get("DeleteMarkers", []) == []


def test_a_storage_key_is_never_overwritten(vault_storage):
    key = storage.new_storage_key()
    storage.put(key, io.BytesIO(b"first"))
    with pytest.raises(FileExistsError):
        storage.put(key, io.BytesIO(b"second"))
    assert stored_bytes(key) == b"first"
    storage.delete(key)


def test_a_missing_keyring_entry_is_a_clear_error(vault_storage, zoes_application, settings):
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    settings.ATS_KEYRING_PATH = None
    settings.ATS_KEYRING = {"active": "other", "keys": {"other": secrets.token_bytes(32)}}
    with pytest.raises(crypto.KeyringError, match="is not in the keyring"):
        plaintext_of(document)


def test_a_wrong_key_under_the_right_id_is_a_clear_error(vault_storage, zoes_application, settings):
    document = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="cv.pdf", data=a_cv()
    )
    settings.ATS_KEYRING_PATH = None
    settings.ATS_KEYRING = {"active": document.key_id, "keys": {document.key_id: b"\0" * 32}}
    with pytest.raises(crypto.IntegrityError, match="not the key that wrapped it"):
        plaintext_of(document)


def test_a_keyring_file_written_wrong_is_refused(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from ats.vault.keys import current_keyring

    bad = tmp_path / "keyring.json"
    bad.write_text(
        json.dumps({"active": "k1", "keys": {"k1": base64.b64encode(b"short").decode()}})
    )
    settings.ATS_KEYRING_PATH = str(bad)
    with pytest.raises(ImproperlyConfigured, match="not 32 bytes"):
        current_keyring()


def test_swapping_the_wrapped_keys_of_two_documents_breaks_both(vault_storage, zoes_application):
    first = document_intake(
        application=zoes_application, kind=Document.Kind.CV, name="a.pdf", data=a_cv()
    )
    second = document_intake(
        application=zoes_application,
        kind=Document.Kind.COVER_LETTER,
        name="b.txt",
        data=b"A cover letter.\n",
    )
    first.wrapped_key, second.wrapped_key = bytes(second.wrapped_key), bytes(first.wrapped_key)
    for document in (first, second):
        with pytest.raises(crypto.IntegrityError, match="does not belong to it"):
            plaintext_of(document)


def test_the_storage_holds_no_plaintext_of_any_document(vault_storage, zoes_application):
    files = {
        "cv.pdf": a_cv(),
        "letter.docx": vault_files.docx(f"Dear team, {MARKER}"),
        "letter.txt": f"Plain letter from {MARKER}\n".encode(),
    }
    for name, data in files.items():
        document = document_intake(
            application=zoes_application, kind=Document.Kind.OTHER, name=name, data=data
        )
        assert_no_plaintext_in_storage(document.storage_key, data)
        assert plaintext_of(document) == data


def test_saving_goes_through_the_storage_api(vault_storage):
    key = storage.new_storage_key()
    storage.documents_storage().save(key, ContentFile(b"x"))
    assert key in storage.list_keys()
    storage.delete(key)
    assert key not in storage.list_keys()


def test_an_application_cannot_exceed_its_total_size(vault_storage, zoes_application, settings):
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True
    settings.ATS_MAX_APPLICATION_BYTES = 3000
    first = vault_files.txt("x" * 2000 + "\n")
    document_intake(application=zoes_application, kind=Document.Kind.CV, name="a.txt", data=first)
    with pytest.raises(UploadRejected) as refused:
        document_intake(
            application=zoes_application, kind=Document.Kind.OTHER, name="b.txt", data=first
        )
    assert refused.value.code == "application_too_large"
    assert Document.objects.count() == 1
