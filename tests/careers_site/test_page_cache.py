from __future__ import annotations

from ats import services
from careers_site import page_cache


def test_a_second_visit_is_served_from_the_cache(client, vacancy_a, django_assert_num_queries):
    first = client.get("/")
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_closing_a_vacancy_removes_it_from_the_next_page(client, vacancy_a):
    assert b"Backend Engineer" in client.get("/").content
    client.get(vacancy_a.get_absolute_url())
    services.vacancy_close(vacancy=vacancy_a)
    assert b"Backend Engineer" not in client.get("/").content
    assert b"no longer accepts applications" in client.get(vacancy_a.get_absolute_url()).content


def test_each_language_has_its_own_page(client, vacancy_a):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content
    german = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content
    assert b'lang="en"' in english and b'lang="de"' in german


def test_a_visitor_with_a_session_bypasses_the_cache(client, hanna, vacancy_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")
    client.force_login(hanna)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")
    assert page.status_code == 200
    assert len(queries) > 0  # rendered for this visitor, neither read from nor written to the cache


def test_public_pages_set_no_cookie(client, vacancy_a):
    for url in ("/", vacancy_a.get_absolute_url(), "/careers/feed.atom"):
        assert not client.get(url).cookies


def test_the_version_moves_on_every_change(vacancy_a):
    before = page_cache.version()
    vacancy_a.save()
    assert page_cache.version() == before + 1


def test_the_language_link_sets_a_preference_and_returns_to_a_local_page(client, db):
    response = client.get("/language/de/", {"next": "/careers/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/careers/?q=x"
    assert response.cookies["django_language"].value == "de"
    assert client.get("/").content.count(b'lang="de"') >= 1
    away = client.get("/language/en/", {"next": "https://evil.example/"})
    assert away["Location"] == "/"
    unknown = client.get("/language/xx/")
    assert "django_language" not in unknown.cookies
