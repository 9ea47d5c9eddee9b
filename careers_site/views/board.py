from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ats.models import Vacancy
from ats.selectors import open_vacancies


@require_safe
def board(request: HttpRequest) -> HttpResponse:
    vacancies = open_vacancies().order_by("department__name", "title")
    return render(request, "careers_site/board.html", {"vacancies": vacancies})


@require_safe
def vacancy_detail(request: HttpRequest, reference: str) -> HttpResponse:
    vacancy = get_object_or_404(
        Vacancy.objects.exclude(status=Vacancy.Status.DRAFT).select_related("department"),
        reference=reference,
    )
    return render(request, "careers_site/vacancy.html", {"vacancy": vacancy})
