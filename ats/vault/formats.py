"""The file formats the vault accepts, and a structural check for each.

Each check reads the whole upload (already held in memory and size-limited) without
trusting anything the file says about itself: ZIP members are inflated in bounded
pieces, image dimensions are read from the header only, and nothing is handed to a
full parser. A check returns warnings for HR (never content) or raises Refusal, which
validate.py turns into UploadRejected.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

MiB = 1024 * 1024
_ZIP_CHUNK = MiB
_RATIO_GRACE = 100 * 1024  # small parts (repetitive XML) may compress very well
_PDF_OBJECT_STREAMS_MAX_BYTES = 64 * MiB  # inflated, summed over a PDF's object streams
_PDF_MAX_OBJECT_STREAMS = 10_000  # each holds up to a few hundred objects


class Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Format:
    label: str | Promise  # "a PDF file", for "does not look like ..."
    content_type: str  # what downloads will send
    sniffed: frozenset[str]  # what libmagic may call it
    check: Callable[[bytes, str], tuple[str, ...]]
    binary: bool = True  # HTML or script markup near the start is never expected


# --- Messages: a stable code and a sentence for the applicant, per reason ------------

_REASONS: dict[str, tuple[str, str | Promise]] = {
    "mismatch": (
        "content_mismatch",
        gettext_lazy(
            "The file %(name)s does not look like %(kind)s. Please check that you chose "
            "the right file."
        ),
    ),
    "not_text": (
        "content_mismatch",
        gettext_lazy(
            "The file %(name)s does not look like plain text. Please save it as plain text "
            "(UTF-8) or upload a PDF."
        ),
    ),
    "corrupt": (
        "corrupt",
        gettext_lazy(
            "The file %(name)s is damaged or incomplete and cannot be opened. Please save "
            "or export it again and upload the new copy."
        ),
    ),
    "encrypted": (
        "encrypted",
        gettext_lazy(
            "The file %(name)s is protected with a password, so our team cannot read it. "
            "Please upload it without a password."
        ),
    ),
    "encrypted_pdf": (
        "encrypted",
        gettext_lazy(
            "The file %(name)s is a password-protected PDF: password-protected PDFs cannot "
            "be read by our team; please upload it without a password."
        ),
    ),
    "macros": (
        "unsafe_content",
        gettext_lazy(
            "The file %(name)s contains macros: documents with macros are not accepted; "
            "please save it as a plain %(plain)s or PDF."
        ),
    ),
    "bomb": (
        "unsafe_content",
        gettext_lazy(
            "The file %(name)s unpacks to far more data than a document needs, or hides "
            "how much it holds, so we cannot accept it. Please save it again or upload a PDF."
        ),
    ),
    "too_many_parts": (
        "unsafe_content",
        gettext_lazy(
            "The file %(name)s is made of more than %(limit)s parts, far more than a "
            "document needs, so we cannot accept it. Please save it again or upload a PDF."
        ),
    ),
    "hidden_format": (
        "unsafe_content",
        gettext_lazy(
            "The file %(name)s also contains another kind of file hidden inside it, so we "
            "cannot accept it. Please export it again from the program you wrote it in."
        ),
    ),
    "unsafe": (
        "unsafe_content",
        gettext_lazy(
            "The file %(name)s contains %(what)s, which we do not accept for security "
            "reasons. Please remove them, or print the document to a new PDF."
        ),
    ),
    "too_many_pixels": (
        "too_large",
        gettext_lazy(
            "The image %(name)s is %(width)s x %(height)s pixels, more than the limit of "
            "%(limit)s megapixels. Please scale it down and upload it again."
        ),
    ),
}


def refusal(reason: str, name: str, **params: object) -> Refusal:
    code, message = _REASONS[reason]
    return Refusal(code, str(message) % {"name": name, **params})


def mismatch(name: str, extension: str) -> Refusal:
    return refusal("mismatch", name, kind=FORMATS[extension].label)


# --- Polyglots: one file that is also another format -------------------------------

_MARKUP = re.compile(rb"<(?:html|head|body|script|iframe|svg)[\s>/]|<!doctype\s+html", re.I)
_ZIP_END = b"PK\x05\x06"


def refuse_markup(data: bytes, name: str) -> None:
    """A browser or viewer that sniffs content may run markup found near the start."""
    if _MARKUP.search(data, 0, 1024):
        raise refusal("hidden_format", name)


def _refuse_appended_zip(data: bytes, name: str) -> None:
    # ZIP readers look for the end-of-central-directory record only in the last
    # 64 KiB + 22 bytes, so that is where an appended archive must have it.
    if data.rfind(_ZIP_END, max(0, len(data) - 65_557)) != -1:
        raise refusal("hidden_format", name)


# --- ZIP containers: DOCX, ODT -------------------------------------------------------

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)


def _unsafe_member_name(member: str) -> bool:
    parts = re.split(r"[/\\]", member)
    return member.startswith(("/", "\\")) or ".." in parts or bool(re.match(r"[A-Za-z]:", member))


def _open_zip(
    data: bytes, name: str, extension: str
) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open the archive and check what its directory declares, before inflating anything."""
    if not data.startswith(b"PK\x03\x04"):  # zipfile would skip data prepended to the archive
        raise mismatch(name, extension)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise refusal("corrupt", name) from None
    infos = archive.infolist()
    max_total = getattr(settings, "ATS_ZIP_MAX_UNCOMPRESSED_BYTES", 100 * MiB)
    max_ratio = getattr(settings, "ATS_ZIP_MAX_RATIO", 100)
    max_entries = getattr(settings, "ATS_ZIP_MAX_ENTRIES", 1000)
    if len(infos) > max_entries:
        raise refusal("too_many_parts", name, limit=max_entries)
    if len({info.filename for info in infos}) != len(infos):
        raise refusal("corrupt", name)
    for info in infos:
        if info.flag_bits & 0x1:
            raise refusal("encrypted", name)
        if _unsafe_member_name(info.filename):
            raise refusal("corrupt", name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refusal("corrupt", name)  # Office and LibreOffice write nothing else
        if info.file_size > _RATIO_GRACE and info.file_size > max_ratio * info.compress_size:
            raise refusal("bomb", name)
        # Deflate never needs much more than the stored size; a declared size far below
        # the compressed size is a lie that hides how much the member inflates to.
        if info.compress_size > info.file_size + info.file_size // 8 + 1024:
            raise refusal("bomb", name)
    if sum(info.file_size for info in infos) > max_total:
        raise refusal("bomb", name)
    return archive, infos


def _read_member(archive: zipfile.ZipFile, member: str, name: str, limit: int = MiB) -> bytes:
    try:
        with archive.open(member) as stream:
            content = stream.read(limit + 1)
    except _ZIP_ERRORS:
        raise refusal("corrupt", name) from None
    if len(content) > limit:
        raise refusal("corrupt", name)
    return content


def _inflate_all(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    """Inflate every member in bounded pieces, counting real bytes, not declared ones
    (this also checks every CRC)."""
    budget = getattr(settings, "ATS_ZIP_MAX_UNCOMPRESSED_BYTES", 100 * MiB)
    max_ratio = getattr(settings, "ATS_ZIP_MAX_RATIO", 100)
    for info in infos:
        inflated = 0
        try:
            with archive.open(info) as stream:
                while piece := stream.read(_ZIP_CHUNK):
                    inflated += len(piece)
                    budget -= len(piece)
                    if budget < 0 or (
                        inflated > _RATIO_GRACE and inflated > max_ratio * info.compress_size
                    ):
                        raise refusal("bomb", name)
        except _ZIP_ERRORS:
            raise refusal("corrupt", name) from None


def check_docx(data: bytes, name: str) -> tuple[str, ...]:
    archive, infos = _open_zip(data, name, "docx")
    with archive:
        members = {info.filename.lower() for info in infos}
        if not {"[content_types].xml", "word/document.xml"} <= members:
            raise mismatch(name, "docx")
        if any(member.rsplit("/", 1)[-1] == "vbaproject.bin" for member in members):
            raise refusal("macros", name, plain=".docx")
        content_types = _read_member(archive, _member(infos, "[content_types].xml"), name)
        if b"macroenabled" in content_types.lower():
            raise refusal("macros", name, plain=".docx")
        _inflate_all(archive, infos, name)
    return ()


def _member(infos: list[zipfile.ZipInfo], lower_name: str) -> str:
    return next(info.filename for info in infos if info.filename.lower() == lower_name)


def check_odt(data: bytes, name: str) -> tuple[str, ...]:
    archive, infos = _open_zip(data, name, "odt")
    with archive:
        if (
            not infos
            or infos[0].filename != "mimetype"
            or _read_member(archive, "mimetype", name, limit=100)
            != b"application/vnd.oasis.opendocument.text"
            or "content.xml" not in {info.filename for info in infos}
        ):
            raise mismatch(name, "odt")
        if any(info.filename.lower().startswith(("basic/", "scripts/")) for info in infos):
            raise refusal("macros", name, plain=".odt")
        _inflate_all(archive, infos, name)
    return ()


# --- PDF ---------------------------------------------------------------------------


def _pdf_name(name: str) -> str:
    """A regex for a PDF name, each character also written as a #xx escape."""

    def character(c: str) -> str:
        escape = "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in f"{ord(c):02x}")
        return f"(?:{c}|#{escape})"

    return "".join(character(c) for c in name)


_PDF_WATCHED = ("JavaScript", "JS", "Launch", "Encrypt", "EmbeddedFile", "ObjStm")
# Most slashes in a PDF are not followed by a watched name's first letter or by an
# escape (binary streams are full of them): the lookahead refuses those before the
# alternatives are tried, which halves the search of a 10 MB file.
_PDF_FIRST = "".join(sorted({n[0] for n in _PDF_WATCHED})) + "#"
_PDF_NAMES = re.compile(
    (
        f"/(?=[{_PDF_FIRST}])(?:" + "|".join(f"(?P<{n}>{_pdf_name(n)})" for n in _PDF_WATCHED) + ")"
    ).encode()
    + rb"(?=[\x00\t\n\f\r ()<>\[\]{}/%]|\Z)"
)
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")


def _pdf_names(data: bytes | bytearray) -> dict[str, list[int]]:
    """Where each watched name occurs (its end offset), decoding #xx escapes."""
    found: dict[str, list[int]] = {}
    for match in _PDF_NAMES.finditer(data):
        found.setdefault(match.lastgroup or "", []).append(match.end())
    return found


def _inflate_object_streams(data: bytes, positions: list[int], name: str) -> bytearray:
    """Compressed object streams hide dictionaries (and actions) from a byte search;
    inflate those written with plain /FlateDecode, within a budget."""
    inflated = bytearray()
    view = memoryview(data)
    searched_to = 0  # each search starts past the last: linear, however many names
    for position in positions:
        if position < searched_to:
            continue  # a second name in the same stream's dictionary
        start = _STREAM.search(data, position)
        if start is None:
            break
        searched_to = start.end()
        decompressor = zlib.decompressobj()
        try:
            for offset in range(start.end(), len(data), 64 * 1024):
                room = _PDF_OBJECT_STREAMS_MAX_BYTES - len(inflated) + 1
                inflated += decompressor.decompress(view[offset : offset + 64 * 1024], room)
                if len(inflated) > _PDF_OBJECT_STREAMS_MAX_BYTES:
                    raise refusal("bomb", name)
                if decompressor.eof:
                    break
        except zlib.error:
            continue  # another filter; its raw bytes were searched already
        inflated += b"\n"
    return inflated


def check_pdf(data: bytes, name: str) -> tuple[str, ...]:
    if not data.startswith(b"%PDF-"):
        raise mismatch(name, "pdf")
    _refuse_appended_zip(data, name)
    if b"%%EOF" not in data[-1024:]:
        raise refusal("corrupt", name)
    names = _pdf_names(data)
    if "Encrypt" in names:
        raise refusal("encrypted_pdf", name)
    if "ObjStm" in names:
        if len(names["ObjStm"]) > _PDF_MAX_OBJECT_STREAMS:
            raise refusal("bomb", name)
        hidden = _pdf_names(_inflate_object_streams(data, names["ObjStm"], name))
        if "Encrypt" in hidden:
            raise refusal("encrypted_pdf", name)
        names.update(hidden)
    if "Launch" in names:
        raise refusal("unsafe", name, what=gettext("actions that start other programs"))
    warnings = []
    if "JavaScript" in names or "JS" in names:
        warnings.append("pdf_javascript")
    if "EmbeddedFile" in names:
        warnings.append("pdf_embedded_file")
    return tuple(warnings)


# --- Word 97-2003: OLE2 compound files ---------------------------------------------

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_WATCHED = ("WordDocument", "EncryptedPackage", "Macros", "VBA", "_VBA_PROJECT")
_OLE_NAMES = re.compile(
    b"|".join(re.escape((n + "\0").encode("utf-16-le")) for n in _OLE_WATCHED), re.I
)


def _ole_directory_names(data: bytes) -> set[str]:
    """Watched names of directory entries, lower-cased. Entries are 128 bytes, aligned to
    128 in the file whatever the sector size, and carry their name's length at offset 64,
    so this finds them without walking the FAT and ignores the same text in streams."""
    found = set()
    for match in _OLE_NAMES.finditer(data):
        start, length = match.start(), len(match[0])
        if start % 128 == 0 and data[start + 64 : start + 66] == struct.pack("<H", length):
            found.add(match[0].decode("utf-16-le")[:-1].lower())
    return found


def check_doc(data: bytes, name: str) -> tuple[str, ...]:
    if not data.startswith(_OLE_SIGNATURE):
        raise mismatch(name, "doc")
    names = _ole_directory_names(data)
    if "encryptedpackage" in names:
        raise refusal("encrypted", name)
    if "worddocument" not in names:
        raise mismatch(name, "doc")
    if names & {"macros", "vba", "_vba_project"}:
        raise refusal("macros", name, plain=".docx")
    return ()


# --- RTF and plain text -------------------------------------------------------------

# A control word starting with \obj (\object, \objdata, \objemb, ...) not itself escaped
# as a literal backslash (\\).
_RTF_OBJECT = re.compile(rb"(?<!\\)(?:\\\\)*\\obj")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def check_rtf(data: bytes, name: str) -> tuple[str, ...]:
    if not data.startswith(b"{\\rtf"):
        raise mismatch(name, "rtf")
    if _RTF_OBJECT.search(data):
        raise refusal("unsafe", name, what=gettext("embedded objects"))
    return ()


def check_txt(data: bytes, name: str) -> tuple[str, ...]:
    if data.startswith((b"%PDF-", b"\x7fELF", b"PK\x03\x04", b"PK\x05\x06")) or (
        data.startswith(b"MZ") and _CONTROL_BYTES.search(data, 0, 64)
    ):
        raise refusal("hidden_format", name)
    # UTF-8, or ASCII/Latin-1/Windows-1252 text: every byte decodes in one of those,
    # so what sets text apart is the absence of NUL and other control bytes.
    if _CONTROL_BYTES.search(data):
        raise refusal("not_text", name)
    return ()


# --- Images: dimensions from the header only -----------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# SOF0..SOF15 are C0..CF, except C4 (DHT), C8 (JPG, reserved) and CC (DAC).
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0..RST7
_JPEG_MAX_MARKERS = 1000  # a real frame header comes after a handful of segments


def _png_size(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 33 or data[8:16] != b"\0\0\0\x0dIHDR":
        return None
    if zlib.crc32(data[12:29]) != struct.unpack(">I", data[29:33])[0]:
        return None
    return struct.unpack(">II", data[16:24])


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    position = 2
    for _ in range(_JPEG_MAX_MARKERS):
        if position + 4 > len(data) or data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _JPEG_STANDALONE:
            position += 2
            continue
        if marker in (0x00, 0xD8, 0xD9, 0xDA):  # not a marker; SOI, EOI or scan before a frame
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            return None
        if marker in _JPEG_FRAMES:
            if length < 8 or position + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _check_image(data: bytes, name: str, size: tuple[int, int] | None) -> tuple[str, ...]:
    if size is None or 0 in size:
        raise refusal("corrupt", name)
    if b"%PDF-" in data:
        raise refusal("hidden_format", name)
    _refuse_appended_zip(data, name)
    width, height = size
    limit = getattr(settings, "ATS_IMAGE_MAX_PIXELS", 40_000_000)
    if width * height > limit:
        megapixels = f"{limit / 1e6:g}"
        raise refusal("too_many_pixels", name, width=width, height=height, limit=megapixels)
    return ()


def check_png(data: bytes, name: str) -> tuple[str, ...]:
    return _check_image(data, name, _png_size(data))


def check_jpeg(data: bytes, name: str) -> tuple[str, ...]:
    return _check_image(data, name, _jpeg_size(data))


# --- The table ---------------------------------------------------------------------

_ZIP = "application/zip"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"

# libmagic versions disagree about DOCX and ODT: for those the sniff only has to say
# "a ZIP container", and check_docx/check_odt identify the format from the archive.
FORMATS: dict[str, Format] = {
    "pdf": Format(
        gettext_lazy("a PDF file"), "application/pdf", frozenset({"application/pdf"}), check_pdf
    ),
    "docx": Format(
        gettext_lazy("a Word document (.docx)"),
        DOCX_TYPE,
        frozenset({DOCX_TYPE, _ZIP, "application/octet-stream"}),
        check_docx,
    ),
    "doc": Format(
        gettext_lazy("a Word 97-2003 document (.doc)"),
        "application/msword",
        frozenset({"application/msword", "application/x-ole-storage", "application/CDFV2"}),
        check_doc,
    ),
    "odt": Format(
        gettext_lazy("an OpenDocument text (.odt)"),
        ODT_TYPE,
        frozenset({ODT_TYPE, _ZIP}),
        check_odt,
    ),
    "rtf": Format(
        gettext_lazy("a Rich Text (.rtf) file"),
        "application/rtf",
        frozenset({"text/rtf", "application/rtf"}),
        check_rtf,
        binary=False,
    ),
    "txt": Format(
        gettext_lazy("a plain text file"),
        "text/plain; charset=utf-8",
        frozenset({"text/plain"}),
        check_txt,
        binary=False,
    ),
    "png": Format(gettext_lazy("a PNG image"), "image/png", frozenset({"image/png"}), check_png),
    "jpg": Format(
        gettext_lazy("a JPEG image"), "image/jpeg", frozenset({"image/jpeg"}), check_jpeg
    ),
}
ALIASES = {"jpeg": "jpg"}
