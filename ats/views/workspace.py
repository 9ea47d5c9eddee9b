from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ats.models import Document
from ats.selectors import MANAGEMENT, has_role, is_recruiter, visible_documents, visible_vacancies
from ats.vault import scanner
from ats.views.access import recruiter_required


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a login lands: management on the statistics, everyone else on the
    workspace (which is a 404 for a user with no role)."""
    if has_role(request.user, MANAGEMENT) and not is_recruiter(request.user):
        return redirect("stats_dashboard")
    return redirect("workspace")


@login_required
@recruiter_required
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
