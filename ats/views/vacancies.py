"""Vacancy management, for HR: create and edit a vacancy and its team, publish and close
it, and shape its pipeline. To anyone else these pages do not exist (404, never 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ats.forms.vacancies import (
    StageAddForm,
    StageChoiceForm,
    StageForm,
    StageMoveForm,
    VacancyForm,
)
from ats.models import Stage, Vacancy
from ats.selectors import is_hr, visible_vacancies
from ats.services import vacancies as vacancy_services


def hr_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """HR only; for anyone else the page does not exist. Goes under login_required, so
    that a visitor who is not logged in is sent to the login first."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_hr(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# --- The vacancy and its team -----------------------------------------------------------


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def vacancy_new(request: HttpRequest) -> HttpResponse:
    form = VacancyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            vacancy = vacancy_services.vacancy_create_with_managers(
                **form.cleaned_data, by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The vacancy is saved as a draft."))
            return redirect("vacancy_board", vacancy.pk)
    status = 400 if form.is_bound else 200
    return render(request, "ats/vacancy_form.html", {"form": form}, status=status)


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def vacancy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = get_object_or_404(visible_vacancies(request.user), pk=pk)
    form = VacancyForm(request.POST if request.method == "POST" else None, vacancy=vacancy)
    if form.is_valid():
        try:
            vacancy_services.vacancy_update(vacancy=vacancy, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your changes to the vacancy are saved."))
            return redirect("vacancy_board", vacancy.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "vacancy": vacancy}
    return render(request, "ats/vacancy_form.html", context, status=status)


# --- Publishing and closing ---------------------------------------------------------------


@login_required
@hr_required
@require_POST
def vacancy_publish(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = get_object_or_404(visible_vacancies(request.user), pk=pk)
    before = vacancy.status
    vacancy_services.vacancy_publish(vacancy=vacancy, by=request.user)
    if before == Vacancy.Status.DRAFT:
        messages.success(
            request,
            _("The vacancy is published: it is on the careers site and open to applications."),
        )
    elif before == Vacancy.Status.CLOSED:
        messages.success(request, _("The vacancy is open again and accepts applications."))
    else:
        messages.info(request, _("The vacancy was already open."))
    return redirect("vacancy_board", vacancy.pk)


@login_required
@hr_required
@require_POST
def vacancy_close(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = get_object_or_404(visible_vacancies(request.user), pk=pk)
    before = vacancy.status
    vacancy_services.vacancy_close(vacancy=vacancy, by=request.user)
    if before == Vacancy.Status.CLOSED:
        messages.info(request, _("The vacancy was already closed."))
    else:
        messages.success(
            request,
            _(
                "The vacancy is closed: it is off the careers site and accepts no new "
                "applications. Its applications stay where they are."
            ),
        )
    return redirect("vacancy_board", vacancy.pk)


# --- The pipeline's stages ------------------------------------------------------------------


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def vacancy_stages(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = get_object_or_404(visible_vacancies(request.user), pk=pk)
    if request.method == "GET":
        return _stages_page(request, vacancy)
    action = _STAGE_ACTIONS.get(request.POST.get("action", ""), _stage_unknown_action)
    return action(request, vacancy)


def _stages_page(
    request: HttpRequest,
    vacancy: Vacancy,
    *,
    add_form: StageAddForm | None = None,
    edited: tuple[Stage, StageForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    stages = vacancy_services.stages_for(vacancy).annotate(application_count=Count("applications"))
    rows = []
    for stage in stages:
        if edited is not None and edited[0].pk == stage.pk:
            form = edited[1]
        else:
            form = StageForm(
                prefix=f"stage-{stage.pk}", initial={"name": stage.name, "criteria": stage.criteria}
            )
        rows.append((stage, form))
    context = {
        "vacancy": vacancy,
        "rows": rows,
        "add_form": add_form or StageAddForm(prefix="add"),
        "stage_kinds": {kind.value: kind.label for kind in Stage.Kind},
    }
    return render(request, "ats/vacancy_stages.html", context, status=status)


def _back_to_stages(vacancy: Vacancy) -> HttpResponse:
    return redirect("vacancy_stages", vacancy.pk)


def _stage_add(request: HttpRequest, vacancy: Vacancy) -> HttpResponse:
    form = StageAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            vacancy_services.stage_add(vacancy=vacancy, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            name = form.cleaned_data["name"]
            messages.success(request, _("The stage “%(name)s” is added.") % {"name": name})
            return _back_to_stages(vacancy)
    return _stages_page(request, vacancy, add_form=form, status=400)


def _stage_edit(request: HttpRequest, vacancy: Vacancy) -> HttpResponse:
    choice = StageChoiceForm(request.POST, vacancy=vacancy)
    if not choice.is_valid():
        return _stage_not_found(request, vacancy)
    stage = choice.cleaned_data["stage"]
    form = StageForm(request.POST, prefix=f"stage-{stage.pk}")
    if form.is_valid():
        try:
            vacancy_services.stage_update(stage=stage, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The stage “%(name)s” is saved.") % {"name": stage.name})
            return _back_to_stages(vacancy)
    return _stages_page(request, vacancy, edited=(stage, form), status=400)


def _stage_move(request: HttpRequest, vacancy: Vacancy) -> HttpResponse:
    form = StageMoveForm(request.POST, vacancy=vacancy)
    if not form.is_valid():
        return _stage_not_found(request, vacancy)
    stage = form.cleaned_data["stage"]
    try:
        vacancy_services.stage_move(**form.cleaned_data, by=request.user)
    except ValidationError as error:
        _refused(request, _("The stage “%(name)s” is not moved."), stage, error)
    return _back_to_stages(vacancy)


def _stage_remove(request: HttpRequest, vacancy: Vacancy) -> HttpResponse:
    form = StageChoiceForm(request.POST, vacancy=vacancy)
    if not form.is_valid():
        return _stage_not_found(request, vacancy)
    stage = form.cleaned_data["stage"]
    try:
        vacancy_services.stage_remove(stage=stage, by=request.user)
    except ValidationError as error:
        _refused(request, _("The stage “%(name)s” is not removed."), stage, error)
    else:
        messages.success(request, _("The stage “%(name)s” is removed.") % {"name": stage.name})
    return _back_to_stages(vacancy)


def _refused(request: HttpRequest, what: str, stage: Stage, error: ValidationError) -> None:
    messages.error(request, " ".join([what % {"name": stage.name}, *error.messages]))


def _stage_not_found(request: HttpRequest, vacancy: Vacancy) -> HttpResponse:
    messages.error(request, _("That stage is not in this pipeline (any more)."))
    return _back_to_stages(vacancy)


def _stage_unknown_action(request: HttpRequest, vacancy: Vacancy) -> HttpResponse:
    messages.error(request, _("Nothing was changed: the form was not recognised."))
    return _back_to_stages(vacancy)


_STAGE_ACTIONS: dict[str, Callable[[HttpRequest, Vacancy], HttpResponse]] = {
    "add": _stage_add,
    "edit": _stage_edit,
    "move": _stage_move,
    "remove": _stage_remove,
}
