"""HR's retention pages: what the job erased and will erase, what holds it back, and
the legal holds HR places and releases. HR only: for everyone else the answer is 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from anonymizer import rules
from anonymizer.forms import LegalHoldForm
from anonymizer.selectors import (
    ERASED_KINDS,
    erasure_runs,
    erasures_per_rule,
    idle_undecided_applications,
    legal_holds_in_force,
    recent_retention_runs,
    upcoming_erasures_by_day,
)
from anonymizer.services import legal_hold_place, legal_hold_release
from ats.models import Application
from ats.retention import RULE_LABELS
from ats.selectors import is_hr, visible_applications

RUNS_PER_PAGE = 20
IDLE_PER_PAGE = 50
UPCOMING_DAYS = 30

KIND_LABELS = {
    "applications": gettext_lazy("Applications"),
    "candidates": gettext_lazy("Candidates"),
    "documents": gettext_lazy("Documents"),
    "notes": gettext_lazy("Notes"),
    "evaluations": gettext_lazy("Evaluations"),
    "emails": gettext_lazy("Emails"),
    "stage_changes": gettext_lazy("Stage changes"),
    "consents": gettext_lazy("Consents"),
    "audit_events": gettext_lazy("Audit events"),
    "special_category_answers": gettext_lazy("Special-category answers"),
}


def _require_hr(request: HttpRequest) -> None:
    if not is_hr(request.user):
        raise Http404


def _rule_label(rule: str) -> str:
    """The rule in the words the candidate file uses (ats.retention)."""
    return capfirst(str(RULE_LABELS.get(rule, rule)))


def _in_order(item: tuple[str, int]) -> tuple[int, str]:
    """Rules in the order the job's report lists them (unknown ones last)."""
    rule = item[0]
    position = rules.ERASING_RULES.index(rule) if rule in rules.ERASING_RULES else 99
    return position, rule


def _hold_application(request: HttpRequest, pk: int) -> Application:
    _require_hr(request)
    return get_object_or_404(
        visible_applications(request.user).select_related("candidate", "vacancy", "stage"), pk=pk
    )


@require_safe
@login_required
def retention(request: HttpRequest) -> HttpResponse:
    """The accountability page: erasure runs, upcoming erasures, the job's latest runs and
    their failures, legal holds in force, idle undecided applications. A constant number
    of queries, whatever the number of records."""
    _require_hr(request)
    now = timezone.now()
    runs = Paginator(erasure_runs(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    per_rule = erasures_per_rule(run["run_id"] for run in runs)
    latest = recent_retention_runs()
    reported = {run.run_id: run for run in latest}
    run_rows = [
        {
            "finished_at": run["finished_at"],
            "records": run["records"],
            "rules": [
                (_rule_label(rule), records)
                for rule, records in sorted(per_rule.get(run["run_id"], {}).items(), key=_in_order)
            ],
            "erased": [(KIND_LABELS[kind], run[kind]) for kind in ERASED_KINDS if run[kind]],
            "report": reported.get(str(run["run_id"])),
        }
        for run in runs
    ]
    upcoming = [
        {"group": group, "rule": _rule_label(group.rule)}
        for group in upcoming_erasures_by_day(now, days=UPCOMING_DAYS)
    ]
    idle = Paginator(
        idle_undecided_applications(now).select_related("candidate", "vacancy", "stage"),
        IDLE_PER_PAGE,
    ).get_page(request.GET.get("idle_page"))
    return render(
        request,
        "anonymizer/retention.html",
        {
            "suspended": settings.ATS_RETENTION_SUSPENDED,
            "runs": runs,
            "run_rows": run_rows,
            "latest_runs": latest[:10],
            "last_run": latest[0] if latest else None,
            "upcoming": upcoming,
            "upcoming_days": UPCOMING_DAYS,
            "holds": list(legal_holds_in_force(timezone.localdate())),
            "idle": idle,
            "idle_days": rules.idle_days(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def legal_hold_place_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _hold_application(request, pk)
    initial = {}
    if application.legal_hold_reason or application.legal_hold_until:
        initial = {
            "reason": application.legal_hold_reason,
            "until": application.legal_hold_until,
        }
    form = LegalHoldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            legal_hold_place(
                application=application,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Legal hold placed: this application is not erased."))
            return redirect("application_file", pk=application.pk)
    deadline = rules.application_deadline(application, timezone.now())
    return render(
        request,
        "anonymizer/legal_hold_form.html",
        {
            "application": application,
            "candidate": application.candidate,
            "form": form,
            "deadline": deadline,
            "deadline_rule": RULE_LABELS.get(deadline.rule, deadline.rule),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def legal_hold_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _hold_application(request, pk)
    if not application.legal_hold_reason and application.legal_hold_until is None:
        messages.info(request, _("This application has no legal hold."))
    else:
        legal_hold_release(application=application, by=request.user)
        messages.success(request, _("Legal hold released: the other retention rules apply."))
    return redirect("application_file", pk=application.pk)
