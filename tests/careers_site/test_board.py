"""The public job board and the vacancy pages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ats import services
from ats.models import Department, Vacancy
from careers_site import page_cache

EVIL_TITLE = "</script><script>alert(1)</script><b>Bold</b> & Co"


def open_vacancy(
    title: str,
    *,
    department: Department,
    location: str = "Berlin",
    employment_type: str = Vacancy.EmploymentType.FULL_TIME,
    summary: str = "",
    description: str = "Do good work.",
) -> Vacancy:
    vacancy = services.vacancy_create(
        title=title,
        department=department,
        location=location,
        employment_type=employment_type,
        summary=summary,
        description=description,
    )
    services.vacancy_publish(vacancy=vacancy)
    return vacancy


def card_titles(response) -> list[str]:
    """The vacancy titles on a board page, in page order."""
    html = response.content.decode()
    cards = re.findall(r'<li class="vacancy-card">.*?<a href="[^"]+">(.*?)</a>', html, re.S)
    return cards


def main_content(response) -> str:
    """The page's <main> element (the layout around it varies per request: a CSRF token)."""
    return re.search(r"<main\b.*</main>", response.content.decode(), re.S).group(0)


def json_ld_blocks(response) -> list[str]:
    return re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )


def apply_route_exists() -> bool:
    """The application form is built separately; until its route exists there is no link."""
    try:
        reverse("careers_site:apply", args=["X"])
    except NoReverseMatch:
        return False
    return True


