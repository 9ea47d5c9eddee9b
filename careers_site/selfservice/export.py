"""The person's data as a ZIP (Art. 15 and 20): `data.json` in the documented schema
(docs/self-service-export.schema.json, docs/self-service.md) and their own documents,
decrypted, byte for byte as they uploaded them.

The archive is produced as a stream: zipfile writes into a sink that is drained after
every chunk, each document is decrypted chunk by chunk through the vault reader, so
memory stays flat whatever the data size. Documents come first and `data.json` last,
so that it can carry each document's SHA-256, computed on the way.

Small sets stream straight to the browser. Larger ones (over
ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES of documents) are built by a task into the document
store, encrypted like a document (a fresh data key wrapped by the keyring, AES-256-GCM
in chunks bound to the export's id), never in plaintext at rest; the download decrypts
it on the way out and the object is deleted when the export expires."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import secrets
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from ats.models import AuditEvent, Candidate, DataExport, Document
from ats.vault import crypto, storage
from ats.vault.lifecycle import read_plaintext
from careers_site.selfservice import selectors

logger = logging.getLogger(__name__)

FORMAT = "hirewell-self-service-export"
FORMAT_VERSION = 1
EXPORT_PREFIX = "exports/"
DATA_FILE = "data.json"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def document_path(document: Document) -> str:
    """Where a document sits in the archive: its id keeps names unique, the sanitised
    display name keeps it recognisable."""
    name = document.display_name.replace("/", "_").replace("\\", "_") or "document"
    return f"documents/{document.id}/{name}"


def export_data(candidate: Candidate, *, digests: dict[str, str]) -> dict:
    """Everything held about the person, as plain JSON types. `digests` maps the ids of
    the documents included in the archive to their SHA-256."""
    show_internal = settings.ATS_SELF_SERVICE_SHOW_INTERNAL
    applications = []
    for item in selectors.application_items(candidate):
        application = item.application
        vacancy = application.vacancy
        told = application.decision_communicated_at is not None
        applications.append(
            {
                "id": application.pk,
                "vacancy": None
                if vacancy is None
                else {
                    "reference": vacancy.reference,
                    "title": vacancy.title,
                    "department": vacancy.department.name if vacancy.department else "",
                    "location": vacancy.location,
                },
                "submitted_at": _iso(application.submitted_at),
                "channel": application.channel,
                "channel_other": application.channel_other,
                "self_declared_gender": application.self_declared_gender,
                "status": item.status,
                "decision": application.decision
                if told or application.decision == application.Decision.WITHDRAWN
                else None,
                "decision_communicated_at": _iso(application.decision_communicated_at),
                "special_category_answers": item.special_category,
                "restricted": item.restricted,
                "erasure": None
                if item.erasure is None
                else {
                    "due_at": _iso(item.erasure.due_at),
                    "rule": item.erasure.rule,
                    "rule_label": item.erasure.label,
                },
                "kept": None
                if item.kept is None
                else {"reason": item.kept.reason, "until": _iso(item.kept.until)},
                "documents": [
                    {
                        "id": str(document.id),
                        "kind": document.kind,
                        "file_name": document.display_name,
                        "content_type": document.content_type,
                        "size": document.size,
                        "uploaded_at": _iso(document.uploaded_at),
                        "scan_status": document.scan_status,
                        "path": document_path(document) if str(document.id) in digests else None,
                        "sha256": digests.get(str(document.id)),
                    }
                    for document in item.documents
                ],
                "emails": [
                    {
                        "subject": email.subject,
                        "body": email.body,
                        "language": email.language,
                        "sent_at": _iso(email.status_at or email.created_at),
                    }
                    for email in item.emails
                ],
                "notes": [
                    {"body": note.body, "created_at": _iso(note.created_at)} for note in item.notes
                ],
                "evaluations": [
                    {
                        "stage": evaluation.stage.name,
                        "ratings": evaluation.ratings,
                        "overall": evaluation.overall,
                        "recommendation": evaluation.recommendation,
                        "comment": evaluation.comment,
                        "created_at": _iso(evaluation.created_at),
                    }
                    for evaluation in item.evaluations
                ],
            }
        )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": _iso(timezone.now()),
        "includes_internal_notes": show_internal,
        "person": {
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "linkedin_url": candidate.linkedin_url,
            "language": candidate.language,
            "email_verified_at": _iso(candidate.email_verified_at),
            "created_at": _iso(candidate.created_at),
        },
        "applications": applications,
        "consents": [
            {
                "id": consent.pk,
                "purpose": consent.purpose,
                "application_id": consent.application_id,
                "text_version": consent.text.version,
                "text_language": consent.text.language,
                "text": consent.text.text,
                "given_at": _iso(consent.given_at),
                "given_via": consent.given_via,
                "withdrawn_at": _iso(consent.withdrawn_at),
                "withdrawn_via": consent.withdrawn_via or None,
            }
            for consent in selectors.consents_of(candidate)
        ],
        "talent_pool": [
            {
                "joined_at": _iso(entry.joined_at),
                "expires_at": _iso(entry.expires_at),
                "ended_at": _iso(entry.ended_at),
                "end_reason": entry.end_reason or None,
                "source": entry.source,
                "location": entry.location,
                "skills": list(entry.skills),
                "tags": list(entry.tags),
                "renewal_count": entry.renewal_count,
            }
            for entry in selectors.pool_entries_of(candidate)
        ],
        "requests": [
            {
                "kind": request.kind,
                "via": request.via,
                "state": request.state,
                "received_at": _iso(request.received_at),
                "due_at": _iso(request.due_at),
                "closed_at": _iso(request.closed_at),
            }
            for request in selectors.requests_of(candidate)
        ],
    }


# --- The streamed archive -------------------------------------------------------------


class _Sink(io.RawIOBase):
    """An unseekable stream that keeps what zipfile wrote until it is drained; zipfile
    then writes data descriptors instead of seeking back."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def drain(self) -> Iterator[bytes]:
        parts, self._parts = self._parts, []
        yield from parts


