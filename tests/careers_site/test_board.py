from __future__ import annotations

from ats import services
from ats.models import Vacancy


def test_the_board_lists_open_vacancies_only(client, vacancy_a, engineering):
    draft = services.vacancy_create(
        title="Secret Draft", department=engineering, location="X", description="."
    )
    response = client.get("/")
    assert response.status_code == 200
    assert b"Backend Engineer" in response.content
    assert draft.title.encode() not in response.content
    assert client.get("/careers/").content == response.content


def test_a_draft_vacancy_page_is_not_found(client, engineering):
    draft = services.vacancy_create(
        title="Secret Draft", department=engineering, location="X", description="."
    )
    assert client.get(f"/careers/{draft.reference}/").status_code == 404


def test_a_closed_vacancy_says_so(client, vacancy_a):
    services.vacancy_close(vacancy=vacancy_a)
    response = client.get(vacancy_a.get_absolute_url())
    assert response.status_code == 200
    assert b"no longer accepts applications" in response.content


def test_the_board_uses_a_constant_number_of_queries(
    client, engineering, django_assert_max_num_queries
):
    for i in range(30):
        vacancy = services.vacancy_create(
            title=f"Role {i}", department=engineering, location="Berlin", description="."
        )
        services.vacancy_publish(vacancy=vacancy)
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.content.count(b'class="vacancy-card"') == Vacancy.objects.count()


def test_pages_carry_a_strict_content_security_policy(client, vacancy_a):
    policy = client.get("/")["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
