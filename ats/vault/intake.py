"""The one entry point for every uploaded file, from a form or an email attachment:
validate, scan, encrypt, store. Returns a Document or raises UploadRejected.

Order matters: nothing is stored before it validated and, when the scanner answers,
scanned clean; the object is written before its database row, so a crash leaves at
most an orphan object (removed by the reconciler), never a row without its object.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ats.models import Application, AuditEvent, Document
from ats.signals import document_stored
from ats.vault import crypto, scanner, storage
from ats.vault.validate import UploadRejected, ValidatedUpload, validate_upload

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The document store did not take the file; nothing was saved."""


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed validation and the virus scan (or awaits the scan)."""

    validated: ValidatedUpload
    scan_status: str
    data: bytes | memoryview


def document_check(
    *, name: str, data: bytes | memoryview, application: Application | None = None
) -> CheckedUpload:
    """Validate and scan, storing nothing; raises UploadRejected."""
    # clamd reads the bytes in another process while this one validates them: the
    # verdicts are combined in the documented order (a validation refusal first), and
    # nothing is stored before both are in.
    scan = _scanning.submit(_scan, data)
    try:
        validated = validate_upload(name=name, data=data)
        if application is not None:
            _check_application_total(application, validated.size, validated.display_name)
    finally:
        verdict = scan.result()
    status = _scan_status(verdict, display_name=validated.display_name)
    return CheckedUpload(validated, status, data)


def document_store(*, application: Application, kind: str, checked: CheckedUpload) -> Document:
    """Encrypt and store a checked upload, then record it; raises StorageUnavailable."""
    validated = checked.validated
    document_id = uuid.uuid4()
    data_key, data_key_id = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(data_key, data_key_id, document_id=document_id)
    key = storage.new_storage_key()
    reader = crypto.EncryptingReader(
        checked.data, data_key=data_key, data_key_id=data_key_id, document_id=document_id
    )
    try:
        storage.put(key, reader)
    except Exception as exc:
        logger.error("vault: storing a document failed (%s)", type(exc).__name__)
        raise StorageUnavailable(
            _("We could not store your file right now. Please try again in a few minutes.")
        ) from None

    now = timezone.now()
    document = Document.objects.create(
        id=document_id,
        application=application,
        kind=kind,
        display_name=validated.display_name,
        content_type=validated.content_type,
        size=validated.size,
        storage_key=key,
        key_id=wrapped.kek_id,
        wrapped_key=wrapped.blob,
        scan_status=checked.scan_status,
        scanned_at=now if checked.scan_status == Document.ScanStatus.CLEAN else None,
        next_scan_at=now if checked.scan_status == Document.ScanStatus.PENDING else None,
        warnings=list(validated.warnings),
    )
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="document_uploaded", target=document
    )
    document_stored.send(sender=Document, document=document, plaintext=checked.data)
    return document


def document_intake(
    *, application: Application, kind: str, name: str, data: bytes | memoryview
) -> Document:
    """Validate, scan, encrypt and store one upload: a Document, or UploadRejected."""
    checked = document_check(name=name, data=data, application=application)
    return document_store(application=application, kind=kind, checked=checked)


def _check_application_total(application: Application, size: int, display_name: str) -> None:
    stored = application.documents.aggregate(total=Sum("size"))["total"] or 0
    limit = settings.ATS_MAX_APPLICATION_BYTES
    if stored + size > limit:
        raise UploadRejected(
            "application_too_large",
            _(
                "The file %(name)s would take this application's files over %(limit)d MB in "
                "total. Please upload fewer or smaller files."
            )
            % {"name": display_name, "limit": limit // (1024 * 1024)},
        )


_scanning = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vault-scan")


def _scan(data: bytes | memoryview) -> scanner.ScanResult | None:
    """The scanner's verdict, or None when it cannot be asked (not configured, down)."""
    if not scanner.is_configured():
        return None
    try:
        return scanner.scan_bytes(data)
    except scanner.ScannerUnavailable:
        logger.warning("vault: scanner unavailable; document stored as pending")
        return None


def _scan_status(result: scanner.ScanResult | None, *, display_name: str) -> str:
    if result is None:
        if not scanner.is_configured() and settings.DEVELOPMENT:
            # Production refuses to start without a scanner (ats.checks); this is
            # development mode, where the document is marked, visibly, as not scanned.
            return Document.ScanStatus.NOT_SCANNED
        return Document.ScanStatus.PENDING
    if result.verdict is scanner.Verdict.CLEAN:
        return Document.ScanStatus.CLEAN
    if result.verdict is scanner.Verdict.INFECTED:
        logger.warning("vault: an upload was refused as infected (%s)", result.signature)
        raise UploadRejected(
            "infected",
            _(
                "The file %(name)s contains a virus or malware (%(signature)s) and was not "
                "accepted. Please check your device and upload a clean copy."
            )
            % {"name": display_name, "signature": result.signature},
        )
    raise UploadRejected(
        "scan_failed",
        _("The file %(name)s could not be checked for viruses. Please upload it as a PDF.")
        % {"name": display_name},
    )
