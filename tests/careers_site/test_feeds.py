"""The Atom feed and sitemap.xml of the careers site."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from django.utils import timezone

from ats import services
from tests.careers_site.test_board import EVIL_TITLE, open_vacancy

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314  (our own output, parsed in a test)


def feed_entries(client) -> list[ET.Element]:
    response = client.get("/careers/feed.atom")
    assert response.status_code == 200
    return parse(response).findall(f"{ATOM}entry")


def sitemap_urls(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in parse(response).findall(f"{SITEMAP}url")
    }


# --- Atom feed -------------------------------------------------------------------------


def test_the_feed_describes_the_site(client, vacancy_a, settings):
    response = client.get("/careers/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == f"Open positions at {settings.ATS_SITE_NAME}"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == settings.ATS_SITE_NAME
    alternate = feed.find(f"{ATOM}link[@rel='alternate']")
    assert alternate.get("href") == "http://testserver/careers/"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == (
        "http://testserver/careers/feed.atom"
    )
    assert feed.findtext(f"{ATOM}updated")


def test_the_feed_title_is_translated(client, vacancy_a, settings, monkeypatch):
    def german(message: str) -> str:
        return {"Open positions at %(site_name)s": "Offene Stellen bei %(site_name)s"}.get(
            message, message
        )

    monkeypatch.setattr("careers_site.feeds.gettext", german)
    feed = parse(client.get("/careers/feed.atom"))
    assert feed.findtext(f"{ATOM}title") == f"Offene Stellen bei {settings.ATS_SITE_NAME}"


def test_the_feed_speaks_the_requested_language(client, vacancy_a):
    response = client.get("/careers/feed.atom", headers={"accept-language": "de"})
    assert parse(response).get("{http://www.w3.org/XML/1998/namespace}lang") == "de"


def test_the_feed_lists_open_vacancies_with_their_details(client, vacancy_a, engineering):
    newer = open_vacancy("Data Engineer", department=engineering, summary="Pipelines & models.")
    (first, second) = feed_entries(client)
    assert first.findtext(f"{ATOM}title") == "Data Engineer"
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver/careers/{newer.reference}/"
    assert first.findtext(f"{ATOM}id") == f"http://testserver/careers/{newer.reference}/"
    assert first.findtext(f"{ATOM}summary") == "Pipelines &amp; models."  # type="html"
    assert first.find(f"{ATOM}summary").get("type") == "html"
    assert datetime.fromisoformat(first.findtext(f"{ATOM}published")) == newer.published_at
    newer.refresh_from_db()
    assert datetime.fromisoformat(first.findtext(f"{ATOM}updated")) == newer.updated_at
    assert first.find(f"{ATOM}category").get("term") == "Engineering"
    assert second.findtext(f"{ATOM}title") == "Backend Engineer"
    assert second.findtext(f"{ATOM}summary") == "Build things."  # the description, no summary


def test_the_feed_leaves_out_closed_and_draft_vacancies(client, vacancy_a, vacancy_b, engineering):
    services.vacancy_close(vacancy=vacancy_b)
    services.vacancy_create(title="Draft", department=engineering, location="X", description=".")
    assert [entry.findtext(f"{ATOM}title") for entry in feed_entries(client)] == [
        "Backend Engineer"
    ]


def test_the_feed_escapes_html_in_titles_and_summaries(client, engineering):
    open_vacancy(EVIL_TITLE, department=engineering, summary="<img src=x onerror=alert(1)>")
    response = client.get("/careers/feed.atom")
    assert b"<script>" not in response.content
    assert b"<img" not in response.content
    (entry,) = parse(response).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == EVIL_TITLE  # an Atom text title, shown as is
    assert entry.findtext(f"{ATOM}summary") == "&lt;img src=x onerror=alert(1)&gt;"


def test_the_feed_uses_a_constant_number_of_queries(
    client, engineering, django_assert_max_num_queries
):
    for i in range(20):
        open_vacancy(f"Role {i}", department=engineering)
    with django_assert_max_num_queries(1):
        assert len(feed_entries(client)) == 20


# --- sitemap.xml -----------------------------------------------------------------------


def test_the_sitemap_lists_the_board_and_every_open_vacancy(client, vacancy_a, vacancy_b):
    vacancy_a.refresh_from_db()
    vacancy_b.refresh_from_db()
    urls = sitemap_urls(client)
    assert list(urls) == [
        "http://testserver/careers/",
        f"http://testserver/careers/{vacancy_a.reference}/",
        f"http://testserver/careers/{vacancy_b.reference}/",
    ]
    assert urls[f"http://testserver/careers/{vacancy_a.reference}/"] == (
        timezone.localdate(vacancy_a.updated_at).isoformat()
    )
    newest = max(vacancy_a.updated_at, vacancy_b.updated_at)
    assert urls["http://testserver/careers/"] == timezone.localdate(newest).isoformat()


def test_the_sitemap_leaves_out_closed_and_draft_vacancies(
    client, vacancy_a, vacancy_b, engineering
):
    services.vacancy_close(vacancy=vacancy_b)
    draft = services.vacancy_create(
        title="Draft", department=engineering, location="X", description="."
    )
    urls = sitemap_urls(client)
    assert list(urls) == [
        "http://testserver/careers/",
        f"http://testserver/careers/{vacancy_a.reference}/",
    ]
    assert not any(draft.reference in url or vacancy_b.reference in url for url in urls)


def test_the_sitemap_lists_the_board_when_nothing_is_open(client, db):
    assert sitemap_urls(client) == {"http://testserver/careers/": None}


def test_the_sitemap_uses_a_constant_number_of_queries(
    client, engineering, django_assert_max_num_queries
):
    for i in range(20):
        open_vacancy(f"Role {i}", department=engineering)
    with django_assert_max_num_queries(1):
        assert len(sitemap_urls(client)) == 21
