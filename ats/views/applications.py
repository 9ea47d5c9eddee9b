"""Applications: the list across visible vacancies, and the candidate file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html import escape
from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ats.claims_access import Reason, grant_access, has_access
from ats.csv_export import csv_response
from ats.forms.workspace import ApplicationFilterForm, EvaluationForm, MoveForm, NoteForm
from ats.models import Application, AuditEvent
from ats.retention import erasure_of
from ats.selectors import average_rating, is_hr, visible_applications, visible_vacancies
from ats.services.applications import application_erase_as_spam, special_category_answers
from ats.services.decisions import decision_email_undelivered, erasure_date
from ats.services.workspace import evaluation_add, note_add
from ats.views.access import recruiter_required

PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> tuple[ApplicationFilterForm, object]:
    vacancies = list(visible_vacancies(request.user).order_by("title").only("pk", "title"))
    form = ApplicationFilterForm(request.GET or None, vacancies=vacancies)
    applications = (
        visible_applications(request.user)
        .select_related("candidate", "stage", "vacancy")
        .annotate(rating=average_rating())
    )
    sort = "-submitted_at"
    if form.is_valid():
        data = form.cleaned_data
        for word in (data.get("q") or "").split()[:5]:
            applications = applications.filter(
                Q(candidate__first_name__icontains=word)
                | Q(candidate__last_name__icontains=word)
                | Q(candidate__email__icontains=word)
            )
        if data.get("vacancy"):
            applications = applications.filter(vacancy_id=data["vacancy"])
        if data.get("stage_kind"):
            applications = applications.filter(stage__kind=data["stage_kind"])
        sort = form.SORTS.get(data.get("sort") or "newest", sort)
    return form, applications.order_by(sort, "pk")


@require_safe
@login_required
@recruiter_required
def application_list(request: HttpRequest) -> HttpResponse:
    form, applications = _filtered(request)
    paginator = Paginator(applications.values_list(*_Row.FIELDS), PAGE_SIZE)
    # Counted without the joins the rows' fields need (the page's query keeps them).
    paginator.count = applications.count()
    page = paginator.get_page(request.GET.get("page"))
    render_row = _Row(file_prefix=reverse("application_list"))
    # Safe: _Row escapes everything it puts into a row.
    rows = mark_safe("".join(render_row(*values) for values in page))  # noqa: S308
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {
        "form": form,
        "menus": [(form[name], _options(form[name])) for name in ("vacancy", "stage_kind", "sort")],
        "page": page,
        "rows": rows,
        "filters": filters.urlencode(),  # kept by the links to the other pages
    }
    return render(request, "ats/application_list.html", context)


def _options(field: BoundField) -> str:
    """A filter menu's <option>s, as its Select widget would render them but without
    the widget's template per option (the page's three menus took some thirty template
    includes)."""
    selected = "" if field.value() is None else str(field.value())
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == selected else "", label)
            for value, label in field.field.choices
        ),
    )


class _Row:
    """A row of the application list, as HTML. The page's rows are read as tuples of
    the fields shown (no model instances) and formatted here: in the template language
    each row cost about ten variable lookups, a URL reversal and two localised filters,
    and the list is the workspace's second busiest page (docs/benchmarks.md)."""

    FIELDS = (
        "pk",
        "candidate__first_name",
        "candidate__last_name",
        "vacancy__title",
        "stage__name",
        "submitted_at",
        "rating",
    )
    ROW = (
        '<tr><td><a href="{prefix}{id}/">{name}</a></td><td>{vacancy}</td><td>{stage}</td>'
        "<td>{day}</td><td>{rating}</td></tr>\n"
    )

    def __init__(self, *, file_prefix: str) -> None:
        self.prefix = escape(file_prefix)
        self.unsolicited = escape(_("Unsolicited"))
        self.zone = timezone.get_current_timezone()
        self.days: dict[date, str] = {}

    def __call__(
        self,
        pk: int,
        first_name: str,
        last_name: str,
        vacancy: str | None,
        stage: str,
        submitted_at: datetime,
        rating: Decimal | float | None,
    ) -> str:
        day = submitted_at.astimezone(self.zone).date()
        if day not in self.days:
            self.days[day] = escape(date_format(day, "SHORT_DATE_FORMAT"))
        return self.ROW.format(
            prefix=self.prefix,
            id=int(pk),
            name=escape(f"{first_name} {last_name}".strip()),  # as Candidate.full_name
            vacancy=self.unsolicited if vacancy is None else escape(vacancy),
            stage=escape(stage),
            day=self.days[day],
            rating=f"{escape(floatformat(rating, 1))}/5" if rating else "",
        )