def _entry(name: str, compress_type: int, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = compress_type
    info.file_size = size  # read by zipfile to decide on ZIP64 before writing
    info.external_attr = 0o600 << 16
    return info


def included_documents(candidate: Candidate) -> list[Document]:
    """The documents that go into the archive: those the vault lets anyone read (a
    scan still pending or failed is listed in data.json, without a file)."""
    return [d for d in selectors.documents_of(candidate) if d.is_downloadable]


def documents_size(candidate: Candidate) -> int:
    return sum(document.size for document in included_documents(candidate))


def archive_chunks(candidate: Candidate) -> Iterator[bytes]:
    """The ZIP archive, piece by piece (memory flat whatever the size)."""
    sink = _Sink()
    digests: dict[str, str] = {}
    # SHA-256 costs about as much as zipfile's CRC-32: it runs in a second thread (both
    # release the GIL on large buffers), one chunk behind, so the two overlap.
    with (
        zipfile.ZipFile(sink, "w", allowZip64=True) as archive,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-digest") as hasher,
    ):
        for document in included_documents(candidate):
            digest = hashlib.sha256()
            info = _entry(document_path(document), zipfile.ZIP_STORED, document.size)
            hashing: Future | None = None
            with archive.open(info, "w") as entry:
                for chunk in read_plaintext(document):
                    if hashing is not None:
                        hashing.result()
                    hashing = hasher.submit(digest.update, chunk)
                    entry.write(chunk)
                    yield from sink.drain()
            if hashing is not None:
                hashing.result()
            digests[str(document.id)] = digest.hexdigest()
            yield from sink.drain()
        data = json.dumps(export_data(candidate, digests=digests), ensure_ascii=False, indent=2)
        archive.writestr(_entry(DATA_FILE, zipfile.ZIP_DEFLATED), data.encode())
        yield from sink.drain()
    yield from sink.drain()  # the central directory


def _attachment(response: StreamingHttpResponse) -> StreamingHttpResponse:
    name = f"my-data-{timezone.localdate().isoformat()}.zip"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


def archive_response(candidate: Candidate) -> StreamingHttpResponse:
    """A small set, streamed straight to the browser; audited."""
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="data_exported", target=candidate, stored=False
    )
    return _attachment(
        StreamingHttpResponse(archive_chunks(candidate), content_type="application/zip")
    )


