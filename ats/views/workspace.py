from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ats.selectors import visible_vacancies


@login_required
def home(request: HttpRequest) -> HttpResponse:
    vacancies = (
        visible_vacancies(request.user)
        .select_related("department")
        .annotate(application_count=Count("applications"))
        .order_by("status", "title")
    )
    return render(request, "ats/workspace_home.html", {"vacancies": vacancies})
