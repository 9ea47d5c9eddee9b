"""The German translation: the catalogue is complete and compiled, and the careers site,
from the job board to the confirmation email, speaks German to a German visitor."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ats.models import Application, ConsentText
from tests import services, vault_files

LC_MESSAGES = Path(django_settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

# Printf placeholders (%(name)s, %d, %s), str.format fields ({name}) and HTML tags, all of
# which must come through a translation unchanged.
_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w*\}|<[^<>]+>")

# What an English page says and its German version must not.
ENGLISH = (
    "Open positions",
    "Unsolicited application",
    "Privacy notice",
    "Your data",
    "Skip to content",
    "Apply for this position",
    "First name",
    "Last name",
    "Telephone",
    "How did you hear about us?",
    "Send application",
    "Your documents",
    "Prefer not to say",
    "Full-time",
    "We received your application",
    "What we received",
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    where: str = ""

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text.strip()[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header included, obsolete #~ entries left out)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, strings, current = Entry(), {}, None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                entry.where = entry.where or line[2:].split()[0]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                strings[current].append(_unquote(line))
            else:
                current, _, value = line.partition(" ")
                strings[current] = [_unquote(value)]
        if "msgid" not in strings:
            continue
        text = {keyword: "".join(parts) for keyword, parts in strings.items()}
        entry.msgid = text.pop("msgid")
        entry.msgid_plural = text.pop("msgid_plural", None)
        entry.msgctxt = text.pop("msgctxt", None)
        for keyword, value in text.items():
            index = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            assert index, f"{path}: unexpected keyword {keyword!r}"
            entry.msgstr[int(index.group(1) or 0)] = value
        entries.append(entry)
    return entries


def messages() -> list[Entry]:
    return [entry for entry in parse_po(PO) if entry.msgid]


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as mo:
        catalog = dict(gettext.GNUTranslations(mo)._catalog)
    catalog.pop("", None)  # the header
    return catalog


# --- The catalogue --------------------------------------------------------------------


def test_the_catalogue_is_german_with_two_plural_forms():
    header = parse_po(PO)[0]
    assert header.msgid == ""
    assert "Language: de\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "fuzzy" not in header.flags
    assert len(messages()) > 200


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated = [e.where for e in messages() if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.where for e in messages() if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_every_plural_has_both_german_forms():
    plurals = [e for e in messages() if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr) == [0, 1], entry.where
        assert entry.msgstr[0] != entry.msgstr[1], entry.where


def test_placeholders_and_markup_match_between_msgid_and_msgstr():
    for entry in messages():
        for index, german_text in entry.msgstr.items():
            source = entry.msgid if index == 0 else entry.msgid_plural
            assert placeholders(german_text) == placeholders(source), (
                f"{entry.where}: {entry.msgid!r} -> {german_text!r}"
            )


def test_the_compiled_catalogue_holds_every_translation_of_the_po():
    expected: dict = {}
    for entry in messages():
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out (and the tests above fail on them)
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, i): text for i, text in entry.msgstr.items()})
    assert mo_catalog(MO) == expected, "django.mo is out of date: run compilemessages"


def test_the_compiled_catalogue_is_what_msgfmt_makes_of_the_po(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        # Skipped on a bare machine without gettext; .ci/run installs it, and there
        # ATS_REQUIRE_SERVICES=1 makes its absence a failure.
        services.missing("msgfmt", "Debian's gettext is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO)], check=True)
    assert mo_catalog(MO) == mo_catalog(fresh), "django.mo is out of date: run compilemessages"


# --- The careers site in German ---------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Local storage in a temp dir, no scanner (development mode)."""
    from tests.ats.vault.conftest import use_local_storage

    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the request's language for the thread and nothing
    deactivates it after the response: without this, the tests that run next (service
    and validation tests, outside any request) would speak German."""
    yield
    translation.deactivate()


@pytest.fixture
def german(client):
    """A visitor whose browser asks for German."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    return client


def assert_german(page: str, *expected: str) -> None:
    for text in expected:
        assert text in page, f"missing German text: {text!r}"
    english = [text for text in ENGLISH if text in page]
    assert not english, f"English left on a German page: {english}"


def apply_url(vacancy) -> str:
    return f"/careers/{vacancy.reference}/apply/"


def application_data(**overrides) -> dict:
    data = {
        "first_name": "Zoë",
        "last_name": "Ñúñez-O'Brien",
        "email": "zoe@example.org",
        "phone": "+49 30 1234567",
        "channel": "referral",
        "gender": "not_stated",
        "submission_key": str(uuid.uuid4()),
        "cv": SimpleUploadedFile("lebenslauf.pdf", vault_files.pdf("Lebenslauf")),
        "talent_pool_consent": "on",
    }
    data.update(overrides)
    return data


def test_the_board_is_in_german(german, vacancy_a):
    page = german.get("/").content.decode()
    assert 'lang="de"' in page
    assert_german(
        page,
        "Offene Stellen",
        "Initiativbewerbung",
        "Beschäftigungsart",
        "Alle Abteilungen",
        "1 offene Stelle",
        "Vollzeit",
        "Datenschutzhinweise",
    )


