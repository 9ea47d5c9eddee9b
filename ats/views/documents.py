from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ats.claims_access import has_access
from ats.models import AuditEvent
from ats.selectors import visible_documents
from ats.vault.download import DocumentUnreadable, document_response


@require_safe
@login_required
def document_download(request: HttpRequest, pk: str) -> HttpResponse:
    document = get_object_or_404(
        visible_documents(request.user).select_related("application"), pk=pk
    )
    if not has_access(request, document.application):
        # Kept only for legal claims: the reason is stated on the file first.
        return redirect("application_file", pk=document.application_id)
    if not document.is_downloadable:
        return HttpResponse(
            _("This document cannot be downloaded: %(status)s.")
            % {"status": document.get_scan_status_display()},
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    AuditEvent.record(
        actor=request.user, action="document_downloaded", target=document, method=request.method
    )
    try:
        return document_response(request, document)
    except DocumentUnreadable:
        return HttpResponse(
            _(
                "This document failed its integrity check and cannot be shown. "
                "The incident was logged; please contact your administrator."
            ),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
