"""The talent pool's public pages: the standalone form, and the pages behind the signed
links in its emails (join by an offer, renew, withdraw). No login: the signed link is
the key. A GET changes nothing (mail scanners follow links); a POST does.

A link that is tampered with or made for another page is refused with 400, one that
has expired or whose state has moved on (used already, membership ended, data gone)
with 410; each with a page that says what happened and what to do, and no change."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ats.models import Candidate, Consent, ConsentText, Document, Purpose
from careers_site.forms import SPECIAL_CATEGORY_FIELDS
from careers_site.ratelimit import allow
from careers_site.services import Submission, SubmissionRefused, application_submit, consent_text
from talentpool import links
from talentpool.forms import ConsentConfirmForm, PoolJoinForm
from talentpool.models import Source, TalentPoolEntry, pool_months
from talentpool.services import (
    current_entry,
    pool_consent_text,
    pool_join_by_offer,
    pool_renew,
    pool_withdraw,
)

# --- The standalone form -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Join the talent pool without applying for a vacancy: an unsolicited application
    made only for the pool (same fields and vault), the pool consent and the entry."""
    language = get_language() or settings.LANGUAGE_CODE
    texts = {
        "special_category": consent_text(Purpose.SPECIAL_CATEGORY, language),
        "talent_pool": consent_text(Purpose.TALENT_POOL, language),
    }
    if request.method == "GET":
        form = PoolJoinForm(
            initial={
                "special_category_text": texts["special_category"].pk,
                "talent_pool_text": texts["talent_pool"].pk,
            }
        )
        return _join_page(request, form, texts)

    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    form = PoolJoinForm(request.POST, request.FILES)
    if not allow(
        request,
        scope="apply",
        limit=settings.ATS_APPLY_RATE_LIMIT,
        window=settings.ATS_APPLY_RATE_WINDOW_SECONDS,
    ):
        form.is_valid()
        form.add_error(None, _("You sent many forms in a short time. Please wait an hour."))
        return _join_page(request, form, texts, status=429)
    if too_big:
        form.is_valid()
        form.add_error(
            None,
            _("Your files total more than %(limit)d MB. Please upload fewer or smaller files.")
            % {"limit": settings.ATS_MAX_APPLICATION_BYTES // (1024 * 1024)},
        )
        return _join_page(request, form, texts, status=400)
    if not form.is_valid():
        return _join_page(request, form, texts, status=400)
    if form.is_bot:
        return redirect("talentpool:joined")  # look like success, keep nothing

    data = form.cleaned_data
    files = [("cv", Document.Kind.CV, data["cv"])]
    if data.get("cover_letter"):
        files.append(("cover_letter", Document.Kind.COVER_LETTER, data["cover_letter"]))
    files += [("references", Document.Kind.REFERENCE, f) for f in data.get("references") or []]
    submission = Submission(
        vacancy=None,
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        phone=data["phone"],
        linkedin_url=data.get("linkedin_url") or "",
        channel=data["channel"],
        channel_other=data.get("channel_other") or "",
        gender=data.get("gender") or "",
        special_category={f: data[f] for f in SPECIAL_CATEGORY_FIELDS},
        special_category_text=consent_text(
            Purpose.SPECIAL_CATEGORY, language, data.get("special_category_text")
        )
        if data["special_category_consent"]
        else None,
        talent_pool_text=consent_text(Purpose.TALENT_POOL, language, data.get("talent_pool_text")),
        files=[(field, kind, f.name, f.read()) for field, kind, f in files],
        submission_key=data["submission_key"],
        language=language,
        # The pool's welcome email replaces the application's confirmation.
        send_confirmation=False,
        pool_form=True,
        pool_location=data.get("location") or "",
        pool_skills=data.get("skills") or [],
    )
    try:
        application_submit(submission)
    except SubmissionRefused as refused:
        for field, messages in refused.errors.items():
            for message in messages:
                form.add_error(field or None, message)
        return _join_page(request, form, texts, status=400)
    return redirect("talentpool:joined")


def _join_page(request, form, texts, status: int = 200) -> HttpResponse:
    return render(
        request,
        "talentpool/join.html",
        {
            "form": form,
            "consent_texts": texts,
            "months": pool_months(),
            "max_upload_bytes": settings.ATS_MAX_UPLOAD_BYTES,
            "extensions": ",".join(f".{e}" for e in settings.ATS_UPLOAD_EXTENSIONS),
        },
        status=status,
    )


@require_safe
def joined(request: HttpRequest) -> HttpResponse:
    return render(request, "talentpool/joined.html", {"months": pool_months()})


# --- Signed links ----------------------------------------------------------------------------


def _problem(request: HttpRequest, problem: str, *, status: int) -> HttpResponse:
    """One page for every link that cannot do what it was made for; `problem` picks
    the explanation (the template's), nothing about the person is shown."""
    return render(request, "talentpool/link_problem.html", {"problem": problem}, status=status)


def _bad_link(request: HttpRequest, status: str) -> HttpResponse:
    if status == links.EXPIRED:
        return _problem(request, "expired", status=410)
    return _problem(request, "invalid", status=400)


def _shown_text(form: ConsentConfirmForm) -> ConsentText | None:
    if not form.is_valid():
        return None
    return ConsentText.objects.filter(
        pk=form.cleaned_data["text"], purpose=Purpose.TALENT_POOL
    ).first()


@require_http_methods(["GET", "POST"])
def join_offer(request: HttpRequest, token: str) -> HttpResponse:
    """An offer to join (the rejection email, HR's invitation): the page explains the
    pool, its period and the consent text; joining takes the button."""
    status, payload = links.join_offer_read(token)
    if status != links.VALID or payload.get("s") not in Source.values:
        return _bad_link(request, status if status != links.VALID else links.INVALID)
    candidate = Candidate.objects.filter(pk=payload["c"]).first()
    if candidate is None:
        return _problem(request, "gone", status=410)
    if current_entry(candidate) is not None:
        return _problem(request, "already_member", status=410)
    language = candidate.language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = pool_consent_text(language)
        if request.method == "POST":
            shown = _shown_text(ConsentConfirmForm(request.POST))
            if shown is None:
                return _problem(request, "invalid", status=400)
            entry = pool_join_by_offer(
                candidate=candidate,
                source=payload["s"],
                text=shown,
                application_id=payload.get("a") if isinstance(payload.get("a"), int) else None,
            )
            return render(
                request,
                "talentpool/offer_joined.html",
                {"expires_at": entry.expires_at, "months": pool_months()},
            )
        return render(
            request,
            "talentpool/offer.html",
            {
                "text": text,
                "form": ConsentConfirmForm(initial={"text": text.pk}),
                "months": pool_months(),
            },
        )


def _entry_of(payload: dict) -> TalentPoolEntry | None:
    return (
        TalentPoolEntry.objects.select_related("candidate")
        .filter(pk=payload.get("e"), candidate_id=payload.get("c"))
        .first()
    )


@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, token: str) -> HttpResponse:
    """The renewal link: the page shows the current consent text; the button renews for
    another period under a new consent with that text."""
    status, payload = links.read_token(
        token, salt=links.RENEW_SALT, max_age=links.renewal_max_age()
    )
    if status != links.VALID or not isinstance(payload.get("n"), int):
        return _bad_link(request, status if status != links.VALID else links.INVALID)
    entry = _entry_of(payload)
    if entry is None:
        return _problem(request, "gone", status=410)
    if not entry.is_current():
        return _problem(request, "ended", status=410)
    if entry.renewal_count != payload["n"]:
        return _problem(request, "already_renewed", status=410)
    language = entry.candidate.language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = pool_consent_text(language)
        if request.method == "POST":
            shown = _shown_text(ConsentConfirmForm(request.POST))
            if shown is None:
                return _problem(request, "invalid", status=400)
            try:
                pool_renew(entry=entry, consent_text=shown, via=Consent.Via.EMAIL_LINK)
            except ValidationError:
                return _problem(request, "ended", status=410)
            entry.refresh_from_db()
            return render(request, "talentpool/renewed.html", {"expires_at": entry.expires_at})
        return render(
            request,
            "talentpool/renew.html",
            {
                "text": text,
                "form": ConsentConfirmForm(initial={"text": text.pk}),
                "expires_at": entry.expires_at,
                "months": pool_months(),
            },
        )


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """Leave the pool: a confirmation page, then the withdrawal on POST, effective at
    once. No login, no reason asked."""
    status, payload = links.read_token(token, salt=links.WITHDRAW_SALT)
    if status != links.VALID:
        return _bad_link(request, status)
    entry = _entry_of(payload)
    if entry is None:
        return _problem(request, "gone", status=410)
    if entry.ended_at is not None:
        return _problem(request, "already_left", status=410)
    language = entry.candidate.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if request.method == "POST":
            pool_withdraw(entry=entry, via=Consent.Via.EMAIL_LINK)
            return render(request, "talentpool/withdrawn.html")
        return render(request, "talentpool/withdraw.html", {"expires_at": entry.expires_at})
