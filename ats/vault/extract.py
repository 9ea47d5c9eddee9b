"""Plain text out of a document's plaintext, for the talent-pool search.

Works only on bytes already in memory (the intake's checked upload, or a document
decrypted through the vault's reader): nothing is written to disk, not even a temporary
file, and no extracted text is ever logged. Every format is bounded: pages, characters,
inflated XML and wall time. A file that cannot be read gives "" and is counted in
`failures` (by format), never an exception: a CV the search cannot read still belongs
to its application.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import time
import zipfile
from collections import Counter
from xml.etree.ElementTree import ParseError, XMLPullParser

logger = logging.getLogger(__name__)

MAX_CHARS = 100_000  # a long CV is about 20,000; the rest of a huge file adds little
MAX_PDF_PAGES = 30
MAX_XML_BYTES = 8 * 1024 * 1024  # inflated XML read from one DOCX/ODT member
MAX_SECONDS = 5.0
_XML_PIECE = 64 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TXT = "text/plain"

# Failures and timeouts per format since the process started (the numbers an operator
# needs; never which document or what it said).
failures: Counter[str] = Counter()

_SPACES = re.compile(r"[ \t\r\f\v]+")


class _Budget:
    """Characters and seconds left; `exhausted` once either is spent."""

    def __init__(self, max_chars: int, max_seconds: float) -> None:
        self.deadline = time.monotonic() + max_seconds
        self.chars_left = max_chars
        self.parts: list[str] = []
        self.charset = ""

    def add(self, text: str) -> None:
        if self.chars_left <= 0 or not text:
            return
        text = text[: self.chars_left]
        self.parts.append(text)
        self.chars_left -= len(text)

    @property
    def timed_out(self) -> bool:
        return time.monotonic() > self.deadline

    @property
    def exhausted(self) -> bool:
        return self.chars_left <= 0 or self.timed_out

    def text(self) -> str:
        joined = "".join(self.parts)
        return "\n".join(_SPACES.sub(" ", line).strip() for line in joined.splitlines()).strip()


def extract_text(
    data: bytes | memoryview,
    content_type: str,
    *,
    max_chars: int = MAX_CHARS,
    max_seconds: float = MAX_SECONDS,
) -> str:
    """The document's text (at most max_chars), or "" for a format without text (an
    image), an unreadable file, or one that ran out of time before yielding anything."""
    readers = {PDF: _pdf, DOCX: _docx, ODT: _odt, TXT: _txt}
    base, _, parameters = content_type.partition(";")
    reader = readers.get(base.strip().lower())
    if reader is None:
        return ""
    kind = base.strip().rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    budget = _Budget(max_chars, max_seconds)
    budget.charset = _charset(parameters)
    try:
        reader(bytes(data), budget)
    except Exception as exc:  # a broken file is the normal case for a parser: no raise
        failures[kind] += 1
        logger.warning("extract: %s unreadable (%s)", kind, type(exc).__name__)
        return ""
    if budget.timed_out:
        failures[f"{kind}_timeout"] += 1
        logger.warning("extract: %s stopped after %.0f s", kind, max_seconds)
    return budget.text()


def _pdf(data: bytes, budget: _Budget) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise ValueError("encrypted PDF")  # the vault refuses these; never guess a password
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES or budget.exhausted:
            break
        budget.add((page.extract_text() or "") + "\n")


def _docx(data: bytes, budget: _Budget) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = {info.filename.lower(): info.filename for info in archive.infolist()}
        member = names.get("word/document.xml")
        if member is None:
            raise ValueError("no word/document.xml")
        _xml_text(archive, member, budget, _docx_events)


def _odt(data: bytes, budget: _Budget) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _xml_text(archive, "content.xml", budget, _OdtEvents())


def _xml_text(archive: zipfile.ZipFile, member: str, budget: _Budget, handle) -> None:
    """Stream one XML member through a pull parser in pieces, handing each event to
    `handle(event, element, local_name, budget)`. Expat (2.4 and later) refuses entity
    expansion attacks, no external entity is ever fetched, and the inflated size read is
    capped."""
    parser = XMLPullParser(events=("start", "end"))
    read = 0
    with archive.open(member) as stream:
        while not budget.exhausted and (piece := stream.read(_XML_PIECE)):
            read += len(piece)
            if read > MAX_XML_BYTES:
                break
            parser.feed(piece)
            _drain(parser, budget, handle)
        else:
            try:
                parser.close()
            except ParseError:
                if not budget.parts:
                    raise
            _drain(parser, budget, handle)


def _drain(parser: XMLPullParser, budget: _Budget, handle) -> None:
    for event, element in parser.read_events():
        handle(event, element, element.tag.rsplit("}", 1)[-1], budget)


def _docx_events(event: str, element, local: str, budget: _Budget) -> None:
    """WordprocessingML keeps text only in <w:t>; paragraphs, rows and cells end words."""
    if event != "end":
        return
    if local == "t":
        budget.add(element.text or "")
    elif local in {"tab", "br", "tc"}:
        budget.add(" ")
    elif local in {"p", "tr"}:
        budget.add("\n")
        element.clear()


class _OdtEvents:
    """ODF keeps text in <text:p> and <text:h>, with inline spans, and spaces, tabs and
    line breaks as elements; a paragraph can hold another (a note), so only the
    outermost is read, then cleared."""

    SPACING = frozenset({"s", "tab", "line-break"})

    def __init__(self) -> None:
        self.open_paragraphs = 0

    def __call__(self, event: str, element, local: str, budget: _Budget) -> None:
        if local not in {"p", "h"}:
            return
        if event == "start":
            self.open_paragraphs += 1
            return
        self.open_paragraphs -= 1
        if self.open_paragraphs == 0:
            budget.add(self._text(element) + "\n")
            element.clear()

    def _text(self, element) -> str:
        parts = [element.text or ""]
        for child in element:
            if child.tag.rsplit("}", 1)[-1] in self.SPACING:
                parts.append(" ")
            parts.append(self._text(child))
            parts.append(child.tail or "")
        return "".join(parts)


def _charset(parameters: str) -> str:
    """The charset the vault recorded ("text/plain; charset=windows-1252"), if known."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip('"').lower()
            try:
                return codecs.lookup(value).name
            except LookupError:
                return ""
    return ""


def _txt(data: bytes, budget: _Budget) -> None:
    head = data[: budget.chars_left * 4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    elif budget.charset and budget.charset not in {"utf-8", "ascii"}:
        text = head.decode(budget.charset, errors="replace")
    else:
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # cut inside a character by the byte limit
                text = head[: exc.start].decode("utf-8-sig")
            else:
                text = head.decode("cp1252", errors="replace")
    budget.add(text)
