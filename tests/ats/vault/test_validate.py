from __future__ import annotations

import io
import struct
import threading
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured

from ats.vault import formats
from ats.vault.validate import UploadRejected, ValidatedUpload, sanitize_filename, validate_upload
from tests import vault_files as files

MiB = 1024 * 1024
TEXT = "text/plain; charset=utf-8"
SECRET = "Zoë-4711-private"  # stands for content that must never reach a message


def refused(name: str, data: bytes, *, max_bytes: int | None = None) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        validate_upload(name=name, data=data, max_bytes=max_bytes)
    rejection = caught.value
    assert str(rejection) == rejection.code  # what a log line would show
    assert SECRET not in rejection.message
    return rejection


# --- Valid files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "extension", "content_type"),
    [
        ("cv.pdf", files.pdf(), "pdf", "application/pdf"),
        (
            "cv.docx",
            files.docx(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("cv.doc", files.doc(), "doc", "application/msword"),
        ("cv.odt", files.odt(), "odt", "application/vnd.oasis.opendocument.text"),
        ("cv.rtf", files.rtf("Zoë Ñúñez-O'Brien {backend}"), "rtf", "application/rtf"),
        ("cv.txt", files.txt("Zoë Ñúñez-O'Brien\r\n\tBerlin\n"), "txt", TEXT),
        (
            "cv.txt",
            files.txt("Zoë Ñúñez\n", encoding="latin-1"),
            "txt",
            "text/plain; charset=windows-1252",
        ),
        ("photo.png", files.png(640, 480), "png", "image/png"),
        ("photo.jpg", files.jpeg(640, 480), "jpg", "image/jpeg"),
        ("photo.JPEG", files.jpeg(64, 48), "jpg", "image/jpeg"),
        ("CV.PDF", files.pdf(), "pdf", "application/pdf"),
    ],
)
def test_it_accepts_valid_files_of_every_allowed_type(name, data, extension, content_type):
    result = validate_upload(name=name, data=data)
    assert result == ValidatedUpload(name, extension, content_type, size=len(data), warnings=())


def test_it_accepts_a_memoryview():
    data = files.pdf()
    assert validate_upload(name="cv.pdf", data=memoryview(data)).size == len(data)


def test_it_accepts_a_docx_carrying_the_eicar_string_because_scanning_is_not_its_job():
    assert validate_upload(name="cv.docx", data=files.docx_with_eicar()).extension == "docx"


def test_it_accepts_a_rtf_that_merely_mentions_a_backslash_obj_in_text():
    assert validate_upload(name="cv.rtf", data=files.rtf(r"C:\objects\cv")).warnings == ()


def test_it_accepts_a_doc_whose_text_mentions_macros():
    word = struct.pack("<HH", 0xA5EC, 0x00C1) + "Macros\0_VBA_PROJECT\0".encode("utf-16-le")
    data = files.ole2({"WordDocument": word, "1Table": b"\0"})
    assert validate_upload(name="cv.doc", data=data).extension == "doc"


def test_it_validates_in_several_threads_at_once():
    results: list[ValidatedUpload] = []

    def work() -> None:
        for _ in range(5):
            results.append(validate_upload(name="cv.pdf", data=files.pdf()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20


# --- Size --------------------------------------------------------------------------


def test_it_refuses_an_empty_file():
    assert refused("cv.pdf", b"").code == "empty"


def test_it_refuses_a_file_over_the_size_limit():
    rejection = refused("cv.pdf", files.pdf(SECRET), max_bytes=100)
    assert rejection.code == "too_large"


def test_it_takes_the_size_limit_from_settings_and_names_it_in_mb(settings):
    settings.ATS_MAX_UPLOAD_BYTES = 2 * MiB
    rejection = refused("cv.pdf", b"%PDF-" + bytes(2 * MiB))
    assert rejection.code == "too_large"
    assert "2 MB" in rejection.message
    assert "cv.pdf" in rejection.message


def test_the_default_size_limit_is_ten_mb():
    assert "10 MB" in refused("cv.pdf", bytes(10 * MiB + 1)).message


# --- File names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\cv.pdf", "cv.pdf"),
        ("/home/zoe/Documents/cv.pdf", "cv.pdf"),
        ("cv\x00.pdf", "cv.pdf"),
        ("cv\x07\x1b[31m.pdf", "cv[31m.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("cv\u2066\u2069\u200b\u200d\ufeff.pdf", "cv.pdf"),
        ("Zoe\u0308 N.pdf", "Zoë N.pdf"),
        ("my \t\n  cv.pdf", "my cv.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        (" . cv.pdf. . ", "cv.pdf"),
        ('cv: "final" <v2>?.pdf', "cv_ _final_ _v2__.pdf"),
        ("", "document"),
        ("../..", "document"),
        ("\u202e\x00", "document"),
    ],
)
def test_it_sanitises_file_names(raw, clean):
    assert sanitize_filename(raw) == clean


def test_it_shortens_a_300_character_name_keeping_the_extension():
    name = sanitize_filename("a" * 296 + ".pdf")
    assert len(name) <= 150
    assert name.endswith(".pdf")
    assert validate_upload(name="é" * 296 + ".pdf", data=files.pdf()).display_name == name.replace(
        "a", "é"
    )


def test_it_shortens_a_name_to_a_custom_length():
    assert sanitize_filename("curriculum-vitae.docx", max_length=10) == "curri.docx"


@pytest.mark.parametrize(
    "raw",
    ["../../etc/cv.pdf", "C:\\Users\\zoe\\cv.pdf", "cv\x00.pdf", "c\u202ev.pdf", "\u200bcv.pdf"],
)
def test_it_names_the_file_only_by_its_sanitised_name(raw):
    rejection = refused(raw, files.html())
    assert rejection.code == "content_mismatch"
    assert raw not in rejection.message
    assert "cv.pdf" in rejection.message
    assert not any(c in rejection.message for c in "\x00\u202e\u200b\\/")


def test_it_refuses_a_right_to_left_override_hiding_an_executable():
    rejection = refused("cv\u202efdp.exe", files.pdf())
    assert rejection.code == "extension_not_allowed"
    assert "cvfdp.exe" in rejection.message


def test_it_refuses_a_nul_byte_hiding_an_executable_extension():
    assert refused("cv.pdf\x00.exe", files.pdf()).code == "extension_not_allowed"


# --- Extensions --------------------------------------------------------------------


def test_it_refuses_a_wrong_extension_and_lists_the_allowed_ones():
    rejection = refused("setup.exe", files.elf())
    assert rejection.code == "extension_not_allowed"
    for extension in (".pdf", ".docx", ".doc", ".odt", ".rtf", ".txt", ".png", ".jpg"):
        assert extension in rejection.message


@pytest.mark.parametrize("name", ["cv", "pdf", ".pdf", "cv."])
def test_it_refuses_a_name_without_an_extension(name):
    assert refused(name, files.pdf()).code == "extension_not_allowed"


def test_it_takes_the_allowed_extensions_from_settings(settings):
    settings.ATS_UPLOAD_EXTENSIONS = ["pdf", ".JPEG"]
    assert refused("cv.docx", files.docx()).code == "extension_not_allowed"
    assert validate_upload(name="cv.jpg", data=files.jpeg()).extension == "jpg"


def test_it_reads_allowed_extensions_written_as_one_string(settings):
    settings.ATS_UPLOAD_EXTENSIONS = "pdf, txt"
    assert validate_upload(name="cv.txt", data=files.txt()).extension == "txt"
    assert refused("cv.png", files.png()).code == "extension_not_allowed"


def test_it_refuses_to_run_with_an_extension_it_has_no_rules_for(settings):
    settings.ATS_UPLOAD_EXTENSIONS = ["pdf", "exe"]
    with pytest.raises(ImproperlyConfigured, match="exe"):
        validate_upload(name="cv.pdf", data=files.pdf())


# --- Content sniffing --------------------------------------------------------------


def test_it_refuses_an_elf_executable_renamed_pdf():
    rejection = refused("cv.pdf", files.elf())
    assert rejection.code == "content_mismatch"
    assert "does not look like a PDF file" in rejection.message


def test_it_refuses_html_renamed_pdf():
    assert refused("cv.pdf", files.html()).code == "content_mismatch"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cv.docx", files.pdf()),
        ("cv.odt", files.docx()),
        ("cv.doc", files.docx()),
        ("cv.png", files.jpeg()),
        ("cv.jpg", files.png()),
        ("cv.rtf", files.txt()),
        ("cv.txt", files.html()),
        ("cv.txt", files.pdf()),
        ("cv.txt", files.elf()),
    ],
)
def test_it_refuses_one_format_renamed_as_another(name, data):
    assert refused(name, data).code == "content_mismatch"


def test_it_refuses_a_pdf_that_does_not_start_with_its_header():
    assert refused("cv.pdf", b"\n\n" + files.pdf()).code == "content_mismatch"


def test_it_refuses_a_zip_that_is_not_a_word_document():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes.txt", "hello")
    assert refused("cv.docx", archive.getvalue()).code == "content_mismatch"


def test_it_refuses_unknown_binary_data_named_docx():
    assert refused("cv.docx", bytes(range(256)) * 20).code == "content_mismatch"


def test_it_refuses_utf16_text_which_contains_nul_bytes():
    rejection = refused("cv.txt", files.txt("\ufeffZoë\n", encoding="utf-16-le"))
    assert rejection.code == "content_mismatch"
    assert "UTF-8" in rejection.message


def test_it_refuses_text_with_terminal_escape_sequences():
    assert refused("cv.txt", files.txt(f"{SECRET}\x1b[2J\n")).code == "content_mismatch"


# --- Polyglots ---------------------------------------------------------------------


def test_it_refuses_a_pdf_zip_polyglot():
    assert refused("cv.pdf", files.pdf_zip_polyglot()).code == "unsafe_content"


def test_it_refuses_a_pdf_with_html_markup_near_the_start():
    data = files.pdf().replace(b"\n", b"\n%<script>alert(1)</script>\n", 1)
    assert refused("cv.pdf", data).code == "unsafe_content"


def test_it_refuses_a_png_that_is_also_a_pdf():
    assert refused("photo.png", files.png() + files.pdf()).code == "unsafe_content"


def test_it_refuses_a_jpeg_with_a_zip_appended():
    assert refused("photo.jpg", files.jpeg() + files.docx()).code == "unsafe_content"


def test_it_refuses_a_docx_with_svg_markup_up_front():
    data = files.docx_with_entries({})
    with_markup = io.BytesIO()
    with zipfile.ZipFile(with_markup, "w") as zf:
        zf.writestr("<svg onload=alert(1)>", b"")
        with zipfile.ZipFile(io.BytesIO(data)) as original:
            for info in original.infolist():
                zf.writestr(info, original.read(info))
    assert refused("cv.docx", with_markup.getvalue()).code == "unsafe_content"


# --- ZIP containers ----------------------------------------------------------------


def test_it_refuses_a_zip_bomb_disguised_as_docx():
    rejection = refused("cv.docx", files.zip_bomb_docx())
    assert rejection.code == "unsafe_content"


def test_it_refuses_a_zip_bomb_whose_declared_sizes_lie():
    data = files.zip_bomb_docx_with_lying_sizes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert max(info.file_size for info in zf.infolist()) <= 1024
    assert refused("cv.docx", data).code == "unsafe_content"


def test_it_refuses_a_docx_whose_parts_unpack_past_the_configured_total(settings):
    settings.ATS_ZIP_MAX_UNCOMPRESSED_BYTES = 500
    assert refused("cv.docx", files.docx()).code == "unsafe_content"


def test_it_refuses_a_highly_compressed_part_past_the_configured_ratio(settings):
    settings.ATS_ZIP_MAX_RATIO = 5
    data = files.docx(extra={"word/media/blank.bmp": bytes(200 * 1024)})
    assert refused("cv.docx", data).code == "unsafe_content"


def test_it_stops_inflating_once_the_real_size_passes_the_limit(settings):
    """Declared sizes are refused first; this shows that the count of inflated bytes
    holds on its own, for an archive whose directory passed those checks."""
    settings.ATS_ZIP_MAX_UNCOMPRESSED_BYTES = 5 * MiB
    archive = zipfile.ZipFile(io.BytesIO(files.zip_bomb_docx()))
    with archive, pytest.raises(formats.Refusal) as caught:
        formats._inflate_all(archive, archive.infolist(), "cv.docx")
    assert caught.value.code == "unsafe_content"


def test_it_refuses_a_docx_with_too_many_entries():
    assert refused("cv.docx", files.docx_with_many_entries(1000)).code == "unsafe_content"


def test_it_takes_the_entry_limit_from_settings(settings):
    settings.ATS_ZIP_MAX_ENTRIES = 10
    assert refused("cv.docx", files.docx_with_many_entries(8)).code == "unsafe_content"
    assert validate_upload(name="cv.docx", data=files.docx_with_many_entries(7))


def test_it_refuses_an_encrypted_zip_entry():
    rejection = refused("cv.docx", files.encrypted_zip_docx())
    assert rejection.code == "encrypted"
    assert "password" in rejection.message


@pytest.mark.parametrize(
    "member", ["../../evil.sh", "word/../../evil.sh", "/etc/cron.d/evil", "..\\evil.bat", "C:/x"]
)
def test_it_refuses_a_docx_with_path_traversal_entries(member):
    data = files.docx_with_entries({member: b"#!/bin/sh\n"})
    assert refused("cv.docx", data).code == "corrupt"


def test_it_refuses_a_docx_whose_data_fails_its_checksum():
    data = bytearray(files.docx(SECRET * 50))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start + info.compress_size // 2] ^= 0xFF
    assert refused("cv.docx", bytes(data)).code == "corrupt"


def test_it_refuses_a_truncated_docx():
    data = files.docx_with_many_entries(200)
    assert refused("cv.docx", data[: len(data) // 2]).code == "corrupt"


def test_it_refuses_a_docx_with_a_vba_project():
    rejection = refused("cv.docx", files.docx(SECRET, macro=True))
    assert rejection.code == "unsafe_content"
    assert "macros are not accepted" in rejection.message
    assert ".docx or PDF" in rejection.message


def test_it_refuses_a_docx_declaring_the_macro_enabled_content_type():
    assert refused("cv.docx", files.docx(macro_enabled=True)).code == "unsafe_content"


def test_it_refuses_a_docx_without_a_document_part():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf, zipfile.ZipFile(io.BytesIO(files.docx())) as docx:
        for info in docx.infolist():
            if info.filename != "word/document.xml":
                zf.writestr(info, docx.read(info))
    assert refused("cv.docx", archive.getvalue()).code == "content_mismatch"


def test_it_refuses_an_odt_with_macros():
    assert refused("cv.odt", files.odt(macro=True)).code == "unsafe_content"


def test_it_refuses_an_odt_with_the_wrong_mimetype():
    data = files.odt().replace(
        b"application/vnd.oasis.opendocument.text", b"application/vnd.oasis.opendocument.texx", 1
    )
    assert refused("cv.odt", data).code in {"content_mismatch", "corrupt"}


def test_it_refuses_an_encrypted_office_document():
    data = files.ole2({"EncryptionInfo": b"\x04\x00", "EncryptedPackage": b"\x01" * 64})
    assert refused("cv.docx", data).code == "encrypted"
    assert refused("cv.doc", data).code == "encrypted"


# --- Word 97-2003 ------------------------------------------------------------------


def test_it_refuses_a_doc_with_macros():
    rejection = refused("cv.doc", files.doc(macro=True))
    assert rejection.code == "unsafe_content"
    assert "macros" in rejection.message


def test_it_refuses_a_compound_file_that_is_not_a_word_document():
    assert refused("cv.doc", files.ole2({"Contents": b"x"})).code == "content_mismatch"


# --- PDF ---------------------------------------------------------------------------

HIDING_PLACES = [{}, {"escaped_names": True}, {"object_stream": True}]


def test_it_refuses_an_encrypted_pdf():
    rejection = refused("cv.pdf", files.pdf(SECRET, encrypted=True))
    assert rejection.code == "encrypted"
    assert "password-protected PDFs cannot be read by our team" in rejection.message


@pytest.mark.parametrize("options", HIDING_PLACES, ids=["plain", "#xx", "objstm"])
def test_it_refuses_a_pdf_with_a_launch_action(options):
    assert refused("cv.pdf", files.pdf(SECRET, launch=True, **options)).code == "unsafe_content"


@pytest.mark.parametrize("options", HIDING_PLACES, ids=["plain", "#xx", "objstm"])
def test_a_pdf_with_javascript_is_accepted_with_a_warning(options):
    result = validate_upload(name="cv.pdf", data=files.pdf(javascript=True, **options))
    assert result.warnings == ("pdf_javascript",)


@pytest.mark.parametrize("watched", formats._PDF_WATCHED)
def test_every_watched_pdf_name_is_found_whichever_characters_are_escaped(watched):
    """The search's lookahead (a watched name's first letter, or an escape) must not
    miss a name escaped anywhere, its first character included."""
    for escaped in range(len(watched) + 1):  # each position, and none
        for hex_format in ("02x", "02X"):
            name = "".join(
                f"#{ord(c):{hex_format}}" if i == escaped else c for i, c in enumerate(watched)
            )
            found = formats._pdf_names(b"<< /" + name.encode() + b" 1 0 R >>")
            assert watched in found, name
    assert formats._pdf_names(b"/" + watched.encode() + b"x /" + watched.lower().encode()) == {}


def test_a_name_that_merely_starts_like_js_is_no_warning():
    data = files.pdf().replace(b"/Type /Catalog", b"/Type /Catalog /JSON (x)", 1)
    assert validate_upload(name="cv.pdf", data=data).warnings == ()


def test_a_pdf_with_an_embedded_file_is_accepted_with_a_warning():
    data = files.pdf().replace(b"/Type /Catalog", b"/Type /Catalog /X << /Type /EmbeddedFile >>")
    assert validate_upload(name="cv.pdf", data=data).warnings == ("pdf_embedded_file",)


def test_it_refuses_a_truncated_pdf():
    data = files.pdf(SECRET * 200)
    assert refused("cv.pdf", data[: len(data) // 2]).code == "corrupt"


# --- Images ------------------------------------------------------------------------


@pytest.mark.parametrize("make", [files.png, files.jpeg], ids=["png", "jpeg"])
def test_it_refuses_an_image_over_the_pixel_limit(make):
    rejection = refused("photo." + ("png" if make is files.png else "jpg"), make(8000, 6000))
    assert rejection.code == "too_large"
    assert "8000 x 6000" in rejection.message
    assert "40 megapixels" in rejection.message


def test_it_takes_the_pixel_limit_from_settings(settings):
    settings.ATS_IMAGE_MAX_PIXELS = 10_000
    assert refused("photo.jpg", files.jpeg(101, 100)).code == "too_large"
    assert validate_upload(name="photo.jpg", data=files.jpeg(100, 100))


def test_it_refuses_a_png_with_a_corrupt_header():
    data = bytearray(files.png(64, 64))
    data[20] ^= 0x01  # change the height without fixing the IHDR checksum
    assert refused("photo.png", bytes(data)).code == "corrupt"


def test_it_refuses_a_png_of_zero_width():
    assert refused("photo.png", files.png(0, 10)).code == "corrupt"


def test_it_refuses_a_jpeg_that_ends_before_its_frame_header():
    data = files.jpeg(64, 64)
    frame = data.index(b"\xff\xc0")
    assert refused("photo.jpg", data[: frame + 6]).code == "corrupt"


def test_it_refuses_a_jpeg_whose_scan_comes_before_any_frame_header():
    data = files.jpeg(64, 64)
    frame = data.index(b"\xff\xc0")
    without_frame = data[:frame] + data[frame + 2 + int.from_bytes(data[frame + 2 : frame + 4]) :]
    assert refused("photo.jpg", without_frame).code == "corrupt"


# --- RTF ---------------------------------------------------------------------------


def test_it_refuses_an_rtf_with_an_embedded_object():
    rejection = refused("cv.rtf", files.rtf(SECRET, embedded_object=True))
    assert rejection.code == "unsafe_content"
    assert "embedded objects" in rejection.message


# --- Messages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        files.pdf(SECRET, launch=True),
        files.pdf(SECRET, encrypted=True),
        files.docx(SECRET, macro=True),
        files.rtf(SECRET, embedded_object=True),
        files.txt(SECRET + "\x00"),
        (f"<html><body>{SECRET}</body></html>").encode(),
    ],
    ids=["launch", "encrypted", "macro", "object", "nul", "html"],
)
def test_no_message_contains_the_file_content_or_the_raw_name(data):
    raw_name = "../" + SECRET + "\u202e.\x00pdf"
    for name in (raw_name, "cv.pdf", "cv.docx", "cv.rtf", "cv.txt"):
        with pytest.raises(UploadRejected) as caught:
            validate_upload(name=name, data=data)
        assert SECRET not in caught.value.message.replace(sanitize_filename(name), "")
        assert raw_name not in caught.value.message


def test_a_latin1_text_file_is_served_with_its_charset():
    from ats.vault.validate import validate_upload

    validated = validate_upload(name="letter.txt", data="Grüße, Zoë\n".encode("latin-1"))
    assert validated.content_type == "text/plain; charset=windows-1252"
    utf8 = validate_upload(name="letter.txt", data="Grüße, Zoë\n".encode())
    assert utf8.content_type == "text/plain; charset=utf-8"
