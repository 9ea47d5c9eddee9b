"""Validation of an upload held in memory, before it is virus-scanned and encrypted.

The steps run in order and each refuses with its own code: size, file name, extension
allow-list, content sniffed by libmagic and required to match the extension, then a
structural check per format (formats.py). A refusal names the file only by its
sanitised display name and never repeats file content; nothing here logs.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ats.vault import formats

DEFAULT_EXTENSIONS = ("pdf", "docx", "doc", "odt", "rtf", "txt", "png", "jpg")
SNIFF_BYTES = 8192
# Control (Cc, NUL included), format (Cf: bidi overrides and isolates, zero-width
# characters) and lone surrogates (Cs) can disguise a name or break its encoding.
_DROPPED = frozenset({"Cc", "Cf", "Cs"})
_RESERVED = re.compile(r'[<>:"|?*]')  # not allowed in a Windows file name


class UploadRejected(Exception):
    """A specific, user-facing reason an upload is refused. Never contains file content."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)  # str(exc) is the code alone, safe for a log line
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ValidatedUpload:
    display_name: str  # sanitised file name, for display only (never a storage key)
    extension: str  # lower-case, without dot, canonical ("jpg" for .jpeg)
    content_type: str  # the canonical MIME type for that extension (what downloads send)
    size: int
    warnings: tuple[str, ...]  # flags for HR, e.g. ("pdf_javascript",), never content


def sanitize_filename(name: str, *, max_length: int = 150) -> str:
    """The last path component, NFC, without control and format characters, whitespace
    collapsed, no leading or trailing dots, at most max_length characters with the
    extension kept; "document" if nothing is left."""
    name = re.split(r"[/\\]", name)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED)
    name = _RESERVED.sub("_", " ".join(name.split()))
    name = name.strip(". ")
    if not name:
        return "document"
    if len(name) <= max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 16 and len(extension) + 2 <= max_length:
        return stem[: max_length - len(extension) - 1].rstrip(". ") + "." + extension
    return name[:max_length].rstrip(". ")


def allowed_extensions() -> tuple[str, ...]:
    configured = getattr(settings, "ATS_UPLOAD_EXTENSIONS", DEFAULT_EXTENSIONS)
    if isinstance(configured, str):  # "pdf,docx" as read from the environment
        configured = configured.split(",")
    extensions = [e.strip().lower().lstrip(".") for e in configured if e.strip()]
    extensions = list(dict.fromkeys(formats.ALIASES.get(e, e) for e in extensions))
    unknown = [e for e in extensions if e not in formats.FORMATS]
    if unknown:
        raise ImproperlyConfigured(
            f"ATS_UPLOAD_EXTENSIONS: no validation rules for {', '.join(unknown)}; "
            f"choose from {', '.join(formats.FORMATS)}."
        )
    return tuple(extensions)


_local = threading.local()


def _sniff(head: bytes) -> str:
    detector = getattr(_local, "magic", None)
    if detector is None:  # a Magic object is not safe to share between threads
        detector = _local.magic = magic.Magic(mime=True)
    try:
        return detector.from_buffer(head)
    except magic.MagicException:
        return "application/octet-stream"


def _rejected(refusal: formats.Refusal) -> UploadRejected:
    return UploadRejected(refusal.code, refusal.message)


def validate_upload(
    *, name: str, data: bytes | memoryview, max_bytes: int | None = None
) -> ValidatedUpload:
    """Check an upload; raise UploadRejected with the first reason to refuse it."""
    display_name = sanitize_filename(name)
    names = {"name": display_name}

    size = memoryview(data).nbytes
    limit = settings.ATS_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if size == 0:
        raise UploadRejected(
            "empty", _("The file %(name)s is empty. Please choose another file.") % names
        )
    if size > limit:
        raise UploadRejected(
            "too_large",
            _(
                "The file %(name)s is larger than %(limit)s MB, the most we accept. Please "
                "upload a smaller file."
            )
            % {**names, "limit": f"{limit / formats.MiB:.3g}"},
        )

    allowed = allowed_extensions()
    stem, dot, extension = display_name.rpartition(".")
    extension = formats.ALIASES.get(extension.lower(), extension.lower()) if dot and stem else ""
    if extension not in allowed:
        raise UploadRejected(
            "extension_not_allowed",
            _(
                "The file %(name)s is not of a type we accept. Please upload one of these: "
                "%(allowed)s."
            )
            % {**names, "allowed": ", ".join(f".{e}" for e in allowed)},
        )

    content = bytes(data)
    rules = formats.FORMATS[extension]
    sniffed = _sniff(content[:SNIFF_BYTES])
    if sniffed == "application/encrypted":  # an encrypted Office file (an OLE2 container)
        raise _rejected(formats.refusal("encrypted", display_name))
    if sniffed not in rules.sniffed:
        raise _rejected(formats.mismatch(display_name, extension))

    try:
        if rules.binary:
            formats.refuse_markup(content, display_name)
        warnings = rules.check(content, display_name)
    except formats.Refusal as refusal:
        raise _rejected(refusal) from None
    content_type = rules.content_type
    if extension == "txt" and not _is_utf8(content):
        # Accepted as Latin-1/Windows-1252 text (formats.check_txt): say so on download.
        content_type = "text/plain; charset=windows-1252"
    return ValidatedUpload(
        display_name=display_name,
        extension=extension,
        content_type=content_type,
        size=size,
        warnings=warnings,
    )


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
