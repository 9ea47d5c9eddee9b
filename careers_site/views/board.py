"""The public job board and the vacancy pages."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import linebreaks_filter
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from ats.models import Vacancy
from careers_site.board_search import board_listing, filter_choices, parse_board_filters
from careers_site.page_cache import public_page

# schema.org's employmentType values (https://schema.org/employmentType, as Google reads them).
SCHEMA_EMPLOYMENT_TYPES: dict[str, str] = {
    Vacancy.EmploymentType.FULL_TIME: "FULL_TIME",
    Vacancy.EmploymentType.PART_TIME: "PART_TIME",
    Vacancy.EmploymentType.CONTRACT: "CONTRACTOR",
    Vacancy.EmploymentType.TEMPORARY: "TEMPORARY",
    Vacancy.EmploymentType.INTERNSHIP: "INTERN",
}

_REMOTE = re.compile(r"\bremote\b", re.IGNORECASE)


@require_safe
@public_page
def board(request: HttpRequest) -> HttpResponse:
    choices = filter_choices()
    filters = parse_board_filters(request.GET, choices)
    departments = board_listing(filters) if choices.offered else []
    return render(
        request,
        "careers_site/board.html",
        {
            "departments": departments,
            "count": sum(len(department["vacancies"]) for department in departments),
            "filters": filters,
            "choices": choices,
        },
    )


@require_safe
@public_page
def vacancy_detail(request: HttpRequest, reference: str) -> HttpResponse:
    vacancy = get_object_or_404(
        Vacancy.objects.exclude(status=Vacancy.Status.DRAFT).select_related("department"),
        reference=reference,
    )
    page_url = request.build_absolute_uri(vacancy.get_absolute_url())
    context: dict[str, Any] = {"vacancy": vacancy, "page_url": page_url}
    if vacancy.is_open:
        context["job_posting"] = json_ld(job_posting(vacancy, request=request, url=page_url))
    return render(request, "careers_site/vacancy.html", context)


def job_posting(vacancy: Vacancy, *, request: HttpRequest, url: str) -> dict[str, Any]:
    """The schema.org JobPosting of an open vacancy (https://schema.org/JobPosting)."""
    posting: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": vacancy.title,
        # Plain text made into escaped HTML paragraphs, as on the page: search engines
        # read the description as HTML.
        "description": str(linebreaks_filter(vacancy.description, autoescape=True)),
        "identifier": {
            "@type": "PropertyValue",
            "name": settings.ATS_SITE_NAME,
            "value": vacancy.reference,
        },
        "url": url,
        "employmentType": SCHEMA_EMPLOYMENT_TYPES.get(vacancy.employment_type, "OTHER"),
        "hiringOrganization": {
            "@type": "Organization",
            "name": settings.ATS_SITE_NAME,
            "sameAs": request.build_absolute_uri(reverse("careers_site:home")),
        },
        "directApply": True,
    }
    if vacancy.published_at is not None:
        posting["datePosted"] = vacancy.published_at.isoformat()
    if _REMOTE.search(vacancy.location):
        posting["jobLocationType"] = "TELECOMMUTE"
    else:
        posting["jobLocation"] = {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": vacancy.location},
        }
    return posting


def json_ld(data: dict[str, Any]) -> SafeString:
    """JSON safe to place inside a <script> element: with <, > and & escaped as \\u
    sequences, no text can close the element or open a comment in it.

    This is what django.utils.html.json_script escapes; that helper cannot be used as
    such because it always writes type="application/json", and JSON-LD must be
    application/ld+json. (str.replace, three times, is much faster than str.translate.)
    """
    text = (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
        .replace("&", "\\u0026")
    )
    return mark_safe(text)  # noqa: S308  (escaped just above)
