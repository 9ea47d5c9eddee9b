"""The self-service pages under /my-data/. Every page for a signed-in person starts from
their candidate id (person_required); anything that is not theirs is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ats.models import Application, Candidate, Consent, DataExport
from ats.services.requests import data_request_confirm, data_request_peek
from careers_site import ratelimit
from careers_site.selfservice import export, selectors, services
from careers_site.selfservice.forms import ContactForm, EraseForm, RestrictionForm, SignInForm
from careers_site.selfservice.session import (
    normalised,
    person_required,
    sign_in_link_request,
    sign_in_link_use,
    sign_in_link_valid,
    sign_out,
    signed_in_candidate,
)

INVALID_LINK = "careers_site/selfservice/link_invalid.html"


@never_cache
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """Signed in: everything we hold. Otherwise: the form that emails a sign-in link,
    which answers the same whether or not the address is known."""
    if request.method == "GET":
        candidate = signed_in_candidate(request)
        if candidate is not None:
            return _overview(request, candidate)
        form = SignInForm()
    else:
        form = SignInForm(request.POST)
        if form.is_valid():
            email = normalised(form.cleaned_data["email"])
            window = settings.ATS_SELF_SERVICE_RATE_WINDOW_SECONDS
            allowed = ratelimit.allow(
                request,
                scope="my-data-link",
                limit=settings.ATS_SELF_SERVICE_IP_RATE_LIMIT,
                window=window,
            ) and ratelimit.allow_value(
                email,
                scope="my-data-link-address",
                limit=settings.ATS_SELF_SERVICE_LINK_RATE_LIMIT,
                window=window,
            )
            if not allowed:
                return render(request, "careers_site/selfservice/rate_limited.html", status=429)
            sign_in_link_request(email=email)
            return render(
                request,
                "careers_site/selfservice/link_sent.html",
                {"minutes": settings.ATS_SELF_SERVICE_LINK_MINUTES},
            )
    return render(
        request,
        "careers_site/selfservice/sign_in.html",
        {"form": form, "contact": settings.ATS_PRIVACY_CONTACT},
    )


def _overview(request: HttpRequest, candidate: Candidate) -> HttpResponse:
    return render(
        request,
        "careers_site/selfservice/overview.html",
        {
            "candidate": candidate,
            "items": selectors.application_items(candidate),
            "consents": list(selectors.consents_of(candidate)),
            "pool_entries": [
                (entry, selectors.pool_expiry(entry))
                for entry in selectors.pool_entries_of(candidate)
            ],
            "exports": list(selectors.exports_of(candidate)),
            "requests": list(selectors.requests_of(candidate)),
            "direct_export": export.documents_size(candidate)
            <= settings.ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES,
            "show_internal": settings.ATS_SELF_SERVICE_SHOW_INTERNAL,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST uses
    the link once. A link unknown, used, expired or altered gets the same page."""
    if request.method == "GET":
        if not sign_in_link_valid(token):
            return render(request, INVALID_LINK, status=400)
        return render(request, "careers_site/selfservice/sign_in_confirm.html")
    if sign_in_link_use(request, token=token) is None:
        return render(request, INVALID_LINK, status=400)
    return redirect("careers_site:my_data")


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    messages.success(request, _("You are signed out."))
    return redirect("careers_site:my_data")


@require_POST
@person_required
def export_start(request: HttpRequest, candidate: Candidate) -> HttpResponse:
    """A small set streams at once; a large one is prepared by a task and announced by
    email."""
    if export.documents_size(candidate) <= settings.ATS_SELF_SERVICE_EXPORT_DIRECT_BYTES:
        return export.archive_response(candidate)
    export.data_export_request(candidate=candidate)
    messages.success(
        request,
        _("We are preparing your export. We email you when it is ready to download here."),
    )
    return redirect("careers_site:my_data")


@never_cache
@require_http_methods(["GET"])
@person_required
def export_download(request: HttpRequest, candidate: Candidate, pk: str) -> HttpResponse:
    stored = get_object_or_404(
        selectors.exports_of(candidate).select_related("candidate"),
        pk=pk,
        state=DataExport.State.READY,
    )
    return export.data_export_response(stored)


