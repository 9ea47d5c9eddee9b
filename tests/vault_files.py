"""Builders of small, real test files for the document vault, made in memory.

Each function returns bytes that libmagic and the vault's own checks recognise; keyword
flags add the one defect a test is about. No binary test file is committed.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

# The standard anti-virus test file, assembled so that no scanner flags this source.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

# --- PDF ---------------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1", "replace") + b")"


def _pdf_stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def pdf(
    text: str = "A CV",
    *,
    javascript: bool = False,
    encrypted: bool = False,
    launch: bool = False,
    escaped_names: bool = False,
    object_stream: bool = False,
) -> bytes:
    """A one-page PDF with a correct xref table (or xref stream) and %%EOF.

    `escaped_names` writes the action's names with #xx escapes (/J#61vaScript);
    `object_stream` hides the action object in a Flate-compressed object stream
    (PDF 1.5), where a plain byte search cannot see it.
    """
    content = b"BT /F1 12 Tf 72 770 Td " + _pdf_string(text) + b" Tj ET"
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    objects = [
        b"",  # the catalog, filled in below
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        _pdf_stream(b"", content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    action_number = None
    if javascript or launch:
        if javascript:
            action = b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hello'\\);) >>"
        else:
            action = b"<< /Type /Action /S /Launch /F (cmd.exe) /NewWindow true >>"
        if escaped_names:
            for plain, escaped in (
                (b"/JavaScript", b"/J#61vaScript"),
                (b"/JS", b"/J#53"),
                (b"/Launch", b"/L#61unch"),
            ):
                action = action.replace(plain, escaped)
        objects.append(action)
        action_number = len(objects)
        catalog += b" /OpenAction %d 0 R" % action_number
    objects[0] = catalog + b" >>"
    trailer = b"/Root 1 0 R"
    if encrypted:
        objects.append(
            b"<< /Filter /Standard /V 1 /R 2 /P -44"
            b" /O <" + b"6f" * 32 + b"> /U <" + b"75" * 32 + b"> >>"
        )
        trailer += b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects), b"ab" * 16, b"ab" * 16)

    compressed = {action_number} if object_stream and action_number else set()
    version = b"1.5" if compressed else b"1.4"
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in enumerate(objects, 1):
        if number not in compressed:
            offsets[number] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    if not compressed:
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, len(objects) + 1))
        out += b"trailer\n<< /Size %d %s >>\n" % (len(objects) + 1, trailer)
    else:
        (hidden,) = compressed
        header = b"%d 0 " % hidden
        stream_number, xref_number = len(objects) + 1, len(objects) + 2
        offsets[stream_number] = len(out)
        packed = zlib.compress(header + objects[hidden - 1])
        out += b"%d 0 obj\n%s\nendobj\n" % (
            stream_number,
            _pdf_stream(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header), packed),
        )
        xref = offsets[xref_number] = len(out)
        rows = [struct.pack(">BIH", 0, 0, 65535)]
        for number in range(1, xref_number + 1):
            if number in compressed:
                rows.append(struct.pack(">BIH", 2, stream_number, 0))
            else:
                rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        out += b"%d 0 obj\n%s\nendobj\n" % (
            xref_number,
            _pdf_stream(
                b"/Type /XRef /Size %d /W [1 4 2] %s" % (xref_number + 1, trailer), b"".join(rows)
            ),
        )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_zip_polyglot() -> bytes:
    """A PDF with a whole DOCX appended: PDF readers and ZIP readers both open it."""
    return pdf() + docx()


# --- ZIP containers: DOCX and ODT ----------------------------------------------------

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _zip(entries: list[tuple[str, bytes]], *, stored: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buffer.getvalue()


def _docx_entries(
    text: str, *, macro: bool = False, macro_enabled: bool = False
) -> list[tuple[str, bytes]]:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + (
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            if macro
            else ""
        )
        + '<Override PartName="/word/document.xml" ContentType="%s"/></Types>'
        % (_DOCM_MAIN if macro_enabled else _DOCX_MAIN)
    )
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{_xml_text(text)}</w:t></w:r></w:p></w:body></w:document>"
    )
    entries = [
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", package_rels.encode()),
        ("word/document.xml", document.encode()),
    ]
    if macro:
        document_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'
        )
        entries.append(("word/_rels/document.xml.rels", document_rels.encode()))
        entries.append(("word/vbaProject.bin", ole2({"VBA": {"_VBA_PROJECT": b"\xcc\x61"}})))
    return entries


def docx(
    text: str = "A CV",
    *,
    macro: bool = False,
    macro_enabled: bool = False,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal Word document. `macro` adds word/vbaProject.bin (what a .docm holds);
    `macro_enabled` declares the macro-enabled main content type; `extra` adds entries."""
    entries = _docx_entries(text, macro=macro, macro_enabled=macro_enabled)
    return _zip(entries + list((extra or {}).items()))