# --- Stored exports (large sets) ------------------------------------------------------


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of bytes (the archive), counting what passed."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._current = memoryview(b"")
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not len(self._current):
            try:
                self._current = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(target), len(self._current))
        target[:n] = self._current[:n]
        self._current = self._current[n:]
        self.total += n
        return n


@transaction.atomic
def data_export_request(*, candidate: Candidate) -> DataExport:
    """Queue the build of a stored export (the task emails the person when it is ready)."""
    from careers_site.selfservice.tasks import build_data_export

    now = timezone.now()
    export = DataExport.objects.create(
        candidate=candidate,
        requested_at=now,
        expires_at=now + timedelta(hours=settings.ATS_SELF_SERVICE_EXPORT_HOURS),
    )
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="data_export_requested", target=candidate
    )
    transaction.on_commit(lambda: build_data_export.delay(str(export.pk)))
    return export


def data_export_build(*, export_id: str) -> bool:
    """Build a pending export into the store, encrypted; False when there was nothing to
    build (built already, or the person was erased meanwhile)."""
    export = (
        DataExport.objects.select_related("candidate")
        .filter(pk=export_id, state=DataExport.State.PENDING)
        .first()
    )
    if export is None:
        return False
    data_key, data_key_id = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(data_key, data_key_id, document_id=export.id)
    key = f"{EXPORT_PREFIX}{secrets.token_hex(16)}"
    plaintext = _ChunkReader(archive_chunks(export.candidate))
    try:
        storage.put(
            key,
            crypto.EncryptingReader(
                plaintext, data_key=data_key, data_key_id=data_key_id, document_id=export.id
            ),
        )
    except Exception as exc:
        logger.error("self-service: building export %s failed (%s)", export.pk, type(exc).__name__)
        DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.FAILED)
        with contextlib.suppress(Exception):  # else the cleanup task removes it
            storage.delete(key)
        return False
    saved = DataExport.objects.filter(pk=export.pk, state=DataExport.State.PENDING).update(
        state=DataExport.State.READY,
        storage_key=key,
        key_id=wrapped.kek_id,
        wrapped_key=wrapped.blob,
        size=plaintext.total,
        ready_at=timezone.now(),
    )
    if saved != 1:
        storage.delete(key)  # erased or expired meanwhile
        return False
    return True


def data_export_response(export: DataExport) -> StreamingHttpResponse:
    """A ready export, decrypted on the way out; audited. The first chunk is decrypted
    before the response starts, so a damaged object is an error page, not a broken file."""
    data_key, data_key_id = crypto.unwrap_data_key(export.wrapped_key, document_id=export.id)

    def plaintext() -> Iterator[bytes]:
        with storage.open_for_reading(export.storage_key) as ciphertext:
            yield from crypto.decrypt_stream(
                ciphertext, data_key=data_key, data_key_id=data_key_id, document_id=export.id
            )

    chunks = plaintext()
    first = next(chunks, b"")

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="data_exported",
        target=export.candidate,
        stored=True,
        export=str(export.pk),
    )
    response = StreamingHttpResponse(body(), content_type="application/zip")
    response["Content-Length"] = str(export.size)
    return _attachment(response)


def data_exports_remove_expired(*, now=None) -> int:
    """Delete expired exports (object and row), and export objects no row names that are
    older than the orphan grace period (a crash between storing and recording)."""
    now = now or timezone.now()
    removed = 0
    for export in DataExport.objects.filter(expires_at__lte=now):
        if export.storage_key:
            storage.delete(export.storage_key)
        DataExport.objects.filter(pk=export.pk).delete()
        removed += 1
    known = set(DataExport.objects.exclude(storage_key="").values_list("storage_key", flat=True))
    cutoff = now - timedelta(seconds=settings.ATS_ORPHAN_GRACE_SECONDS)
    store = storage.documents_storage()
    for key in storage.list_keys(EXPORT_PREFIX):
        if key in known or store.get_modified_time(key) > cutoff:
            continue
        storage.delete(key)
        removed += 1
    return removed
