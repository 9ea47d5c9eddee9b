"""The pieces of reading a message: HTML to text, names, language, references, TNEF."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from careers_site.inbound import parse
from careers_site.inbound.ingest import _split_name, message_digest
from tests import vault_files
from tests.careers_site import eml


def test_html_to_text_keeps_text_and_paragraphs_and_drops_everything_else():
    html = (
        "<html><head><title>T</title><style>b{}</style></head><body>"
        "<p>Hello&nbsp;there &lt;team&gt;</p><script>evil()</script>"
        "<div>Line<br>break</div><a href='https://x.example'>link text</a></body></html>"
    )
    assert parse.html_to_text(html) == "Hello there <team>\n\nLine\nbreak\nlink text"


@given(st.text(max_size=300))
def test_html_to_text_never_fails_on_any_input(text):
    assert isinstance(parse.html_to_text(text), str)


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Zoë Ñúñez-O'Brien", ("Zoë", "Ñúñez-O'Brien")),
        ("Núñez, Zoë", ("Zoë", "Núñez")),
        ("Anna Maria de la Cruz", ("Anna Maria de la", "Cruz")),
        ("Prince", ("Prince", "")),
        ("", ("", "")),
    ],
)
def test_a_display_name_is_split_into_first_and_last_name(display, expected):
    assert _split_name(display) == expected


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        ("de", "", "de"),
        ("fr", "Dear team, please find my application attached.", "en"),
        ("", "Sehr geehrte Damen und Herren, anbei meine Bewerbung.", "de"),
        ("", "Dear team, I am applying for the position.", "en"),
        ("", "12345", "en"),
    ],
)
def test_the_reply_language(declared, text, expected):
    assert parse.guess_language(declared=declared, text=text) == expected


def test_references_come_from_the_plus_address_first_then_the_subject():
    found = parse.reference_candidates(
        recipients=["Jobs <jobs@x.example>", "jobs+ab12cd34@x.example"],
        subject="Application for 99FF00AA",
    )
    assert found[0] == "AB12CD34"
    assert "99FF00AA" in found


def test_a_tnef_blob_written_by_the_tests_reads_back_with_tnefparse():
    from tnefparse import TNEF

    blob = eml.tnef([("cv.pdf", vault_files.pdf("x")), ("a.txt", b"A\n")])
    parsed = TNEF(blob)
    assert [(a.name, a.data) for a in parsed.attachments] == [
        ("cv.pdf", vault_files.pdf("x")),
        ("a.txt", b"A\n"),
    ]
    assert all(obj.good_checksum for obj in parsed.objects)


def test_the_dedup_digest_is_keyed_and_names_nobody(settings):
    digest = message_digest("abc@example.org", b"")
    assert digest == message_digest("abc@example.org", b"other bytes")
    assert "example" not in digest and len(digest) == 64
    settings.SECRET_KEY = "another key for this test only, long enough to be valid"
    assert message_digest("abc@example.org", b"") != digest
    assert message_digest("", b"one") != message_digest("", b"two")
