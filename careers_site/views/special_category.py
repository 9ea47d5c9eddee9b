from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from ats.models import Purpose
from careers_site.forms_special_category import SpecialCategoryForm
from careers_site.inbound.consent import (
    active_special_category_consent,
    application_from_token,
    special_category_give,
)
from careers_site.services import consent_text


@require_http_methods(["GET", "POST"])
def special_category(request: HttpRequest, token: str) -> HttpResponse:
    """Optional special-category answers for an application sent by email, with the
    explicit consent the email could not carry. GET changes nothing (mail scanners
    follow links); the consent is recorded only on POST with the box ticked."""
    application = application_from_token(token)
    if application is None:
        return render(request, "careers_site/consent_link_invalid.html", status=400)
    language = get_language() or settings.LANGUAGE_CODE
    existing = active_special_category_consent(application)
    if existing is not None:
        return render(request, "careers_site/special_category_done.html", {"consent": existing})
    if request.method == "POST":
        form = SpecialCategoryForm(request.POST)
        if form.is_valid():
            text = consent_text(
                Purpose.SPECIAL_CATEGORY, language, form.cleaned_data.get("special_category_text")
            )
            consent = special_category_give(
                application=application, answers=form.answers, text=text
            )
            return render(request, "careers_site/special_category_done.html", {"consent": consent})
        status = 400
    else:
        status = 200
        form = SpecialCategoryForm(
            initial={"special_category_text": consent_text(Purpose.SPECIAL_CATEGORY, language).pk}
        )
    return render(
        request,
        "careers_site/special_category.html",
        {
            "form": form,
            "application": application,
            "consent_text": consent_text(Purpose.SPECIAL_CATEGORY, language),
        },
        status=status,
    )