@never_cache
@require_http_methods(["GET", "POST"])
@person_required
def contact(request: HttpRequest, candidate: Candidate) -> HttpResponse:
    """Rectification (Art. 16) of the contact details; the email address is the
    identity and is changed by writing to us."""
    initial = {name: getattr(candidate, name) for name in services.CONTACT_FIELDS}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.contact_details_correct(candidate=candidate, **form.cleaned_data)
        if changed:
            messages.success(request, _("Your contact details are corrected."))
        return redirect("careers_site:my_data")
    return render(
        request,
        "careers_site/selfservice/contact.html",
        {"form": form, "contact": settings.ATS_PRIVACY_CONTACT},
    )


@require_POST
@person_required
def consent_withdraw(request: HttpRequest, candidate: Candidate, pk: int) -> HttpResponse:
    consent = get_object_or_404(Consent, pk=pk, candidate=candidate)
    if consent.withdrawn_at is None:
        services.consent_withdraw_by_person(candidate=candidate, consent=consent)
        messages.success(request, _("Your consent is withdrawn, with immediate effect."))
    if signed_in_candidate(request) is None:
        return render(request, "careers_site/selfservice/erased.html")
    return redirect("careers_site:my_data")


def _erase_target(candidate: Candidate, value: str) -> Application | None:
    """The application named (None for "all"); another person's is a 404."""
    if value == "all":
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(Application, pk=int(value), candidate=candidate)


@never_cache
@require_http_methods(["GET", "POST"])
@person_required
def erase(request: HttpRequest, candidate: Candidate, which: str) -> HttpResponse:
    """The confirmation step (what goes, what is kept and why), then the erasure."""
    target = _erase_target(candidate, which)
    items = [
        item
        for item in selectors.application_items(candidate)
        if target is None or item.application.pk == target.pk
    ]
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if target is not None:
            try:
                services.application_erase_by_person(candidate=candidate, application=target)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("careers_site:my_data")
            if signed_in_candidate(request) is None:
                return render(request, "careers_site/selfservice/erased.html")
            messages.success(request, _("The application and everything about it are erased."))
            return redirect("careers_site:my_data")
        result = services.everything_erase_by_person(candidate=candidate)
        if result.person_erased:
            sign_out(request)
            return render(request, "careers_site/selfservice/erased.html")
        messages.success(
            request,
            _(
                "What could be erased is erased and your consents are withdrawn. What we must "
                "keep is listed below, with the reason and until when."
            ),
        )
        return redirect("careers_site:my_data")
    return render(
        request,
        "careers_site/selfservice/erase_confirm.html",
        {"form": form, "items": items, "all": target is None, "which": which},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@person_required
def restrict(request: HttpRequest, candidate: Candidate) -> HttpResponse:
    """Restriction (Art. 18) or objection (Art. 21), with the person's reason: a request
    for HR; a restriction freezes the application(s) at once."""
    applications = list(selectors.applications_of(candidate))
    form = RestrictionForm(request.POST or None, applications=applications)
    if request.method == "POST" and form.is_valid():
        services.restriction_or_objection_ask(
            candidate=candidate,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            application=form.cleaned_data["application"],
        )
        messages.success(
            request,
            _("We received your request. We answer within one month, usually much sooner."),
        )
        return redirect("careers_site:my_data")
    return render(request, "careers_site/selfservice/restrict.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The identity check of a request HR entered from an email or a letter: the person
    confirms from the link sent to their address (GET changes nothing)."""
    if request.method == "GET":
        pending = data_request_peek(token=token)
        if pending is None:
            return render(request, INVALID_LINK, status=400)
        return render(
            request, "careers_site/selfservice/request_confirm.html", {"data_request": pending}
        )
    confirmed = data_request_confirm(token=token)
    if confirmed is None:
        return render(request, INVALID_LINK, status=400)
    return render(
        request, "careers_site/selfservice/request_confirmed.html", {"data_request": confirmed}
    )