class _SelectedOptions(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.select: str | None = None
        self.selected: dict[str, str] = {}
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "select":
            self.select = attributes.get("name")
        elif tag == "option" and "selected" in attributes and self.select:
            self.selected[self.select] = attributes.get("value") or ""
        elif tag == "input" and attributes.get("name"):
            self.inputs[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def form_state(response) -> _SelectedOptions:
    parser = _SelectedOptions()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def people(db) -> Department:
    return Department.objects.create(name="People")


@pytest.fixture
def sales(db) -> Department:
    return Department.objects.create(name="Sales")


@pytest.fixture
def board_vacancies(engineering, people, sales) -> dict[str, Vacancy]:
    """Five open vacancies across three departments, a closed one and a draft."""
    vacancies = {
        "backend": open_vacancy(
            "Backend Engineer",
            department=engineering,
            location="Berlin",
            summary="Python and Django.",
        ),
        "frontend": open_vacancy(
            "Frontend Engineer",
            department=engineering,
            location="Remote (EU)",
            employment_type=Vacancy.EmploymentType.PART_TIME,
            description="Accessible interfaces.\n\nServer-rendered.",
        ),
        "recruiter": open_vacancy(
            "Recruiter",
            department=people,
            location="Hamburg",
            employment_type=Vacancy.EmploymentType.CONTRACT,
            description="Find the engineers we need.",
        ),
        "doctor": open_vacancy(
            "Ärztin oder Arzt (Betriebsmedizin)",
            department=people,
            location="Berlin",
            employment_type=Vacancy.EmploymentType.PART_TIME,
        ),
        "sales": open_vacancy(
            "Account Executive",
            department=sales,
            location="Munich",
            employment_type=Vacancy.EmploymentType.INTERNSHIP,
        ),
    }
    closed = open_vacancy("Closed Role", department=sales, location="Cologne")
    services.vacancy_close(vacancy=closed)
    vacancies["closed"] = closed
    vacancies["draft"] = services.vacancy_create(
        title="Secret Draft", department=sales, location="Dresden", description="."
    )
    return vacancies


# --- Listing ---------------------------------------------------------------------------


def test_the_board_lists_open_vacancies_only(client, vacancy_a, engineering):
    draft = services.vacancy_create(
        title="Secret Draft", department=engineering, location="X", description="."
    )
    response = client.get("/")
    assert response.status_code == 200
    assert b"Backend Engineer" in response.content
    assert draft.title.encode() not in response.content
    assert main_content(client.get("/careers/")) == main_content(response)


def test_the_board_groups_vacancies_by_department(client, board_vacancies):
    html = client.get("/careers/").content.decode()
    headings = re.findall(r'<h2 id="department-\d+">(.*?)</h2>', html)
    assert headings == ["Engineering", "People", "Sales"]
    assert card_titles(client.get("/careers/")) == [
        "Backend Engineer",
        "Frontend Engineer",
        "Recruiter",
        "Ärztin oder Arzt (Betriebsmedizin)",
        "Account Executive",
    ]


def test_a_closed_vacancy_is_not_on_the_board(client, board_vacancies):
    response = client.get("/")
    assert b"Closed Role" not in response.content
    assert b"Secret Draft" not in response.content
    assert b"Cologne" not in response.content  # not even as a location to filter by
    assert b"Dresden" not in response.content


def test_the_board_links_every_card_to_its_vacancy_page(client, vacancy_a):
    response = client.get("/")
    assert f'href="/careers/{vacancy_a.reference}/"'.encode() in response.content


def test_the_board_counts_the_positions_it_shows(client, board_vacancies):
    response = client.get("/")
    assert re.search(rb'role="status" aria-live="polite">\s*5 open positions\s*<', response.content)
    response = client.get("/", {"q": "recruiter"})
    assert re.search(rb'aria-live="polite">\s*1 open position\s*<', response.content)
    assert b"<title>1 open position found" in response.content


def test_the_board_says_when_nothing_is_open(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"There are no open positions right now." in response.content
    assert b'role="search"' not in response.content


def test_the_board_links_its_atom_feed(client, vacancy_a):
    response = client.get("/")
    assert b'<link rel="alternate" type="application/atom+xml" href="/careers/feed.atom"' in (
        response.content
    )
    assert b'href="/static/css/board.css"' in response.content


def test_the_board_accepts_no_post(client, vacancy_a):
    assert client.post("/", {"q": "x"}).status_code == 405


# --- Search ----------------------------------------------------------------------------


def test_a_search_matches_words_in_title_summary_and_description(client, board_vacancies):
    assert card_titles(client.get("/", {"q": "frontend"})) == ["Frontend Engineer"]
    assert card_titles(client.get("/", {"q": "django"})) == ["Backend Engineer"]  # summary
    assert card_titles(client.get("/", {"q": "ACCESSIBLE"})) == ["Frontend Engineer"]
    assert card_titles(client.get("/", {"q": "engineer"})) == [
        "Backend Engineer",
        "Frontend Engineer",
        "Recruiter",  # "engineers" in its description
    ]


def test_every_word_of_a_search_must_match(client, board_vacancies):
    assert card_titles(client.get("/", {"q": "  engineer   python "})) == ["Backend Engineer"]
    assert card_titles(client.get("/", {"q": "engineer cobol"})) == []


def test_a_search_ignores_the_case_of_non_ascii_letters(client, board_vacancies):
    assert card_titles(client.get("/", {"q": "ärztin"})) == ["Ärztin oder Arzt (Betriebsmedizin)"]
    assert card_titles(client.get("/", {"q": "ÄRZTIN"})) == ["Ärztin oder Arzt (Betriebsmedizin)"]


def test_a_search_treats_pattern_characters_literally(client, board_vacancies):
    assert card_titles(client.get("/", {"q": "(betriebsmedizin)"})) == [
        "Ärztin oder Arzt (Betriebsmedizin)"
    ]
    for text in (".*", "%", "_", "\\", "[a-z]", "^", "$", "((", "a|b", "'; --"):
        response = client.get("/", {"q": text})
        assert response.status_code == 200
        assert card_titles(response) == [], text


def test_a_search_without_results_offers_to_reset_the_filters(client, board_vacancies):
    response = client.get("/careers/", {"q": "astronaut", "location": "Berlin"})
    assert response.status_code == 200
    assert b"No open positions match your search." in response.content
    assert b'<a href="/careers/">Reset filters and show all open positions</a>' in (
        response.content
    )
    assert re.search(rb'aria-live="polite">\s*0 open positions\s*<', response.content)


def test_a_very_long_search_is_cut_short(client, board_vacancies):
    response = client.get("/", {"q": "engineer " + "x" * 10_000})
    assert response.status_code == 200
    assert len(form_state(response).inputs["q"]) == 100
    assert card_titles(response) == []  # the truncated second word still has to match
    response = client.get("/", {"q": "engineer" + " " * 10_000 + "cobol"})
    assert card_titles(response) == ["Backend Engineer", "Frontend Engineer", "Recruiter"]


def test_control_characters_in_a_search_are_ignored(client, board_vacancies):
    response = client.get("/", {"q": "front\x00end"})
    assert response.status_code == 200
    assert card_titles(response) == ["Frontend Engineer"]
    assert card_titles(client.get("/", {"q": "\x00\x1b"})) == card_titles(client.get("/"))


def test_the_search_box_keeps_its_text(client, board_vacancies):
    response = client.get("/", {"q": '"><script>x</script>'})
    assert form_state(response).inputs["q"] == '"><script>x</script>'
    assert b"<script>x</script>" not in response.content


# --- Filters ---------------------------------------------------------------------------


def test_the_filters_offer_what_the_open_vacancies_have(client, board_vacancies, engineering):
    html = client.get("/").content.decode()
    departments = re.findall(r'<option value="(\d+)"[^>]*>(.*?)</option>', html)
    assert [name for _, name in departments] == ["Engineering", "People", "Sales"]
    locations = re.search(r'<select id="board-location".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', locations) == [
        "",
        "Berlin",
        "Hamburg",
        "Munich",
        "Remote (EU)",
    ]
    types = re.search(r'<select id="board-employment-type".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', types) == [
        "",
        "full_time",
        "part_time",
        "contract",
        "internship",  # no open temporary vacancy
    ]


def test_the_board_filters_by_department(client, board_vacancies, people):
    response = client.get("/", {"department": people.pk})
    assert card_titles(response) == ["Recruiter", "Ärztin oder Arzt (Betriebsmedizin)"]
    assert form_state(response).selected == {"department": str(people.pk)}


def test_the_board_filters_by_location(client, board_vacancies):
    response = client.get("/", {"location": "Berlin"})
    assert card_titles(response) == ["Backend Engineer", "Ärztin oder Arzt (Betriebsmedizin)"]
    assert form_state(response).selected == {"location": "Berlin"}


def test_the_board_filters_by_employment_type(client, board_vacancies):
    response = client.get("/", {"employment_type": "part_time"})
    assert card_titles(response) == ["Frontend Engineer", "Ärztin oder Arzt (Betriebsmedizin)"]
    assert form_state(response).selected == {"employment_type": "part_time"}


def test_the_board_combines_filters_and_search(client, board_vacancies, people, engineering):
    params = {"department": people.pk, "location": "Berlin", "employment_type": "part_time"}
    response = client.get("/", params)
    assert card_titles(response) == ["Ärztin oder Arzt (Betriebsmedizin)"]
    assert form_state(response).selected == {key: str(value) for key, value in params.items()}
    assert b'<a href="/careers/">Reset filters</a>' in response.content
    response = client.get("/", {"q": "engineer", "department": engineering.pk})
    assert card_titles(response) == ["Backend Engineer", "Frontend Engineer"]
    response = client.get("/", {"q": "engineer", "employment_type": "full_time"})
    assert card_titles(response) == ["Backend Engineer"]


@pytest.mark.parametrize(
    "params",
    [
        {"department": "abc"},
        {"department": "999999"},
        {"department": "1.5"},
        {"department": "-1"},
        {"department": "9" * 400},
        {"location": "Nowhere"},
        {"location": "Cologne"},  # the closed vacancy's location
        {"location": "x" * 10_000},
        {"employment_type": "astronaut"},
        {"employment_type": "temporary"},  # valid, but nothing open has it
        {"employment_type": "\x00"},
        {"page": "2", "sort": "'; DROP TABLE"},
    ],
)
def test_unknown_or_malformed_filter_values_are_ignored(client, board_vacancies, params):
    response = client.get("/", params)
    assert response.status_code == 200
    assert len(card_titles(response)) == 5
    assert form_state(response).selected == {}
    assert b"Reset filters" not in response.content


def test_a_filter_for_a_closed_vacancys_department_is_ignored(client, vacancy_a, sales):
    closed = open_vacancy("Closed Role", department=sales)
    services.vacancy_close(vacancy=closed)
    assert card_titles(client.get("/", {"department": sales.pk})) == ["Backend Engineer"]


def test_the_board_uses_a_constant_number_of_queries(
    client, engineering, people, sales, django_assert_max_num_queries
):
    departments = [engineering, people, sales]
    open_vacancy("Role 0", department=engineering)
    with CaptureQueriesContext(connection) as one_vacancy:
        client.get("/")
    for i in range(1, 50):
        open_vacancy(f"Role {i}", department=departments[i % 3], location=f"City {i % 7}")
    with django_assert_max_num_queries(2):
        response = client.get("/")
    assert len(card_titles(response)) == Vacancy.objects.count() == 50
    with django_assert_max_num_queries(2):
        response = client.get(
            "/",
            {"q": "role", "department": people.pk, "location": "City 1", "employment_type": "x"},
        )
    assert card_titles(response)
    page_cache.bump()  # measure a render, not a cache hit
    with CaptureQueriesContext(connection) as fifty_vacancies:
        client.get("/")
    assert len(fifty_vacancies) == len(one_vacancy)


def test_pages_carry_a_strict_content_security_policy(client, vacancy_a):
    for url in ("/", vacancy_a.get_absolute_url()):
        policy = client.get(url)["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in policy
        assert "unsafe-inline" not in policy
        assert "script-src 'self'" in policy


def test_the_board_is_keyboard_and_screen_reader_friendly(client, board_vacancies):
    html = main_content(client.get("/"))
    controls = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*>', html)
    assert len(controls) == 4
    for control in controls:
        control_id = re.search(r' id="([^"]+)"', control).group(1)
        assert f'<label for="{control_id}">' in html, control_id
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))
    assert 'tabindex="' not in html.replace('<main id="main" tabindex="-1">', "")


# --- Vacancy page ----------------------------------------------------------------------


def test_the_vacancy_page_shows_the_position(client, board_vacancies):
    vacancy = board_vacancies["frontend"]
    response = client.get(vacancy.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="vacancy-title">Frontend Engineer</h1>' in html
    assert "<dd>Engineering</dd>" in html
    assert "<dd>Remote (EU)</dd>" in html
    assert "<dd>Part-time</dd>" in html
    assert f'<time datetime="{timezone.localtime(vacancy.published_at).isoformat()}">' in html
    assert "<p>Accessible interfaces.</p>\n\n<p>Server-rendered.</p>" in html
    assert '<a href="/careers/">All open positions</a>' in html
    assert f"http://testserver/careers/{vacancy.reference}/" in html  # printed with the page


def test_the_vacancy_page_links_to_the_application_form(client, vacancy_a):
    response = client.get(vacancy_a.get_absolute_url())
    if apply_route_exists():
        apply_url = reverse("careers_site:apply", args=[vacancy_a.reference])
        assert f'<a class="apply-button" href="{apply_url}">'.encode() in response.content
        assert b"Apply for this position" in response.content
    else:
        assert b"Apply for this position" not in response.content


def test_the_vacancy_page_uses_one_query(client, vacancy_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(vacancy_a.get_absolute_url()).status_code == 200


def test_a_draft_vacancy_page_is_not_found(client, engineering):
    draft = services.vacancy_create(
        title="Secret Draft", department=engineering, location="X", description="."
    )
    assert client.get(f"/careers/{draft.reference}/").status_code == 404


def test_an_unknown_vacancy_page_is_not_found(client, db):
    assert client.get("/careers/NOPE1234/").status_code == 404


def test_a_closed_vacancy_says_so(client, vacancy_a):
    services.vacancy_close(vacancy=vacancy_a)
    response = client.get(vacancy_a.get_absolute_url())
    assert response.status_code == 200
    assert b"no longer accepts applications" in response.content


def test_a_closed_vacancy_takes_no_applications_and_has_no_job_posting(client, vacancy_a):
    services.vacancy_close(vacancy=vacancy_a)
    response = client.get(vacancy_a.get_absolute_url())
    assert b"Apply for this position" not in response.content
    assert f"/careers/{vacancy_a.reference}/apply/".encode() not in response.content
    assert json_ld_blocks(response) == []
    assert b'<meta name="robots" content="noindex">' in response.content


def test_the_vacancy_description_is_escaped_plain_text(client, engineering):
    vacancy = open_vacancy(
        "Tester",
        department=engineering,
        description="Line one\nline two\n\n<img src=x onerror=alert(1)> & more",
    )
    html = client.get(vacancy.get_absolute_url()).content.decode()
    assert "<p>Line one<br>line two</p>" in html
    assert "<p>&lt;img src=x onerror=alert(1)&gt; &amp; more</p>" in html
    assert "<img src=x" not in html


# --- JSON-LD ---------------------------------------------------------------------------


def test_an_open_vacancy_carries_a_job_posting(client, board_vacancies, settings):
    vacancy = board_vacancies["backend"]
    (block,) = json_ld_blocks(client.get(vacancy.get_absolute_url()))
    posting = json.loads(block)
    assert posting["@context"] == "https://schema.org"
    assert posting["@type"] == "JobPosting"
    assert posting["title"] == "Backend Engineer"
    assert posting["description"] == "<p>Do good work.</p>"
    assert posting["datePosted"] == vacancy.published_at.isoformat()
    assert "validThrough" not in posting
    assert posting["employmentType"] == "FULL_TIME"
    assert posting["hiringOrganization"] == {
        "@type": "Organization",
        "name": settings.ATS_SITE_NAME,
        "sameAs": "http://testserver/",
    }
    assert posting["jobLocation"] == {
        "@type": "Place",
        "address": {"@type": "PostalAddress", "addressLocality": "Berlin"},
    }
    assert "jobLocationType" not in posting
    assert posting["identifier"]["value"] == vacancy.reference
    assert posting["url"] == f"http://testserver/careers/{vacancy.reference}/"
    assert posting["directApply"] is True


def test_a_remote_vacancy_is_posted_as_telecommute(client, board_vacancies):
    (block,) = json_ld_blocks(client.get(board_vacancies["frontend"].get_absolute_url()))
    posting = json.loads(block)
    assert posting["jobLocationType"] == "TELECOMMUTE"
    assert "jobLocation" not in posting
    assert posting["employmentType"] == "PART_TIME"


@pytest.mark.parametrize(
    ("employment_type", "schema_type"),
    [
        (Vacancy.EmploymentType.FULL_TIME, "FULL_TIME"),
        (Vacancy.EmploymentType.PART_TIME, "PART_TIME"),
        (Vacancy.EmploymentType.CONTRACT, "CONTRACTOR"),
        (Vacancy.EmploymentType.TEMPORARY, "TEMPORARY"),
        (Vacancy.EmploymentType.INTERNSHIP, "INTERN"),
    ],
)
def test_employment_types_map_to_schema_org(client, engineering, employment_type, schema_type):
    vacancy = open_vacancy("Role", department=engineering, employment_type=employment_type)
    (block,) = json_ld_blocks(client.get(vacancy.get_absolute_url()))
    assert json.loads(block)["employmentType"] == schema_type


def test_a_title_cannot_break_out_of_the_job_posting(client, engineering):
    vacancy = open_vacancy(EVIL_TITLE, department=engineering, description="<!-- a & b -->")
    response = client.get(vacancy.get_absolute_url())
    html = response.content.decode()
    (block,) = json_ld_blocks(response)
    for character in "<>&":
        assert character not in block
    posting = json.loads(block)
    assert posting["title"] == EVIL_TITLE
    assert posting["description"] == "<p>&lt;!-- a &amp; b --&gt;</p>"
    assert "<script>alert(1)" not in html
    assert html.count("<script") == 1


# --- HTML in titles --------------------------------------------------------------------


def test_html_in_a_title_is_escaped_on_the_board_and_the_page(client, engineering):
    vacancy = open_vacancy(EVIL_TITLE, department=engineering, location="<i>Berlin</i>")
    escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt; &amp; Co"
    board = client.get("/").content.decode()
    assert escaped in board
    assert "<b>Bold</b>" not in board
    assert "<i>Berlin</i>" not in board
    assert "&lt;i&gt;Berlin&lt;/i&gt;" in board  # both as a card's location and as a choice
    page = client.get(vacancy.get_absolute_url()).content.decode()
    assert f"<title>{escaped} · " in page
    assert f'<h1 id="vacancy-title">{escaped}</h1>' in page
    assert "<b>Bold</b>" not in page
    assert "<script>alert(1)" not in page
