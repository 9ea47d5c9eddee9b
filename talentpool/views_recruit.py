"""The recruiter side of the talent pool, under /recruit/pool/. Every view starts from
talentpool.selectors.visible_pool_entries: outside it, the answer is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ats.models import AuditEvent, Vacancy
from ats.selectors import is_hr
from ats.vault.download import DocumentUnreadable, document_response
from talentpool.forms_recruit import InviteForm, MemberProfileForm, PoolSearchForm, ShareForm
from talentpool.recruiting import (
    pool_entry_share,
    pool_entry_update_profile,
    pool_invite_to_apply,
    pool_offer_membership,
    shareable_vacancies,
)
from talentpool.search import pool_search_page
from talentpool.selectors import (
    may_use_pool,
    member_applications,
    member_documents,
    offer_candidates,
    pool_dashboard,
    pool_vacancies_of,
    visible_pool_entries,
)

PAGE_SIZE = 25


def _pool_user(request: HttpRequest) -> None:
    if not may_use_pool(request.user):
        raise Http404


def _hr(request: HttpRequest) -> None:
    if not is_hr(request.user):
        raise Http404


def _member(request: HttpRequest, pk: int):
    return get_object_or_404(
        visible_pool_entries(request.user).select_related("candidate", "consent__text"), pk=pk
    )


def invitable_vacancies(user, entry):
    """HR: every open vacancy. A hiring manager: their open vacancies the member is
    shared with."""
    open_vacancies = Vacancy.objects.filter(status=Vacancy.Status.OPEN).order_by("title")
    if is_hr(user):
        return open_vacancies
    return open_vacancies.filter(
        pk__in=pool_vacancies_of(user).filter(shared_pool_entries=entry).values("pk")
    )


@require_safe
@login_required
def pool_search_view(request: HttpRequest) -> HttpResponse:
    _pool_user(request)
    form = PoolSearchForm(request.GET or None)
    page = pool_search_page(
        visible_pool_entries(request.user), form.query(), request.GET.get("page"), PAGE_SIZE
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "talentpool/recruit/search.html",
        {
            "form": form,
            "page": page,
            "query_string": query_string.urlencode(),
            "dashboard": pool_dashboard() if is_hr(request.user) else None,
        },
    )


@require_safe
@login_required
def member_file(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _member(request, pk)
    AuditEvent.record(actor=request.user, action="talent_pool_member_viewed", target=entry)
    hr = is_hr(request.user)
    context = {
        "entry": entry,
        "candidate": entry.candidate,
        "applications": member_applications(request.user, entry),
        "documents": list(member_documents(entry)),
        "invite_form": InviteForm(vacancies=invitable_vacancies(request.user, entry)),
        "shared_with": list(entry.shared_with.order_by("title")),
    }
    if hr:
        context["profile_form"] = MemberProfileForm(
            initial={
                "location": entry.location,
                "skills": ", ".join(entry.skills),
                "tags": ", ".join(entry.tags),
            }
        )
        context["share_form"] = ShareForm(
            vacancies=shareable_vacancies(),
            initial={"vacancies": [v.pk for v in context["shared_with"]]},
        )
    return render(request, "talentpool/recruit/member.html", context)


@require_safe
@login_required
def member_document(request: HttpRequest, pk: int, document: str) -> HttpResponse:
    entry = _member(request, pk)
    document = get_object_or_404(member_documents(entry), pk=document)
    if not document.is_downloadable:
        return HttpResponse(
            _("This document cannot be downloaded: %(status)s.")
            % {"status": document.get_scan_status_display()},
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    AuditEvent.record(
        actor=request.user,
        action="document_downloaded",
        target=document,
        method=request.method,
        talent_pool_entry=entry.pk,
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


@require_POST
@login_required
def member_profile(request: HttpRequest, pk: int) -> HttpResponse:
    _hr(request)
    entry = _member(request, pk)
    form = MemberProfileForm(request.POST)
    if form.is_valid():
        pool_entry_update_profile(entry=entry, by=request.user, **form.cleaned_data)
        messages.success(request, _("The profile was saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("talentpool_recruit:member", pk=entry.pk)


@require_POST
@login_required
def member_share(request: HttpRequest, pk: int) -> HttpResponse:
    _hr(request)
    entry = _member(request, pk)
    form = ShareForm(request.POST, vacancies=shareable_vacancies())
    if form.is_valid():
        pool_entry_share(entry=entry, vacancies=form.cleaned_data["vacancies"], by=request.user)
        messages.success(request, _("Sharing was saved."))
    else:
        messages.error(request, _("Choose vacancies that are not closed."))
    return redirect("talentpool_recruit:member", pk=entry.pk)


@require_POST
@login_required
def member_invite(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _member(request, pk)
    form = InviteForm(request.POST, vacancies=invitable_vacancies(request.user, entry))
    if not form.is_valid():
        messages.error(request, _("Choose an open vacancy."))
        return redirect("talentpool_recruit:member", pk=entry.pk)
    try:
        pool_invite_to_apply(entry=entry, vacancy=form.cleaned_data["vacancy"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation to apply was sent."))
    return redirect("talentpool_recruit:member", pk=entry.pk)


@require_safe
@login_required
def offer_list(request: HttpRequest) -> HttpResponse:
    _hr(request)
    page = Paginator(offer_candidates(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    offered = set(
        AuditEvent.objects.filter(
            action="talent_pool_offered",
            target_type="ats.application",
            target_id__in=[str(application.pk) for application in page],
        ).values_list("target_id", flat=True)
    )
    return render(
        request,
        "talentpool/recruit/offer.html",
        {"page": page, "offered": {int(pk) for pk in offered}},
    )


@require_POST
@login_required
def offer_send(request: HttpRequest, application: int) -> HttpResponse:
    _hr(request)
    application = get_object_or_404(offer_candidates(request.user), pk=application)
    try:
        pool_offer_membership(application=application, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The offer to join the talent pool was sent."))
    return redirect("talentpool_recruit:offer")
