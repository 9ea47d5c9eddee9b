"""The pool in the recruiter workspace: who sees which member, the member's file, HR's
edits and sharing, document downloads through the vault, the dashboard numbers, and
purpose limitation (an application stays with its vacancy)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from ats.models import AuditEvent
from talentpool.models import PoolMonthlyCount
from tests import vault_files
from tests.ats.vault.conftest import use_local_storage
from tests.talentpool.pool_people import application_with, member, person


@pytest.fixture
def vault(settings, tmp_path):
    use_local_storage(settings, tmp_path)
    settings.CLAMD_HOST, settings.CLAMD_SOCKET, settings.DEVELOPMENT = "", "", True


@pytest.fixture
def zoes_entry(zoe, vault, vacancy_a):
    application_with(zoe, vacancy_a, [("cv.pdf", vault_files.pdf("Python developer"))])
    return member(zoe, skills=["Python"], tags=["backend"], location="Berlin")


def test_hr_searches_the_pool_and_opens_a_member(client, hanna, zoes_entry):
    client.force_login(hanna)
    page = client.get(reverse("talentpool_recruit:search"), {"q": "python"})
    assert page.status_code == 200
    assert "Zoë" in page.content.decode()
    member_url = reverse("talentpool_recruit:member", args=[zoes_entry.pk])
    assert member_url in page.content.decode()
    file = client.get(member_url)
    text = file.content.decode()
    assert file.status_code == 200
    assert "zoe.nunez@example.org" in text and "text version 1" in text
    assert AuditEvent.objects.filter(
        action="talent_pool_member_viewed", target_id=str(zoes_entry.pk)
    ).exists()


def test_a_hiring_manager_gets_404_for_unshared_members_searching_included(
    client, max_manager, zoes_entry, vacancy_b
):
    client.force_login(max_manager)
    page = client.get(reverse("talentpool_recruit:search"), {"q": "zoe"})
    assert page.status_code == 200 and "Zoë" not in page.content.decode()
    assert client.get(reverse("talentpool_recruit:member", args=[zoes_entry.pk])).status_code == 404
    zoes_entry.shared_with.add(vacancy_b)  # another manager's vacancy: still not Max's
    assert client.get(reverse("talentpool_recruit:member", args=[zoes_entry.pk])).status_code == 404


def test_a_hiring_manager_sees_a_member_shared_with_their_vacancy(
    client, hanna, max_manager, zoes_entry, vacancy_a
):
    client.force_login(hanna)
    response = client.post(
        reverse("talentpool_recruit:member_share", args=[zoes_entry.pk]),
        {"vacancies": [vacancy_a.pk]},
    )
    assert response.status_code == 302
    client.force_login(max_manager)
    assert "Zoë" in client.get(reverse("talentpool_recruit:search"), {"q": "zoe"}).content.decode()
    file = client.get(reverse("talentpool_recruit:member", args=[zoes_entry.pk]))
    assert file.status_code == 200
    # A manager may not edit or share.
    edit = reverse("talentpool_recruit:member_profile", args=[zoes_entry.pk])
    assert client.post(edit, {"skills": "Cobol"}).status_code == 404
    share = reverse("talentpool_recruit:member_share", args=[zoes_entry.pk])
    assert client.post(share, {"vacancies": []}).status_code == 404


def test_management_has_no_pool(client, mia, zoes_entry):
    client.force_login(mia)
    assert client.get(reverse("talentpool_recruit:search")).status_code == 404
    assert client.get(reverse("talentpool_recruit:member", args=[zoes_entry.pk])).status_code == 404


def test_hr_edits_location_skills_and_tags_and_the_search_follows(client, hanna, zoes_entry):
    client.force_login(hanna)
    response = client.post(
        reverse("talentpool_recruit:member_profile", args=[zoes_entry.pk]),
        {"location": " München ", "skills": "Go, Rust;go", "tags": "senior"},
    )
    assert response.status_code == 302
    zoes_entry.refresh_from_db()
    assert (zoes_entry.location, zoes_entry.skills, zoes_entry.tags) == (
        "München",
        ["Go", "Rust"],
        ["senior"],
    )
    page = client.get(reverse("talentpool_recruit:search"), {"skills": "rust", "tags": "Senior"})
    assert "Zoë" in page.content.decode()


def test_too_many_skills_are_refused_with_a_message_and_nothing_changes(client, hanna, zoes_entry):
    client.force_login(hanna)
    skills = ", ".join(f"skill{n}" for n in range(31))
    response = client.post(
        reverse("talentpool_recruit:member_profile", args=[zoes_entry.pk]),
        {"location": "", "skills": skills, "tags": ""},
        follow=True,
    )
    assert "at most 30" in response.content.decode()
    zoes_entry.refresh_from_db()
    assert zoes_entry.skills == ["Python"]


def test_documents_download_through_the_vault_with_an_audit_event(client, hanna, zoes_entry):
    client.force_login(hanna)
    document = zoes_entry.candidate.applications.get().documents.get()
    url = reverse("talentpool_recruit:member_document", args=[zoes_entry.pk, document.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == vault_files.pdf("Python developer")
    assert response["Content-Disposition"].startswith("attachment")
    event = AuditEvent.objects.get(action="document_downloaded", target_id=str(document.pk))
    assert event.details["talent_pool_entry"] == zoes_entry.pk


def test_another_candidates_document_is_not_reachable_through_a_member(
    client, hanna, zoes_entry, vacancy_a
):
    other = application_with(person("Other"), vacancy_a, [("cv.txt", vault_files.txt())])
    client.force_login(hanna)
    url = reverse(
        "talentpool_recruit:member_document", args=[zoes_entry.pk, other.documents.get().pk]
    )
    assert client.get(url).status_code == 404


def test_the_hr_dashboard_shows_members_expiring_and_monthly_counts(client, hanna, zoes_entry):
    member(person("Soon"), days_left=10)
    PoolMonthlyCount.objects.create(month=date(2026, 10, 1), kind="renewed", count=3)
    PoolMonthlyCount.objects.create(month=date(2026, 10, 1), kind="withdrawn", count=2)
    client.force_login(hanna)
    page = client.get(reverse("talentpool_recruit:search"))
    assert page.context["dashboard"]["members"] == 2
    assert page.context["dashboard"]["expiring"] == 1
    row = page.context["dashboard"]["per_month"][0]
    assert (row["renewed"], row["withdrawn"], row["joined"]) == (3, 2, 0)


def test_the_search_page_is_paginated_and_keeps_the_query(client, hanna):
    for n in range(30):
        member(person(f"Member{n}"), skills=["Python"])
    client.force_login(hanna)
    first = client.get(reverse("talentpool_recruit:search"), {"q": "python"})
    assert len(first.context["page"].object_list) == 25
    assert "q=python&amp;page=2" in first.content.decode()
    second = client.get(reverse("talentpool_recruit:search"), {"q": "python", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_the_navigation_links_the_pool_for_hr_and_managers_only(client, hanna, max_manager, mia):
    url = reverse("talentpool_recruit:search")
    for user, shown in [(hanna, True), (max_manager, True), (mia, False)]:
        client.force_login(user)
        assert (url in client.get(reverse("workspace")).content.decode()) is shown


# --- Purpose limitation ---------------------------------------------------------------


def test_an_application_cannot_be_moved_to_a_stage_of_another_vacancy(
    client, hanna, zoes_application, vacancy_b
):
    client.force_login(hanna)
    foreign = vacancy_b.stages.first()
    before = zoes_application.stage_id
    client.post(reverse("application_move", args=[zoes_application.pk]), {"stage": foreign.pk})
    zoes_application.refresh_from_db()
    assert zoes_application.stage_id == before
    assert zoes_application.vacancy_id != vacancy_b.pk


def test_the_workspace_offers_no_route_to_move_or_copy_an_application():
    from ats import urls_recruit

    names = {p.name for p in urls_recruit.urlpatterns}
    assert not {n for n in names if n and ("copy" in n or "transfer" in n or "reassign" in n)}
    # The only write on an application's place is the stage move, within its vacancy
    # (test above); another vacancy is reached through an invitation to apply.


def test_the_search_page_query_count_does_not_grow_with_the_members(client, hanna):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(hanna)
    counts = []
    for n in range(2):
        for i in range(5 if n == 0 else 25):
            member(person(f"Count{n}x{i}"), skills=["Python"])
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(reverse("talentpool_recruit:search"), {"q": "python"}).status_code == 200
            )
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 15
