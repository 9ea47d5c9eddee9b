"""The pool search's index through a document's and an entry's life: a document stored
while the scanner was down is indexed once its rescan finds it clean; an ended entry
keeps no index data; a member whose processing is restricted is out of every view until
the restriction is lifted. Run on SQLite and on PostgreSQL (the rescan test needs clamd:
CLAMD_HOST and CLAMD_PORT, started by .ci/services.sh in CI)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ats.models import DataRequest, Document
from ats.services.requests import data_request_create, restriction_lift, restriction_place
from ats.tasks import rescan_pending_documents
from ats.vault.intake import document_intake
from talentpool.models import DocumentText, Source, TalentPoolEntry
from talentpool.search import PoolQuery, pool_search
from talentpool.selectors import visible_pool_entries
from talentpool.services import pool_expire_due, pool_withdraw
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


# --- A pending document, clean on its rescan --------------------------------------------


def test_a_document_pending_at_intake_is_searchable_once_its_rescan_finds_it_clean(
    db, hanna, vault, vacancy_a, settings
):
    host, port = test_services.clamd_address()  # skipped (or failed in CI) without clamd
    settings.DEVELOPMENT = False
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", test_services.free_port()
    settings.CLAMD_TIMEOUT = 2
    late = person("Pending")
    member(late, skills=["Go"])
    application = application_with(late, vacancy_a)
    document = document_intake(
        application=application,
        kind=Document.Kind.CV,
        name="cv.odt",
        data=vault_files.odt("Zertifizierte Schweißfachingenieurin"),
    )
    assert document.scan_status == Document.ScanStatus.PENDING
    assert found(hanna, text="schweissfach") == []  # not read before it is scanned
    assert not DocumentText.objects.exists()

    settings.CLAMD_HOST, settings.CLAMD_PORT = host, port
    Document.objects.filter(pk=document.pk).update(next_scan_at=timezone.now())
    assert rescan_pending_documents() == 1
    assert Document.objects.get(pk=document.pk).scan_status == Document.ScanStatus.CLEAN
    assert found(hanna, text="schweissfach") == ["Pending"]
    assert DocumentText.objects.get().document_id == document.pk


def test_a_rescanned_document_of_someone_outside_the_pool_is_not_indexed(
    db, hanna, vault, vacancy_a, settings
):
    host, port = test_services.clamd_address()
    settings.DEVELOPMENT = False
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", test_services.free_port()
    settings.CLAMD_TIMEOUT = 2
    outsider = person("Outsider")
    application = application_with(outsider, vacancy_a)
    document_intake(
        application=application, kind="cv", name="cv.txt", data=vault_files.txt("Imkerin\n")
    )
    settings.CLAMD_HOST, settings.CLAMD_PORT = host, port
    Document.objects.update(next_scan_at=timezone.now())
    assert rescan_pending_documents() == 1
    assert not DocumentText.objects.exists()


# --- An ended entry keeps no index data -------------------------------------------------


def index_data(entry: TalentPoolEntry) -> dict:
    """What the search holds of the entry: its vectors (PostgreSQL) and its indexed
    texts (lexemes on PostgreSQL, sealed text elsewhere)."""
    row = TalentPoolEntry.objects.filter(pk=entry.pk).values("search_vector", "profile_vector")
    return {**row.get(), "texts": DocumentText.objects.filter(entry=entry.pk).count()}


@pytest.mark.parametrize("ending", ["withdrawn", "expired"])
def test_an_ended_entry_keeps_no_index_data(db, hanna, vault, vacancy_a, ending):
    anna = person("Anna")
    # An open application keeps the person (and the entry row) after the pool ends.
    application_with(anna, vacancy_a, [("cv.pdf", vault_files.pdf("Kotlin developer"))])
    entry = member(anna, skills=["Kotlin"], tags=["remote"], location="Berlin", days_left=3)
    before = index_data(entry)
    assert before["texts"] == 1
    if connection.vendor == "postgresql":
        assert before["search_vector"] and before["profile_vector"]
    assert found(hanna, text="kotlin") == ["Anna"]

    if ending == "withdrawn":
        assert pool_withdraw(entry=entry, via="self_service")
    else:
        assert pool_expire_due(now=timezone.now() + timedelta(days=4)) == 1
    entry.refresh_from_db()
    assert entry.ended_at is not None
    assert index_data(entry) == {"search_vector": None, "profile_vector": None, "texts": 0}
    # A later change of the person (their name) does not index the ended entry again.
    anna.last_name = "Renamed"
    anna.save()
    assert index_data(entry) == {"search_vector": None, "profile_vector": None, "texts": 0}


# --- A restricted member is out of every view -------------------------------------------


def restrict(candidate, application=None):
    """What the self-service's restriction request does (careers_site.selfservice):
    a request about one application, or about all of them (application empty)."""
    request = data_request_create(
        kind=DataRequest.Kind.RESTRICTION,
        via=DataRequest.Via.SELF_SERVICE,
        candidate=candidate,
        application=application,
        reason="Please check my data first.",
    )
    targets = [application] if application else list(candidate.applications.all())
    return [restriction_place(application=a, request=request) for a in targets]


def test_a_person_wide_restriction_hides_the_member_until_lifted(
    db, client, hanna, max_manager, vacancy_a
):
    restricted, other = person("Restricted"), person("Other")
    for candidate in (restricted, other):
        application_with(candidate, vacancy_a)
        application_with(candidate, None)
        entry = member(candidate, skills=["Python"])
        entry.shared_with.add(vacancy_a)
    entry = TalentPoolEntry.objects.get(candidate=restricted)
    restrictions = restrict(restricted)
    assert len(restrictions) == 2

    assert found(hanna, text="python") == ["Other"]
    assert found(hanna) == ["Other"] and found(max_manager) == ["Other"]
    client.force_login(hanna)
    assert client.get(f"/recruit/pool/{entry.pk}/").status_code == 404
    assert client.get("/recruit/pool/?q=python").status_code == 200

    # Lifted for one application only: the person-wide restriction still holds.
    restriction_lift(restriction=restrictions[0], by=hanna)
    assert found(hanna, text="python") == ["Other"]
    restriction_lift(restriction=restrictions[1], by=hanna)
    assert sorted(found(hanna, text="python")) == ["Other", "Restricted"]
    assert client.get(f"/recruit/pool/{entry.pk}/").status_code == 200


def test_restricting_one_application_leaves_the_membership(db, hanna, vacancy_a, vacancy_b):
    candidate = person("Partly")
    frozen = application_with(candidate, vacancy_a)
    application_with(candidate, vacancy_b)
    member(candidate, skills=["Python"])
    restrict(candidate, frozen)
    assert found(hanna, text="python") == ["Partly"]


def test_restricting_the_pool_form_application_hides_the_member(db, hanna):
    candidate = person("Formed")
    own = application_with(candidate, None)  # the unsolicited one of the pool form
    entry = member(candidate, skills=["Python"], source=Source.POOL_FORM)
    TalentPoolEntry.objects.filter(pk=entry.pk).update(application=own)
    restrict(candidate, own)
    assert found(hanna, text="python") == [] and found(hanna) == []
