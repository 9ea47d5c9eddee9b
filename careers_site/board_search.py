"""Search and filters of the public job board.

The board is a GET form that works without JavaScript, so everything here starts from
untrusted query parameters: a value that is unknown, malformed or absurdly long is
dropped (or cut short), never an error. Filter choices come from the open vacancies
themselves, and a filter value counts only if it is one of those choices; only such
validated values and the escaped search words ever reach the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import TypedDict
from urllib.parse import quote

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse

from ats.models import Vacancy
from ats.selectors import open_vacancies

MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 10
SEARCHED_FIELDS = ("title", "summary", "description")

# Control characters (NUL above all, which PostgreSQL refuses in a string) never
# belong in a search; they become word separators.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class BoardCard(TypedDict):
    url: str
    title: str
    location: str
    employment_type: str  # its label
    summary: str


class BoardDepartment(TypedDict):
    id: int
    name: str
    vacancies: list[BoardCard]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FilterChoices:
    """What the open vacancies offer to filter by, each list in display order."""

    departments: list[Choice] = field(default_factory=list)
    locations: list[Choice] = field(default_factory=list)
    employment_types: list[Choice] = field(default_factory=list)

    @property
    def offered(self) -> bool:
        """False when there is no open vacancy, hence nothing to search or filter."""
        return bool(self.departments)


@dataclass(frozen=True)
class BoardFilters:
    """The accepted part of a board request: every value is '' or a valid choice."""

    q: str = ""
    department: str = ""
    location: str = ""
    employment_type: str = ""

    @property
    def words(self) -> list[str]:
        return self.q.split()[:MAX_QUERY_WORDS]

    @property
    def active(self) -> bool:
        return bool(self.words or self.department or self.location or self.employment_type)


def filter_choices() -> FilterChoices:
    """The departments, locations and employment types of the open vacancies (one query)."""
    rows = (
        open_vacancies()
        .order_by()
        .values_list("department_id", "department__name", "location", "employment_type")
        .distinct()
    )
    departments: dict[str, str] = {}
    locations: set[str] = set()
    employment_types: set[str] = set()
    for department_id, department_name, location, employment_type in rows:
        departments[str(department_id)] = department_name
        locations.add(location)
        employment_types.add(employment_type)
    return FilterChoices(
        departments=[
            Choice(value, label)
            for value, label in sorted(departments.items(), key=lambda item: item[1].casefold())
        ],
        locations=[Choice(location, location) for location in sorted(locations, key=str.casefold)],
        employment_types=[
            Choice(value, str(label))
            for value, label in Vacancy.EmploymentType.choices
            if value in employment_types
        ],
    )


def parse_board_filters(params: QueryDict, choices: FilterChoices) -> BoardFilters:
    """The filters of a request, keeping only values the choices offer."""

    def chosen(name: str, offered: list[Choice]) -> str:
        value = params.get(name, "")
        return value if any(choice.value == value for choice in offered) else ""

    return BoardFilters(
        q=clean_query(params.get("q", "")),
        department=chosen("department", choices.departments),
        location=chosen("location", choices.locations),
        employment_type=chosen("employment_type", choices.employment_types),
    )


def clean_query(raw: str) -> str:
    """The search text cut to MAX_QUERY_LENGTH characters, without control characters,
    with its whitespace collapsed."""
    return " ".join(_CONTROL_CHARACTERS.sub(" ", raw[:MAX_QUERY_LENGTH]).split())


def board_listing(filters: BoardFilters) -> list[BoardDepartment]:
    """The open vacancies matching the filters, grouped by department (by name), each
    department's vacancies by title: one query.

    The board is the busiest page of the site and may list hundreds of vacancies, so it
    is built from plain values rather than model instances: no per-card reverse(), no
    per-card get_employment_type_display() (which rebuilds and hashes the lazily
    translated choices on every call), and dictionaries, which templates read fastest.
    """
    labels = {value: str(label) for value, label in Vacancy.EmploymentType.choices}
    vacancy_url = _vacancy_url_builder()
    rows = matching_vacancies(filters).values_list(
        "department_id",
        "department__name",
        "reference",
        "title",
        "location",
        "employment_type",
        "summary",
    )
    listing: list[BoardDepartment] = []
    for (department_id, department_name), group in groupby(rows, key=itemgetter(0, 1)):
        cards: list[BoardCard] = [
            {
                "url": vacancy_url(reference),
                "title": title,
                "location": location,
                "employment_type": labels.get(employment_type, employment_type),
                "summary": summary,
            }
            for _, _, reference, title, location, employment_type, summary in group
        ]
        listing.append({"id": department_id, "name": department_name, "vacancies": cards})
    return listing


def matching_vacancies(filters: BoardFilters) -> QuerySet[Vacancy]:
    """The open vacancies matching the filters, in board order (department, title).

    Every search word must occur in the title, summary or description. The match is a
    case-insensitive regular expression of the escaped word rather than `icontains`:
    SQLite's LIKE folds the case of ASCII letters only, so "ärztin" would miss
    "Ärztin" there, while Django runs SQLite's REGEXP in Python (Unicode-aware) and
    PostgreSQL's `~*` folds case like its ILIKE does.
    """
    vacancies = open_vacancies()
    if filters.department:
        vacancies = vacancies.filter(department_id=int(filters.department))
    if filters.location:
        vacancies = vacancies.filter(location=filters.location)
    if filters.employment_type:
        vacancies = vacancies.filter(employment_type=filters.employment_type)
    for word in filters.words:
        pattern = re.escape(word)
        matches_word = Q()
        for name in SEARCHED_FIELDS:
            matches_word |= Q(**{f"{name}__iregex": pattern})
        vacancies = vacancies.filter(matches_word)
    return vacancies.order_by("department__name", "department_id", "title", "pk")


def _vacancy_url_builder() -> Callable[[str], str]:
    """The vacancy page URL of a reference, with reverse() called once per page rather
    than once per card."""
    marker = "REFERENCE"
    prefix, suffix = reverse("careers_site:vacancy", kwargs={"reference": marker}).split(marker)
    return lambda reference: f"{prefix}{quote(reference, safe='')}{suffix}"
