from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ats.models import Document
from ats.selectors import visible_documents, visible_vacancies
from ats.vault import scanner


@login_required
def home(request: HttpRequest) -> HttpResponse:
    vacancies = (
        visible_vacancies(request.user)
        .select_related("department")
        .annotate(application_count=Count("applications"))
        .order_by("status", "title")
    )
    scans = dict(
        visible_documents(request.user)
        .filter(scan_status__in=[Document.ScanStatus.PENDING, Document.ScanStatus.FAILED])
        .values_list("scan_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return render(
        request,
        "ats/workspace_home.html",
        {
            "vacancies": vacancies,
            "scanner_off": not scanner.is_configured(),
            "scans_pending": scans.get(Document.ScanStatus.PENDING, 0),
            "scans_failed": scans.get(Document.ScanStatus.FAILED, 0),
        },
    )
