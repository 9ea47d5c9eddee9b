"""Decisions and the emails that tell the candidate; the templates they start from.

Each email is previewed before it is sent: Send sends only the text the preview showed
(a fingerprint of it travels with the form), and a changed text is previewed again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ats.forms.decisions import (
    BulkRejectForm,
    CommunicatedForm,
    DecisionEmailForm,
    DecisionTemplateForm,
    preview_digest,
    template_language_choices,
)
from ats.models import Application, DecisionTemplate
from ats.selectors import is_hr, visible_applications, visible_vacancies
from ats.services.decisions import (
    KIND_OF_DECISION,
    decision_communicated_record,
    decision_draft,
    decision_email_addition,
    decision_email_undelivered,
    decision_send,
    decision_send_bulk_reject,
    decision_template_update,
    erasure_date,
    fill_placeholders,
    placeholder_values,
    sample_values,
    template_language,
)

Kind = DecisionTemplate.Kind
# A hiring manager may reject and make offers in their vacancies; hiring is HR's.
MANAGER_KINDS = (Kind.REJECT, Kind.OFFER)


def _require_hr(request: HttpRequest) -> None:
    if not is_hr(request.user):
        raise Http404


def _visible_application(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        visible_applications(request.user).select_related("candidate", "vacancy", "stage"), pk=pk
    )


def _compose_context(
    request: HttpRequest,
    application: Application,
    kind: str,
    *,
    form: DecisionEmailForm | None = None,
    preview: dict | None = None,
    communicated_form: CommunicatedForm | None = None,
) -> dict:
    # HR records another way of telling the applicant while the clock has not started.
    may_record = (
        is_hr(request.user)
        and application.decision in KIND_OF_DECISION
        and application.decision_communicated_at is None
    )
    if may_record and communicated_form is None:
        communicated_form = CommunicatedForm(initial={"communicated_on": timezone.localdate()})
    return {
        "application": application,
        "candidate": application.candidate,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "form": form,
        "preview": preview,
        "emails": list(application.emails.select_related("sent_by").order_by("-created_at", "-pk")),
        "erasure_date": erasure_date(application),
        "retention_months": settings.ATS_APPLICATION_RETENTION_MONTHS,
        "undelivered": decision_email_undelivered(application),
        "communicated_form": communicated_form if may_record else None,
    }


@require_http_methods(["GET", "POST"])
@login_required
def decision_compose(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    application = _visible_application(request, pk)
    if kind not in Kind.values or (kind not in MANAGER_KINDS and not is_hr(request.user)):
        raise Http404
    if application.decision:
        # Decided: the page shows the outcome (emails, delivery, retention) instead.
        context = _compose_context(request, application, kind)
        return render(request, "ats/decision_compose.html", context)

    preview = None
    if request.method == "POST":
        form = DecisionEmailForm(request.POST, candidate=application.candidate)
        if form.is_valid():
            values = placeholder_values(application)
            subject = fill_placeholders(form.cleaned_data["subject"], values).strip()
            body = fill_placeholders(form.cleaned_data["body"], values)
            digest = preview_digest(application.pk, kind, subject, body)
            confirmed = request.POST.get("preview_digest") == digest
            if request.POST.get("action") == "send" and confirmed:
                try:
                    decision_send(
                        application=application,
                        kind=kind,
                        subject=subject,
                        body=body,
                        by=request.user,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("Decision recorded; the email is on its way."))
                    return redirect("decision_compose", pk=application.pk, kind=kind)
            else:
                preview = {
                    "subject": subject,
                    "body": body,
                    # Added below HR's text when sent (the talent pool's offer to join).
                    "addition": decision_email_addition(
                        application=application,
                        kind=kind,
                        language=template_language(application.candidate.language, kind=kind),
                    ),
                    "digest": digest,
                    "changed": request.POST.get("action") == "send",
                }
    else:
        draft = decision_draft(application=application, kind=kind)
        form = DecisionEmailForm(initial={"subject": draft.subject, "body": draft.body})
    context = _compose_context(request, application, kind, form=form, preview=preview)
    return render(request, "ats/decision_compose.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def decision_communicated(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    _require_hr(request)
    kind = KIND_OF_DECISION.get(application.decision)
    if kind is None:
        return HttpResponse(
            _("This application has no decision to communicate."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    form = CommunicatedForm(request.POST)
    if form.is_valid():
        try:
            decision_communicated_record(
                application=application,
                via=form.cleaned_data["via"],
                communicated_on=form.cleaned_data["communicated_on"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded: the retention clock has started."))
            return redirect("decision_compose", pk=application.pk, kind=kind)
    context = _compose_context(request, application, kind, communicated_form=form)
    return render(request, "ats/decision_compose.html", context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def bulk_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hr(request)
    vacancy = get_object_or_404(visible_vacancies(request.user), pk=pk)
    undecided = (
        visible_applications(request.user)
        .filter(vacancy=vacancy, decision=Application.Decision.NONE)
        .select_related("candidate", "stage", "vacancy")
        .order_by("submitted_at", "pk")
    )
    languages = template_language_choices()
    preview = None
    if request.method == "POST":
        form = BulkRejectForm(request.POST, applications=undecided, languages=languages)
        if form.is_valid():
            data = form.cleaned_data
            selected = list(data["applications"])
            digest = preview_digest(
                vacancy.pk,
                data["language"],
                data["subject"],
                data["body"],
                *(application.pk for application in selected),
            )
            confirmed = request.POST.get("preview_digest") == digest
            if request.POST.get("action") == "send" and confirmed:
                rejected, skipped = decision_send_bulk_reject(
                    vacancy=vacancy,
                    applications=selected,
                    subject=data["subject"],
                    body=data["body"],
                    language=data["language"],
                    by=request.user,
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)d application rejected; its email is on its way.",
                        "%(count)d applications rejected; their emails are on their way.",
                        rejected,
                    )
                    % {"count": rejected},
                )
                if skipped:
                    messages.warning(
                        request,
                        ngettext(
                            "%(count)d application was left out: it was decided meanwhile "
                            "or its subject would contain the candidate's name.",
                            "%(count)d applications were left out: they were decided meanwhile "
                            "or their subject would contain the candidate's name.",
                            skipped,
                        )
                        % {"count": skipped},
                    )
                return redirect("vacancy_bulk_reject", pk=vacancy.pk)
            first = selected[0]
            values = placeholder_values(first, language=data["language"])
            preview = {
                "application": first,
                "subject": fill_placeholders(data["subject"], values).strip(),
                "body": fill_placeholders(data["body"], values),
                # Added per person when sent (the talent pool's offer to join).
                "addition": decision_email_addition(
                    application=first, kind=Kind.REJECT, language=data["language"]
                ),
                "digest": digest,
                "count": len(selected),
                "changed": request.POST.get("action") == "send",
            }
    else:
        language = request.GET.get("language")
        if language not in dict(languages):
            language = settings.LANGUAGE_CODE
        template = DecisionTemplate.objects.filter(kind=Kind.REJECT, language=language).first()
        form = BulkRejectForm(
            applications=undecided,
            languages=languages,
            initial={
                "applications": list(undecided),  # all ticked
                "language": language,
                "subject": template.subject if template else "",
                "body": template.body if template else "",
            },
        )
    return render(
        request,
        "ats/bulk_reject.html",
        {"vacancy": vacancy, "form": form, "preview": preview, "undecided": undecided},
        status=400 if form.errors else 200,
    )


@require_safe
@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    _require_hr(request)
    templates = DecisionTemplate.objects.order_by("kind", "language")
    return render(request, "ats/decision_templates.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hr(request)
    template = get_object_or_404(DecisionTemplate, pk=pk)
    preview = None
    if request.method == "POST":
        form = DecisionTemplateForm(request.POST)
        if form.is_valid():
            subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
            if request.POST.get("action") == "save":
                try:
                    decision_template_update(
                        template=template, subject=subject, body=body, by=request.user
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("Template saved."))
                    return redirect("decision_templates")
            else:
                values = sample_values()
                preview = {
                    "subject": fill_placeholders(subject, values),
                    "body": fill_placeholders(body, values),
                }
    else:
        form = DecisionTemplateForm(initial={"subject": template.subject, "body": template.body})
    return render(
        request,
        "ats/decision_template_form.html",
        {
            "template": template,
            "form": form,
            "preview": preview,
            "language_name": dict(settings.LANGUAGES).get(template.language, template.language),
        },
        status=400 if form.errors else 200,
    )