def docx_with_many_entries(n: int) -> bytes:
    """A valid DOCX carrying n extra one-byte entries besides its own three."""
    return docx(extra={f"word/media/part{i}.txt": b"x" for i in range(n)})


def docx_with_eicar() -> bytes:
    """A valid DOCX that carries the EICAR test virus: validation accepts it, the scan
    must not."""
    return docx(extra={"word/media/eicar.txt": EICAR})


@functools.cache
def zip_bomb_docx(inflated_mib: int = 200) -> bytes:
    """A DOCX-looking zip with one entry of `inflated_mib` MiB of zeros (about 1000:1),
    written in 1 MiB pieces so that the inflated size is never held in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in _docx_entries("A CV"):
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("word/media/image1.png", date_time=(2024, 5, 1, 12, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        piece = bytes(1 << 20)
        with zf.open(info, "w") as member:
            for _ in range(inflated_mib):
                member.write(piece)
    return buffer.getvalue()


def _headers(data: bytes) -> list[tuple[zipfile.ZipInfo, int, int]]:
    """Each entry, with the offsets of its local header and of its central directory
    record, for patching."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos, central = zf.infolist(), zf.start_dir
    result = []
    for info in infos:
        result.append((info, info.header_offset, central))
        name, extra, comment = struct.unpack_from("<HHH", data, central + 28)
        central += 46 + name + extra + comment
    return result


def zip_bomb_docx_with_lying_sizes(declared: int = 1024) -> bytes:
    """The zip bomb, with its big entry's uncompressed size patched down to `declared`
    bytes in the central directory (and the local header, to be consistent)."""
    data = zip_bomb_docx()
    out = bytearray(data)
    for info, local, central in _headers(data):
        if info.filename == "word/media/image1.png":
            struct.pack_into("<I", out, local + 22, declared)
            struct.pack_into("<I", out, central + 24, declared)
    return bytes(out)


def encrypted_zip_docx() -> bytes:
    """A DOCX whose entries claim to be encrypted (general purpose flag bit 0)."""
    data = docx()
    out = bytearray(data)
    for _info, local, central in _headers(data):
        out[local + 6] |= 0x01
        out[central + 8] |= 0x01
    return bytes(out)


def docx_with_entries(entries: dict[str, bytes]) -> bytes:
    """A valid DOCX plus arbitrary entries, names unchecked (e.g. "../../evil.sh")."""
    return _zip(_docx_entries("A CV") + list(entries.items()))


