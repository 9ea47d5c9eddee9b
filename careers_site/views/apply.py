from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ats.models import Document, Purpose, Vacancy
from careers_site.forms import SPECIAL_CATEGORY_FIELDS, ApplicationForm
from careers_site.ratelimit import allow
from careers_site.services import Submission, SubmissionRefused, application_submit, consent_text
from talentpool.invitations import invitation_prefill


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    vacancy = None
    if reference is not None:
        vacancy = get_object_or_404(
            Vacancy.objects.exclude(status=Vacancy.Status.DRAFT).select_related("department"),
            reference=reference,
        )
        if request.method == "GET" and not vacancy.is_open:
            return render(request, "careers_site/apply_closed.html", {"vacancy": vacancy})

    language = get_language() or settings.LANGUAGE_CODE
    texts = {
        "special_category": consent_text(Purpose.SPECIAL_CATEGORY, language),
        "talent_pool": consent_text(Purpose.TALENT_POOL, language),
    }
    if request.method == "GET":
        form = ApplicationForm(
            initial={
                "special_category_text": texts["special_category"].pk,
                "talent_pool_text": texts["talent_pool"].pk,
                # A pool member's invitation link pre-fills name, email and telephone;
                # they decide whether to send the form.
                **invitation_prefill(request.GET.get("invitation", ""), vacancy),
            }
        )
        return _page(request, form, vacancy, texts)

    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    form = ApplicationForm(request.POST, request.FILES)
    if not allow(
        request,
        scope="apply",
        limit=settings.ATS_APPLY_RATE_LIMIT,
        window=settings.ATS_APPLY_RATE_WINDOW_SECONDS,
    ):
        form.is_valid()
        form.add_error(
            None,
            _("You sent many applications in a short time. Please wait an hour and try again."),
        )
        return _page(request, form, vacancy, texts, status=429)
    if too_big:
        form.is_valid()
        form.add_error(
            None,
            _("Your files total more than %(limit)d MB. Please upload fewer or smaller files.")
            % {"limit": settings.ATS_MAX_APPLICATION_BYTES // (1024 * 1024)},
        )
        return _page(request, form, vacancy, texts, status=400)
    if not form.is_valid():
        return _page(request, form, vacancy, texts, status=400)
    if form.is_bot:
        return redirect("careers_site:applied")  # look like success, keep nothing

    data = form.cleaned_data
    special = {f: data[f] for f in SPECIAL_CATEGORY_FIELDS}
    files = [("cv", Document.Kind.CV, data["cv"])]
    if data.get("cover_letter"):
        files.append(("cover_letter", Document.Kind.COVER_LETTER, data["cover_letter"]))
    files += [("references", Document.Kind.REFERENCE, f) for f in data.get("references") or []]
    submission = Submission(
        vacancy=vacancy,
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        phone=data["phone"],
        linkedin_url=data.get("linkedin_url") or "",
        channel=data["channel"],
        channel_other=data.get("channel_other") or "",
        gender=data.get("gender") or "",
        special_category=special,
        special_category_text=consent_text(
            Purpose.SPECIAL_CATEGORY, language, data.get("special_category_text")
        )
        if data["special_category_consent"]
        else None,
        talent_pool_text=consent_text(Purpose.TALENT_POOL, language, data.get("talent_pool_text"))
        if data["talent_pool_consent"]
        else None,
        files=[(field, kind, f.name, f.read()) for field, kind, f in files],
        submission_key=data["submission_key"],
        language=language,
    )
    try:
        application_submit(submission)
    except SubmissionRefused as refused:
        for field, messages in refused.errors.items():
            for message in messages:
                form.add_error(field or None, message)
        return _page(request, form, vacancy, texts, status=400)
    return redirect("careers_site:applied")


def _page(request, form, vacancy, texts, status: int = 200) -> HttpResponse:
    return render(
        request,
        "careers_site/apply.html",
        {
            "form": form,
            "vacancy": vacancy,
            "consent_texts": texts,
            "max_upload_bytes": settings.ATS_MAX_UPLOAD_BYTES,
            "extensions": ",".join(f".{e}" for e in settings.ATS_UPLOAD_EXTENSIONS),
        },
        status=status,
    )


def applied(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "careers_site/applied.html",
        {"retention_months": settings.ATS_APPLICATION_RETENTION_MONTHS},
    )
