"""A stored document's life after intake: reading, rescanning, reconciling, deleting."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ats.models import AuditEvent, Document
from ats.signals import document_scanned_clean
from ats.vault import crypto, scanner, storage

logger = logging.getLogger(__name__)

SCAN_BACKOFF = [timedelta(minutes=m) for m in (1, 2, 5, 10, 30, 60, 120, 240)]


def document_rescan(*, document: Document) -> str:
    """Retry the scan of a pending document; clean, infected (the object and its key
    are destroyed), pending again with backoff, or failed after the last attempt."""
    still_pending = Document.objects.filter(
        pk=document.pk, scan_status=Document.ScanStatus.PENDING
    ).exists()
    if not still_pending:
        return document.scan_status
    try:
        scanner.ping()  # before fetching the object: a scanner still down costs nothing
        plaintext = io.BytesIO(b"".join(read_plaintext(document)))
        result = scanner.scan_stream(plaintext)
    except scanner.ScannerUnavailable:
        return _scan_postponed(document)
    now = timezone.now()
    if result.verdict is scanner.Verdict.CLEAN:
        Document.objects.filter(pk=document.pk).update(
            scan_status=Document.ScanStatus.CLEAN, scanned_at=now, next_scan_at=None
        )
        document.scan_status, document.scanned_at = Document.ScanStatus.CLEAN, now
        document.next_scan_at = None
        document_scanned_clean.send(sender=Document, document=document)
        return Document.ScanStatus.CLEAN
    status = (
        Document.ScanStatus.INFECTED
        if result.verdict is scanner.Verdict.INFECTED
        else Document.ScanStatus.FAILED
    )
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            scan_status=status, scanned_at=now, next_scan_at=None, wrapped_key=b""
        )
        AuditEvent.record(actor=None, action=f"document_{status}", target=document)
    if status == Document.ScanStatus.INFECTED:
        storage.delete(document.storage_key)
    return status


def _scan_postponed(document: Document) -> str:
    attempts = document.scan_attempts + 1
    if attempts >= len(SCAN_BACKOFF):
        Document.objects.filter(pk=document.pk).update(
            scan_status=Document.ScanStatus.FAILED, scan_attempts=attempts, next_scan_at=None
        )
        AuditEvent.record(actor=None, action="document_scan_failed", target=document)
        return Document.ScanStatus.FAILED
    Document.objects.filter(pk=document.pk).update(
        scan_attempts=attempts, next_scan_at=timezone.now() + SCAN_BACKOFF[attempts]
    )
    return Document.ScanStatus.PENDING


def read_plaintext(document: Document) -> Iterator[bytes]:
    """Iterate over the decrypted content; raises crypto errors on any tampering."""
    data_key, data_key_id = crypto.unwrap_data_key(document.wrapped_key, document_id=document.id)
    with storage.open_for_reading(document.storage_key) as ciphertext:
        yield from crypto.decrypt_stream(
            ciphertext, data_key=data_key, data_key_id=data_key_id, document_id=document.id
        )


def document_delete(*, document: Document) -> None:
    """Delete the object (every version) and the row with its wrapped data key: without
    the key, any stray copy of the ciphertext (a backup, a replica) is unreadable."""
    storage.delete(document.storage_key)
    Document.objects.filter(pk=document.pk).delete()


def pending_scans_due() -> list[Document]:
    return list(
        Document.objects.filter(
            scan_status=Document.ScanStatus.PENDING, next_scan_at__lte=timezone.now()
        ).order_by("next_scan_at")[:100]
    )


def orphans_remove() -> int:
    """Delete vault objects that no document row names and that are older than the
    grace period (a crash between storing an object and committing its row)."""
    known = set(Document.objects.values_list("storage_key", flat=True))
    cutoff = timezone.now() - timedelta(seconds=settings.ATS_ORPHAN_GRACE_SECONDS)
    store = storage.documents_storage()
    removed = 0
    for key in storage.list_keys():
        if key in known:
            continue
        if store.get_modified_time(key) > cutoff:
            continue
        storage.delete(key)
        removed += 1
    if removed:
        logger.info("vault: removed %d orphan objects", removed)
    return removed