def odt(text: str = "A CV", *, macro: bool = False) -> bytes:
    """A minimal OpenDocument text: a stored `mimetype` first, then content and manifest.
    `macro` adds a Basic/ macro library."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
        'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:text>'
        f"<text:p>{_xml_text(text)}</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
        'manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    entries = [
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.encode()),
        ("META-INF/manifest.xml", manifest.encode()),
    ]
    if macro:
        entries.append(("Basic/Standard/Module1.xml", b"<script:module/>"))
    return _zip(entries, stored=("mimetype",))


# --- Word 97-2003: an OLE2 compound file ---------------------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR = 512

Tree = dict[str, "bytes | Tree"]  # a stream's data, or a storage's children


def _directory_entry(
    name: str,
    kind: int,
    *,
    child: int = _FREE,
    right: int = _FREE,
    start: int = _END,
    size: int = 0,
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    # name, its length, type, colour (black), left, right, child, CLSID, state, times, start, size
    fields = (encoded, len(encoded), kind, 1, _FREE, right, child, b"\0" * 16, 0, 0, 0, start, size)
    return struct.pack("<64sHBBIII16sIQQIQ", *fields)


def ole2(tree: Tree) -> bytes:
    """A version 3 compound file (512-byte sectors) holding `tree`. Every stream is
    padded to at least 4096 bytes so that it lives in ordinary sectors (no mini stream);
    siblings are chained in the directory's name order."""
    records: list[tuple[str, int, bytes]] = [("Root Entry", 5, b"")]
    links: list[list[int]] = [[_FREE, _FREE]]  # child, right sibling

    def place(children: Tree) -> int:
        """Add children as a chain of right siblings; return the first one's index."""
        first = len(records)
        ordered = sorted(children, key=lambda n: (len(n), n.upper()))
        for name in ordered:
            value = children[name]
            data = b"" if isinstance(value, dict) else value.ljust(4096, b"\0")
            data = data.ljust(-(-len(data) // _SECTOR) * _SECTOR, b"\0")
            records.append((name, 1 if isinstance(value, dict) else 2, data))
            links.append([_FREE, _FREE])
        for index in range(first, len(records) - 1):
            links[index][1] = index + 1
        for index, name in enumerate(ordered, first):
            if isinstance(storage := children[name], dict):
                links[index][0] = place(storage)
        return first if ordered else _FREE

    links[0][0] = place(tree)
    directory_sectors = -(-len(records) // 4)
    fat = [_FAT, *range(2, 1 + directory_sectors), _END]
    directory, sectors = [], []
    for (name, kind, data), (child, right) in zip(records, links, strict=True):
        start = _END
        if data:
            start, count = len(fat), len(data) // _SECTOR
            fat += [*range(start + 1, start + count), _END]
            sectors.append(data)
        directory.append(
            _directory_entry(name, kind, child=child, right=right, start=start, size=len(data))
        )
    assert len(fat) <= _SECTOR // 4, "one FAT sector is enough for a test file"
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift
        6,  # mini sector shift
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        4096,  # mini stream cutoff
        _END,  # first mini FAT sector
        0,
        _END,  # first DIFAT sector
        0,
    )
    header += struct.pack("<109I", 0, *[_FREE] * 108)  # DIFAT: the FAT is sector 0
    return (
        header
        + struct.pack(f"<{_SECTOR // 4}I", *fat)
        + b"".join(directory).ljust(directory_sectors * _SECTOR, b"\0")
        + b"".join(sectors)
    )


def doc(*, macro: bool = False) -> bytes:
    """A Word 97-2003 document as far as the container goes: a WordDocument stream that
    starts with the FIB's magic number, a 1Table stream and, with `macro`, the
    Macros/VBA storages with a _VBA_PROJECT stream, as Word saves them."""
    tree: Tree = {
        "WordDocument": struct.pack("<HH", 0xA5EC, 0x00C1) + b"A CV",
        "1Table": b"\0",
    }
    if macro:
        tree["Macros"] = {"VBA": {"_VBA_PROJECT": b"\xcc\x61\xff\xff", "dir": b"\x01"}}
    return ole2(tree)


# --- RTF and plain text ----------------------------------------------------------------


def rtf(text: str = "A CV", *, embedded_object: bool = False) -> bytes:
    body = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    body = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in body)
    result = "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24 " + body + "\\par"
    if embedded_object:
        result += "{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 01050000020000000800}}"
    return (result + "}\n").encode("ascii")


def txt(text: str = "A CV\n", *, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


# --- Images ------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 8, height: int = 8) -> bytes:
    """A real, decodable black image: 1-bit greyscale, so that even a 50-megapixel
    image compresses to a few kilobytes and is built in milliseconds."""
    row = b"\0" * (1 + -(-width // 8))  # filter type 0, then the packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg(width: int = 8, height: int = 8) -> bytes:
    """A real, decodable mid-grey baseline JPEG: one component, every 8x8 block coded
    as "DC difference 0, end of block" with one-symbol Huffman tables (2 bits a block)."""
    blocks = -(-width // 8) * -(-height // 8)
    bits = 2 * blocks
    scan = bytearray(b"\0" * (bits // 8))
    if bits % 8:
        scan.append(0xFF >> (bits % 8))  # pad the last byte with 1-bits
    scan = scan.replace(b"\xff", b"\xff\x00")  # byte stuffing (only the padding byte)
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1, for symbol 0
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xE0, b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64))
        + _jpeg_segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + _jpeg_segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)
        + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + bytes(scan)
        + b"\xff\xd9"
    )


# --- Things that are not documents -----------------------------------------------------


def elf() -> bytes:
    """The 64-byte header of an x86-64 Linux executable, and a little code."""
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    header += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, 0x401000, 0, 0, 0, 64, 56, 0, 64, 0, 0)
    return header + b"\x90" * 64


def html() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html><head><title>CV</title></head>"
        b"<body><script>document.location='https://attacker.example/'</script></body></html>\n"
    )
