from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ats.models import Consent
from ats.services import consent_withdraw
from careers_site.links import consent_from_token


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """A confirmation page (GET changes nothing, so mail scanners that follow links
    cannot withdraw a consent), then the withdrawal on POST, effective at once."""
    consent = consent_from_token(token)
    if consent is None:
        return render(request, "careers_site/consent_link_invalid.html", status=400)
    if request.method == "POST" and consent.withdrawn_at is None:
        consent_withdraw(consent=consent, via=Consent.Via.EMAIL_LINK)
        # Withdrawing the talent-pool consent may erase, at once, what only the pool
        # held, this consent's row included (talentpool.services.pool_withdraw).
        consent = Consent.objects.filter(pk=consent.pk).first() or consent
        return render(request, "careers_site/consent_withdrawn.html", {"consent": consent})
    return render(request, "careers_site/consent_withdraw.html", {"consent": consent})
