"""The pool search, through the real intake and the real database: PostgreSQL's
full-text index in CI, the sealed-text fallback on SQLite (run the file on both).
Ranking, accents, German compounds, filters, and that ended or expired members never
appear."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from talentpool.models import DocumentText, EndReason, TalentPoolEntry
from talentpool.search import (
    CappedPaginator,
    PoolQuery,
    fold,
    pool_index_entry,
    pool_search,
    pool_search_page,
    words,
)
from talentpool.selectors import visible_pool_entries
from tests import services as test_services
from tests import vault_files
from tests.ats.vault.conftest import use_local_storage
from tests.talentpool.pool_people import application_with, member, person


@pytest.fixture
def vault(settings, tmp_path):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True


def found(user, **query) -> list[str]:
    return [
        e.candidate.first_name for e in pool_search(visible_pool_entries(user), PoolQuery(**query))
    ]


def test_it_folds_accents_and_case_the_same_way_on_both_sides():
    assert fold("Zoë Ñúñez-O'Brien Straße") == "zoe nunez-o'brien strasse"
    assert words("Zoë, C++ & Node_JS") == ["zoe", "c", "node", "js"]


def test_an_exact_skill_match_ranks_first(db, hanna):
    # A CV that says "Python" (weight D) and a tag, a name and a prefix skill: all match
    # the word, the person whose skill *is* Python comes first.
    member(person("Tagged"), tags=["python"])
    member(person("Prefixed"), skills=["Python scripting"])
    member(person("Exact"), skills=["Go", "Python"])
    member(person("Pythonista"), location="Berlin")
    member(person("Unrelated"), skills=["Java"])
    result = found(hanna, text="python")
    assert result[0] == "Exact"
    # The page marks the exact match ("Skill match"), and only it.
    marked = pool_search(visible_pool_entries(hanna), PoolQuery(text="python"))
    assert [e.candidate.first_name for e in marked if e.exact_skill] == ["Exact"]
    assert set(result) == {"Exact", "Prefixed", "Tagged", "Pythonista"}
    # Skills (A) outrank tags (B), which outrank the profile (C).
    assert result.index("Tagged") < result.index("Pythonista")


def test_a_skill_beats_a_cv_that_repeats_the_word(db, hanna, vault, vacancy_a):
    cv = vault_files.docx("Kubernetes " * 200)
    repeater = person("Repeater")
    application_with(repeater, vacancy_a, [("cv.docx", cv)])
    member(repeater)
    member(person("Skilled"), skills=["Kubernetes"])
    assert found(hanna, text="kubernetes") == ["Skilled", "Repeater"]


def test_accents_match_either_way(db, hanna, zoe):
    member(zoe, location="Köln")
    member(person("Zoe", "Plain"), location="Koln")
    assert sorted(found(hanna, text="Zoe")) == ["Zoe", "Zoë"]
    assert sorted(found(hanna, text="zoë")) == ["Zoe", "Zoë"]
    assert sorted(found(hanna, text="nunez")) == ["Zoë"]
    assert sorted(found(hanna, text="köln")) == ["Zoe", "Zoë"]


def test_german_compounds_are_found_by_their_first_part(db, hanna, vault, vacancy_a):
    anna = person("Anna")
    application_with(
        anna, vacancy_a, [("cv.odt", vault_files.odt("Softwareentwicklerin bei Großbank"))]
    )
    member(anna)
    assert found(hanna, text="Software") == ["Anna"]
    assert found(hanna, text="softwareentwickler") == ["Anna"]
    assert found(hanna, text="grossbank") == ["Anna"]
    # A compound is not found by its last part: documented in docs/talent-pool.md.
    assert found(hanna, text="Entwicklerin") == []


def test_every_word_must_match(db, hanna):
    member(person("Both"), skills=["Python", "Django"])
    member(person("One"), skills=["Python"])
    assert found(hanna, text="python django") == ["Both"]


def test_it_finds_words_in_each_document_format_through_the_intake(db, hanna, vault, vacancy_a):
    files = {
        "Pdf": ("cv.pdf", vault_files.pdf("Experienced Kotlin developer")),
        "Docx": ("cv.docx", vault_files.docx("Erfahrene Fluglotsin")),
        "Odt": ("cv.odt", vault_files.odt("Zertifizierter Imker")),
        "Txt": ("cv.txt", vault_files.txt("Geprüfte Bilanzbuchhalterin\n")),
    }
    for name, upload in files.items():
        candidate = person(name)
        member(candidate)  # in the pool first: indexed at intake, from memory
        application_with(candidate, vacancy_a, [upload])
    assert found(hanna, text="kotlin") == ["Pdf"]
    assert found(hanna, text="fluglotsin") == ["Docx"]
    assert found(hanna, text="imker") == ["Odt"]
    assert found(hanna, text="gepruefte") == []  # folding is not transliteration
    assert found(hanna, text="geprufte bilanz") == ["Txt"]
    assert DocumentText.objects.count() == 4


def test_a_new_entry_indexes_documents_stored_before_it(db, hanna, vault, vacancy_a):
    late = person("Late")
    application_with(late, vacancy_a, [("cv.pdf", vault_files.pdf("Rust embedded"))])
    assert found(hanna, text="rust") == []
    entry = member(late)  # its creation indexes the existing documents
    assert found(hanna, text="rust embedded") == ["Late"]
    assert pool_index_entry(entry) == 0  # nothing left to index


def test_skill_and_tag_filters_are_exact_and_accent_blind(db, hanna):
    member(person("Java"), skills=["Java"], tags=["Übergang"])
    member(person("Script"), skills=["JavaScript"], tags=["Remote"])
    member(person("Ml"), skills=["Machine Learning", "Java"], tags=["uebergang"])
    assert sorted(found(hanna, skills=["java"])) == ["Java", "Ml"]
    assert found(hanna, skills=["machine learning"]) == ["Ml"]
    assert found(hanna, tags=["ubergang"]) == ["Java"]
    assert found(hanna, skills=["Java"], tags=["remote"]) == []


def test_location_and_expiry_filters(db, hanna):
    member(person("Soon"), location="Berlin-Mitte", days_left=10)
    member(person("Later"), location="Berlin", days_left=100)
    member(person("Elsewhere"), location="Hamburg", days_left=5)
    assert found(hanna, location="berlin") == ["Soon", "Later"]
    assert found(hanna, expiring_within_days=30) == ["Elsewhere", "Soon"]
    assert found(hanna, location="Berlin", expiring_within_days=30, text="soon") == ["Soon"]


def test_withdrawn_ended_and_expired_members_never_appear(db, hanna):
    member(person("Current"), skills=["Python"])
    withdrawn = member(person("Withdrawn"), skills=["Python"])
    TalentPoolEntry.objects.filter(pk=withdrawn.pk).update(
        ended_at=timezone.now(), end_reason=EndReason.WITHDRAWN
    )
    member(person("Expiring"), skills=["Python"], days_left=3)
    assert sorted(found(hanna, text="python")) == ["Current", "Expiring"]
    # Expired before the marking job ran: out at once.
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert found(hanna, text="python") == ["Current"]
        assert found(hanna) == ["Current"]


def test_a_hiring_manager_searches_only_members_shared_with_them(
    db, max_manager, brigitte, vacancy_a, vacancy_b
):
    shared = member(person("Shared"), skills=["Python"])
    shared.shared_with.add(vacancy_a)
    other = member(person("Other"), skills=["Python"])
    other.shared_with.add(vacancy_b)
    member(person("Unshared"), skills=["Python"])
    assert found(max_manager, text="python") == ["Shared"]
    assert found(max_manager) == ["Shared"]
    assert found(brigitte, text="python") == ["Other"]


def test_management_sees_no_member(db, mia):
    member(person("Anyone"), skills=["Python"])
    assert found(mia) == [] and found(mia, text="python") == []


def test_a_profile_change_is_searchable_at_once(db, hanna):
    entry = member(person("Changing"), skills=["Cobol"])
    entry.skills = ["Fortran"]
    entry.save(update_fields=["skills"])
    assert found(hanna, text="fortran") == ["Changing"]
    assert found(hanna, text="cobol") == []


def test_query_syntax_is_only_ever_words(db, hanna):
    member(person("Safe"), skills=["Python"])
    for text in ["python:*A | !", "'); DROP TABLE x; --", "&&&", "<->", "python & !"]:
        found(hanna, text=text)  # no error, no injection
    assert found(hanna, text="python:* | !") == ["Safe"]


# --- PostgreSQL: what the index stores -------------------------------------------------


@pytest.fixture
def postgresql(db):
    if connection.vendor != "postgresql":
        test_services.missing("PostgreSQL", f"the suite runs on {connection.vendor}")


def test_postgresql_stores_lexemes_in_alphabetical_order_and_no_text(
    postgresql, hanna, vault, vacancy_a
):
    candidate = person("Order")
    member(candidate)
    application_with(
        candidate, vacancy_a, [("cv.docx", vault_files.docx("Zebra Yacht Apfel Zebra"))]
    )
    row = DocumentText.objects.get()
    assert row.sealed_text in (b"", memoryview(b"")) or bytes(row.sealed_text) == b""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM talentpool_documenttext WHERE id = %s", [row.pk]
        )
        (vector,) = cursor.fetchone()
    assert vector == "'apfel':1 'yacht':2 'zebra':3"


def test_postgresql_uses_the_gin_index(postgresql, hanna):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'talentpool_entry_search_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition


def test_the_fallback_seals_the_text(db, hanna, vault, vacancy_a, monkeypatch):
    # The development fallback (SQLite), forced on any database so that it runs in CI too.
    monkeypatch.setattr("talentpool.search.on_postgresql", lambda: False)
    candidate = person("Sealed")
    member(candidate)
    application_with(candidate, vacancy_a, [("cv.txt", vault_files.txt("Geheimer Lebenslauf"))])
    row = DocumentText.objects.get()
    assert b"Geheimer" not in bytes(row.sealed_text) and row.search_vector is None


# --- The order in two parts, pages and the capped count ----------------------------------


def with_cv_text(first: str, vacancy, text: str, **fields):
    candidate = person(first)
    application_with(candidate, vacancy, [("cv.txt", vault_files.txt(text + "\n"))])
    return member(candidate, **fields)


def test_profile_matches_come_first_then_document_matches_by_expiry(db, hanna, vault, vacancy_a):
    with_cv_text("DocLate", vacancy_a, "Kotlin backend", days_left=100)
    with_cv_text("DocEarly", vacancy_a, "Kotlin mobile", days_left=5)
    member(person("Tagged"), tags=["kotlin"], days_left=150)
    member(person("Skilled"), skills=["Kotlin"], days_left=120)
    member(person("Placed"), location="Kotlinstadt", days_left=90)
    # Profile matches by rank (exact skill, skills A, tags B, the rest C), then the
    # members only their documents name, soonest expiry first, whatever their rank.
    assert found(hanna, text="kotlin") == ["Skilled", "Tagged", "Placed", "DocEarly", "DocLate"]
    # Every word must match somewhere; one in the profile makes a profile match.
    assert found(hanna, text="kotlin mobile") == ["DocEarly"]
    member(person("Both"), skills=["Kotlin"], tags=["mobile"], days_left=1)
    assert found(hanna, text="kotlin mobile") == ["Both", "DocEarly"]


def test_pages_run_on_from_the_ranked_part_into_the_rest(db, hanna, vault, vacancy_a):
    for n in range(3):
        member(person(f"Skill{n}"), skills=["Elixir"], days_left=50 + n)
    for n in range(4):
        with_cv_text(f"Cv{n}", vacancy_a, "Elixir Phoenix", days_left=10 + n)
    everyone = found(hanna, text="elixir")
    assert everyone == ["Skill0", "Skill1", "Skill2", "Cv0", "Cv1", "Cv2", "Cv3"]
    paged = []
    for number in (1, 2, 3, 4):
        page = pool_search_page(visible_pool_entries(hanna), PoolQuery(text="elixir"), number, 2)
        assert page.paginator.count == 7 and not page.paginator.capped
        paged += [entry.candidate.first_name for entry in page]
    assert paged == everyone
    # A page that starts after the last profile match (the third page of 2 and 3).
    page = pool_search_page(visible_pool_entries(hanna), PoolQuery(text="elixir"), 2, 4)
    assert [entry.candidate.first_name for entry in page] == ["Cv1", "Cv2", "Cv3"]


def test_the_count_stops_at_the_cap_and_says_so(db, hanna, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for n in range(5):
        member(person(f"Many{n}"), skills=["Haskell"], days_left=20 + n)
    member(person("Few"), skills=["Ocaml"])
    for query in (PoolQuery(text="haskell"), PoolQuery(skills=["Haskell"]), PoolQuery()):
        page = pool_search_page(visible_pool_entries(hanna), query, 1, 2)
        assert (page.paginator.count, page.paginator.capped) == (3, True)
        assert page.paginator.num_pages == 2
        assert "More than 3 members match" in page.paginator.capped_note
    last = pool_search_page(visible_pool_entries(hanna), PoolQuery(text="haskell"), 9, 2)
    assert last.number == 2 and [e.candidate.first_name for e in last] == ["Many2"]
    page = pool_search_page(visible_pool_entries(hanna), PoolQuery(text="ocaml"), 1, 2)
    assert (page.paginator.count, page.paginator.capped, page.paginator.capped_note) == (
        1,
        False,
        "",
    )


def test_the_search_page_says_when_more_members_match_than_it_lists(db, client, hanna, monkeypatch):
    from django.urls import reverse

    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for n in range(5):
        member(person(f"Many{n}"), skills=["Haskell"])
    client.force_login(hanna)
    url = reverse("talentpool_recruit:search")
    page = client.get(url, {"q": "haskell"}).content.decode()
    assert "More than 3 members match" in page
    assert "More than" not in client.get(url, {"q": "nothing-like-it"}).content.decode()