def test_the_language_link_switches_to_german_and_back(client, vacancy_a):
    assert "Open positions" in client.get("/").content.decode()
    response = client.get("/language/de/", {"next": "/careers/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "de"
    assert_german(client.get(response["Location"]).content.decode(), "Offene Stellen")
    assert_german(client.get(vacancy_a.get_absolute_url()).content.decode(), "Jetzt bewerben")
    client.get("/language/en/", {"next": "/careers/"})
    assert "Open positions" in client.get("/careers/").content.decode()


def test_the_language_links_name_each_language_in_itself(german, db):
    for language in ("en", "de"):
        html = german.get("/privacy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        links = dict(re.findall(r'<a [^>]*\bhreflang="(\w+)"[^>]*>([^<]+)</a>', html))
        assert links == {"en": "English", "de": "Deutsch"}, language


def test_english_stays_the_default(client, vacancy_a):
    page = client.get(vacancy_a.get_absolute_url()).content.decode()
    assert "Apply for this position" in page and "Full-time" in page
    assert "Jetzt bewerben" not in page and "Vollzeit" not in page


def test_a_vacancy_page_is_in_german(german, vacancy_a):
    page = german.get(vacancy_a.get_absolute_url()).content.decode()
    assert_german(
        page,
        "Alle offenen Stellen",
        "Abteilung",
        "Standort",
        "Beschäftigungsart",
        "Vollzeit",
        "Veröffentlicht",
        "Jetzt bewerben",
        "Über die Stelle",
    )


def test_the_application_form_is_in_german_with_the_german_consent_texts(
    german, vacancy_a, settings
):
    settings.ATS_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    page = german.get(apply_url(vacancy_a)).content.decode()
    assert_german(
        page,
        "Jetzt bewerben: Backend Engineer",
        "Mit * gekennzeichnete Felder sind Pflichtfelder.",
        "Angaben zu Ihrer Person",
        "Vorname",
        "Nachname",
        "Telefonnummer",
        "Wie sind Sie auf uns aufmerksam geworden?",
        "Bekannte oder Mitarbeitende",
        "Keine Angabe",
        "Lebenslauf",
        "Zeugnisse und Referenzen",
        "höchstens 10 MB pro Datei",
        "Optional: unser Talentpool",
        "Bewerbung absenden",
    )
    for purpose in ("special_category", "talent_pool"):
        german_text = ConsentText.objects.get(purpose=purpose, language="de").text
        english_text = ConsentText.objects.get(purpose=purpose, language="en").text
        assert german_text[:60] in page and english_text[:60] not in page


def test_the_form_errors_are_in_german(german, vacancy_a):
    response = german.post(apply_url(vacancy_a), application_data(phone="call me"))
    assert response.status_code == 400
    page = response.content.decode()
    assert_german(
        page,
        "Bitte prüfen Sie Ihre Angaben",
        "Bitte geben Sie eine Telefonnummer nur mit Ziffern ein",
        "Bitte wählen Sie Ihre Dateien erneut aus.",
    )
    assert "Please check your application" not in page


def test_a_refused_file_is_explained_in_german(german, vacancy_a):
    disguised = SimpleUploadedFile("lebenslauf.pdf", vault_files.elf())
    response = german.post(apply_url(vacancy_a), application_data(cv=disguised))
    assert response.status_code == 400
    assert_german(
        response.content.decode(),
        "Die Datei lebenslauf.pdf sieht nicht wie eine PDF-Datei aus.",
        "Bitte prüfen Sie, ob Sie die richtige Datei ausgewählt haben.",
    )
    assert not Application.objects.exists()


def test_the_privacy_notice_is_in_german(german, db):
    page = german.get("/privacy/").content.decode()
    assert_german(page, "Datenschutzhinweise für Bewerbende", "Talentpool", "Zuletzt aktualisiert:")
    assert "Privacy notice for applicants" not in page


def test_the_confirmation_page_and_email_are_in_german(
    german, vacancy_a, settings, django_capture_on_commit_callbacks
):
    settings.ATS_APPLICATION_RETENTION_MONTHS = 6
    with django_capture_on_commit_callbacks(execute=True):
        response = german.post(apply_url(vacancy_a), application_data())
    assert response.status_code == 302
    assert Application.objects.get().candidate.language == "de"

    page = german.get(response["Location"]).content.decode()
    assert_german(
        page,
        "Bewerbung eingegangen",
        "Vielen Dank, wir haben Ihre Bewerbung erhalten",
        "noch 6 Monate auf",
        "Zurück zu den offenen Stellen",
    )

    (message,) = mail.outbox
    assert message.subject == "Hirewell: Wir haben Ihre Bewerbung erhalten"
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert_german(
            body,
            "Hallo Zoë,",
            "vielen Dank für Ihre Bewerbung auf die Stelle „Backend Engineer“",
            "Das haben wir erhalten:",
            "Lebenslauf: lebenslauf.pdf",
            "noch 6 Monate auf",
            "Talentpool",
            "Ihre Daten einsehen und verwalten",
        )


def test_the_feed_is_in_german(german, vacancy_a):
    feed = german.get("/careers/feed.atom").content.decode()
    assert "Offene Stellen bei Hirewell" in feed and "Open positions" not in feed