@require_safe
@login_required
@recruiter_required
def application_export(request: HttpRequest) -> HttpResponse:
    """The list as it is filtered, as CSV; audited with the number of rows."""
    _form, applications = _filtered(request)
    rows = [
        (
            a.candidate.first_name,
            a.candidate.last_name,
            a.candidate.email,
            a.vacancy.title if a.vacancy else _("Unsolicited"),
            a.stage.name,
            a.submitted_at.date().isoformat(),
            f"{a.rating:.1f}" if a.rating else "",
        )
        for a in applications[:10_000]
    ]
    AuditEvent.record(
        actor=request.user, action="applications_exported", target=request.user, rows=len(rows)
    )
    header = [
        _("First name"),
        _("Last name"),
        _("Email"),
        _("Vacancy"),
        _("Stage"),
        _("Applied"),
        _("Rating"),
    ]
    return csv_response("applications.csv", header, rows)


def _visible(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        visible_applications(request.user).select_related("candidate", "vacancy", "stage"), pk=pk
    )


@require_safe
@login_required
def application_file(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    if not has_access(request, application):
        return render(
            request, "ats/claims_reason.html", {"application": application, "form": Reason()}
        )
    AuditEvent.record(actor=request.user, action="application_viewed", target=application)
    return render(request, "ats/application_file.html", file_context(request, application))


def file_context(request: HttpRequest, application: Application, **extra: object) -> dict:
    hr = is_hr(request.user)
    notes = list(application.notes.select_related("author"))
    evaluations = list(application.evaluations.select_related("author", "stage"))
    changes = list(application.stage_changes.select_related("from_stage", "to_stage", "changed_by"))
    emails = list(application.emails.select_related("sent_by"))
    timeline = sorted(
        chain(
            (("stage", c.changed_at, c) for c in changes),
            (("email", e.created_at, e) for e in emails),
            (("note", n.created_at, n) for n in notes),
            (("evaluation", v.created_at, v) for v in evaluations),
        ),
        key=lambda item: item[1],
    )
    context = {
        "application": application,
        "candidate": application.candidate,
        "documents": list(application.documents.all()),
        "consents": list(application.candidate.consents.select_related("text")),
        "notes": notes,
        "evaluations": evaluations,
        "timeline": timeline,
        "move_form": MoveForm(application=application, initial={"stage": application.stage}),
        "note_form": NoteForm(),
        "show_special_category": hr,
        "special_category": special_category_answers(application) if hr else {},
        "erasure": erasure_of(application),
        "erasure_date": erasure_date(application),
        "undelivered": decision_email_undelivered(application),
        "retention_months": settings.ATS_APPLICATION_RETENTION_MONTHS,
    }
    context.update(extra)
    return context


@require_POST
@login_required
def claims_access(request: HttpRequest, pk: int) -> HttpResponse:
    """HR states why they open an application kept only for legal claims."""
    application = _visible(request, pk)
    form = Reason(request.POST)
    if not application.is_kept_for_claims:
        return redirect("application_file", pk=application.pk)
    if not form.is_valid():
        context = {"application": application, "form": form}
        return render(request, "ats/claims_reason.html", context, status=400)
    grant_access(request, application, reason=form.cleaned_data["reason"], by=request.user)
    return redirect("application_file", pk=application.pk)


@require_POST
@login_required
def note_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        context = file_context(request, application, note_form=form)
        return render(request, "ats/application_file.html", context, status=400)
    try:
        note_add(application=application, author=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("application_file", pk=application.pk)
    messages.success(request, _("Note added."))
    return redirect("application_file", pk=application.pk)


@require_http_methods(["GET", "POST"])
@login_required
def evaluation_new(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    stage = application.stage
    if not stage.criteria:
        raise Http404  # this stage has no scorecard
    form = EvaluationForm(request.POST or None, criteria=stage.criteria)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation_add(
                application=application,
                stage=stage,
                author=request.user,
                ratings=form.ratings(),
                overall=form.cleaned_data["overall"],
                recommendation=form.cleaned_data["recommendation"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Evaluation saved."))
            return redirect("application_file", pk=application.pk)
    return render(
        request,
        "ats/evaluation_form.html",
        {"application": application, "stage": stage, "form": form},
        status=400 if form.errors else 200,
    )


@require_safe
@login_required
def audit_trail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    if not is_hr(request.user):
        raise Http404
    document_ids = [str(pk) for pk in application.documents.values_list("pk", flat=True)]
    events = (
        AuditEvent.objects.filter(
            Q(target_type="ats.application", target_id=str(application.pk))
            | Q(target_type="ats.document", target_id__in=document_ids)
        )
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "ats/audit_trail.html", {"application": application, "page": page})


@require_POST
@login_required
def erase_as_spam(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the confirmation to erase this application as spam."))
        return redirect("application_file", pk=application.pk)
    vacancy_id = application.vacancy_id
    try:
        application_erase_as_spam(application=application, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("application_file", pk=application.pk)
    messages.success(request, _("The application was erased as spam."))
    if vacancy_id is None:
        return redirect("application_list")
    return redirect("vacancy_board", pk=vacancy_id)
