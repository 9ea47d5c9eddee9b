from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from careers_site.models import PrivacyNotice
from careers_site.notice import render_notice


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    notice = (
        PrivacyNotice.objects.filter(language=language).first()
        or PrivacyNotice.objects.filter(language="en").first()
    )
    return render(
        request,
        "careers_site/privacy.html",
        {"notice": notice, "sections": render_notice(notice.body) if notice else []},
    )
