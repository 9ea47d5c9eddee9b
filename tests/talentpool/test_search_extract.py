"""Text extraction for the pool search (ats/vault/extract.py): real files built in
memory, bounded, and a broken file gives "" and is counted, never raised or logged."""

from __future__ import annotations

import logging

from ats.vault import extract
from ats.vault.extract import DOCX, ODT, PDF, TXT, extract_text
from tests import vault_files


def test_each_format_gives_its_text():
    assert extract_text(vault_files.pdf("Kotlin developer"), PDF) == "Kotlin developer"
    assert extract_text(vault_files.docx("Zoë & Co <GmbH>"), DOCX) == "Zoë & Co <GmbH>"
    assert extract_text(vault_files.odt("Gärtnerin"), ODT) == "Gärtnerin"
    assert extract_text(vault_files.txt("Straße\n"), "text/plain; charset=utf-8") == "Straße"
    cp1252 = vault_files.txt("Geprüft", encoding="cp1252")
    assert extract_text(cp1252, "text/plain; charset=windows-1252") == "Geprüft"


def test_formats_without_text_give_nothing():
    assert extract_text(vault_files.png(), "image/png") == ""


def test_a_broken_file_gives_nothing_is_counted_and_its_content_never_logged(caplog):
    before = extract.failures["pdf"]
    with caplog.at_level(logging.WARNING):
        assert extract_text(b"%PDF-1.7 secret words and garbage", PDF) == ""
    assert extract.failures["pdf"] == before + 1
    assert "secret" not in caplog.text
    assert extract_text(b"PK\x03\x04 not a zip", DOCX) == ""


def test_the_text_is_capped():
    text = extract_text(vault_files.txt("word " * 50_000), TXT, max_chars=1000)
    assert len(text) <= 1000


def test_a_zip_bomb_is_read_only_up_to_the_limit():
    # 50 MiB of zeros inside a DOCX: the reader stops at MAX_XML_BYTES, quickly.
    assert extract_text(vault_files.zip_bomb_docx(50), DOCX) == "A CV"


def test_it_stops_when_time_is_up():
    before = extract.failures["plain_timeout"]
    extract_text(vault_files.txt("x " * 1000), TXT, max_seconds=-1)
    assert extract.failures["plain_timeout"] == before + 1
