"""The HR request desk under /recruit/requests/: data subject requests, their deadlines,
owners and outcomes, and restrictions. HR only: for anyone else the pages do not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ats.forms.requests import (
    AssignForm,
    ExtendForm,
    LiftForm,
    RequestEntryForm,
    RestrictForm,
    UpdateForm,
)
from ats.models import Application, DataRequest
from ats.services import requests as desk
from ats.views.vacancies import hr_required

PAGE_SIZE = 50
FILTERS = {
    "open": lambda qs: qs.exclude(state__in=DataRequest.CLOSED_STATES),
    "closed": lambda qs: qs.filter(state__in=DataRequest.CLOSED_STATES),
    "all": lambda qs: qs,
}


@login_required
@hr_required
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    shown = request.GET.get("show", "open")
    if shown not in FILTERS:
        shown = "open"
    requests = FILTERS[shown](DataRequest.objects.select_related("owner")).order_by("due_at", "pk")
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "ats/requests/list.html",
        {
            "page": page,
            "shown": shown,
            "now": now,
            "overdue": desk.overdue_requests(now).count(),
            "due_soon": desk.due_soon_requests(now).count(),
        },
    )


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    form = RequestEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entered = desk.data_request_enter(
                kind=form.cleaned_data["kind"],
                via=form.cleaned_data["via"],
                contact_email=form.cleaned_data["contact_email"],
                received_at=form.received_at(),
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The request is recorded; the confirmation link is on its way.")
            )
            return redirect("data_request", pk=entered.pk)
    return render(request, "ats/requests/new.html", {"form": form})


def _request(pk: int) -> DataRequest:
    return get_object_or_404(
        DataRequest.objects.select_related("owner", "candidate", "application__vacancy"), pk=pk
    )


def _applications_of(data_request: DataRequest):
    if data_request.candidate_id is None:
        return Application.objects.none()
    return Application.objects.filter(candidate=data_request.candidate_id).select_related("vacancy")


def _detail(request: HttpRequest, data_request: DataRequest, **forms: object) -> HttpResponse:
    context = {
        "data_request": data_request,
        "now": timezone.now(),
        "restrictions": list(desk.restrictions_of(data_request)),
        "assign_form": AssignForm(initial={"owner": data_request.owner_id}),
        "update_form": UpdateForm(
            initial={"state": data_request.state, "outcome": data_request.outcome}
        ),
        "extend_form": ExtendForm(),
        "restrict_form": RestrictForm(applications=_applications_of(data_request)),
        "can_extend": data_request.extended_by_months < DataRequest.MAX_EXTENSION_MONTHS,
    }
    context.update(forms)
    status = 400 if forms else 200
    return render(request, "ats/requests/detail.html", context, status=status)


@login_required
@hr_required
@require_safe
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _request(pk))


@login_required
@hr_required
@require_POST
def request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _detail(request, data_request, assign_form=form)
    desk.data_request_assign(
        request=data_request, owner=form.cleaned_data["owner"], by=request.user
    )
    return redirect("data_request", pk=pk)


@login_required
@hr_required
@require_POST
def request_update(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request(pk)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            desk.data_request_update(
                request=data_request,
                state=form.cleaned_data["state"],
                outcome=form.cleaned_data["outcome"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The request is updated."))
            return redirect("data_request", pk=pk)
    return _detail(request, data_request, update_form=form)


@login_required
@hr_required
@require_POST
def request_extend(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request(pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            desk.data_request_extend(
                request=data_request,
                months=form.cleaned_data["months"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The deadline is extended. Tell the person why."))
            return redirect("data_request", pk=pk)
    return _detail(request, data_request, extend_form=form)


@login_required
@hr_required
@require_POST
def request_resend(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request(pk)
    try:
        desk.data_request_resend_confirmation(request=data_request, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A new confirmation link is on its way."))
    return redirect("data_request", pk=pk)


@login_required
@hr_required
@require_POST
def request_restrict(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request(pk)
    form = RestrictForm(request.POST, applications=_applications_of(data_request))
    if data_request.state == DataRequest.State.UNCONFIRMED:
        form.add_error(None, _("The person has not confirmed this request yet."))
    if not form.is_valid():
        return _detail(request, data_request, restrict_form=form)
    desk.restriction_place(
        application=form.cleaned_data["application"], request=data_request, by=request.user
    )
    messages.success(request, _("The application is restricted: frozen until lifted."))
    return redirect("data_request", pk=pk)


@login_required
@hr_required
@require_POST
def request_lift(request: HttpRequest, pk: int) -> HttpResponse:
    data_request = _request(pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        return _detail(request, data_request)
    restriction = get_object_or_404(
        desk.restrictions_of(data_request), pk=form.cleaned_data["restriction"]
    )
    if desk.restriction_lift(restriction=restriction, by=request.user):
        messages.success(request, _("The restriction is lifted."))
    return redirect("data_request", pk=pk)
