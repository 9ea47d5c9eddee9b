"""Streaming, decrypting download responses: always an attachment, never rendered."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

from ats.models import Document
from ats.vault import crypto
from ats.vault.lifecycle import read_plaintext

logger = logging.getLogger(__name__)


class DocumentUnreadable(Exception):
    """The document failed its integrity check or its key is missing."""


def document_response(request: HttpRequest, document: Document) -> StreamingHttpResponse:
    """The decrypted document as a download. The first chunk is decrypted before the
    response starts, so a wrong key or a damaged header is a clear error, not a broken
    download; a later integrity failure ends the stream short of Content-Length."""
    chunks = read_plaintext(document)
    try:
        first = next(chunks, b"")
    except crypto.VaultCryptoError as exc:
        logger.error("vault: document %s unreadable (%s)", document.pk, type(exc).__name__)
        raise DocumentUnreadable(str(exc)) from None
    body: Iterator[bytes] = (
        iter(()) if request.method == "HEAD" else _guarded(first, chunks, document)
    )
    response = StreamingHttpResponse(body, content_type=document.content_type)
    response["Content-Length"] = str(document.size)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.display_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Accept-Ranges"] = "none"
    return response


def _guarded(first: bytes, rest: Iterator[bytes], document: Document) -> Iterator[bytes]:
    yield first
    try:
        yield from rest
    except crypto.VaultCryptoError as exc:
        logger.error(
            "vault: document %s failed integrity mid-stream (%s)", document.pk, type(exc).__name__
        )
        raise
