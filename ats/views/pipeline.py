"""The pipeline board of a vacancy: a column per stage, a card per application."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ats.forms.workspace import MoveForm
from ats.models import Document
from ats.selectors import average_rating, visible_applications, visible_vacancies
from ats.services import application_move_stage, stages_for

CARDS_PER_COLUMN = 25


def _documents_in(statuses: list[str]) -> Coalesce:
    """How many of a card's documents are in these scan states (a correlated subquery,
    so the card query needs no GROUP BY over every application)."""
    counted = (
        Document.objects.filter(application=OuterRef("pk"), scan_status__in=statuses)
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def board_cards(user, vacancy):
    """The first applications of each column, with what a card shows, in one query:
    a vacancy with thousands of applications still renders a board of bounded size."""
    return (
        visible_applications(user)
        .filter(vacancy=vacancy)
        .annotate(
            place=Window(
                RowNumber(), partition_by=[F("stage_id")], order_by=[F("submitted_at"), F("pk")]
            )
        )
        .filter(place__lte=CARDS_PER_COLUMN)
        .select_related("candidate", "stage")
        .annotate(
            rating=average_rating(),
            documents_waiting=_documents_in([Document.ScanStatus.PENDING]),
            documents_failed=_documents_in(
                [Document.ScanStatus.FAILED, Document.ScanStatus.INFECTED]
            ),
        )
        .order_by("submitted_at")
    )


@require_safe
@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = get_object_or_404(visible_vacancies(request.user).select_related("department"), pk=pk)
    stages = list(stages_for(vacancy))
    columns = {stage.pk: [] for stage in stages}
    for application in board_cards(request.user, vacancy):
        columns[application.stage_id].append(application)
    totals = dict(
        visible_applications(request.user)
        .filter(vacancy=vacancy)
        .values_list("stage_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return render(
        request,
        "ats/pipeline_board.html",
        {
            "vacancy": vacancy,
            "stages": stages,
            "columns": [
                (stage, columns[stage.pk], totals.get(stage.pk, 0), stage_options(stages, stage))
                for stage in stages
            ],
            # Reversed once, not per card: a card's URLs are these plus its id.
            "file_prefix": reverse("application_list"),
        },
    )


def stage_options(stages: list, selected) -> str:
    """The <option>s of a column's move menus, rendered once for all its cards."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, mark_safe(" selected") if s.pk == selected.pk else "", s.name) for s in stages),
    )


@require_POST
@login_required
def application_move(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(visible_applications(request.user), pk=pk)
    form = MoveForm(request.POST, application=application)
    if form.is_valid():
        try:
            application_move_stage(
                application=application, stage=form.cleaned_data["stage"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Moved to %(stage)s.") % {"stage": form.cleaned_data["stage"]}
            )
    else:
        messages.error(request, _("Choose a stage of this vacancy."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    if target:
        return redirect(target)
    if application.vacancy_id is None:
        return redirect("application_file", pk=application.pk)
    return redirect("vacancy_board", pk=application.vacancy_id)
