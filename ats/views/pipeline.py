"""The pipeline board of a vacancy: a column per stage, a card per application.

The board is the workspace's busiest page and a vacancy may have thousands of
applications, so it costs the same whatever their number: one query for the columns,
their totals and their first cards (ats.board), and the cards rendered here rather than
by the template language (see _CardRenderer)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ats.board import Column, board_columns
from ats.forms.workspace import MoveForm
from ats.selectors import visible_applications, visible_vacancies
from ats.services import application_move_stage

CARDS_PER_COLUMN = 25


@require_safe
@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = get_object_or_404(visible_vacancies(request.user).select_related("department"), pk=pk)
    columns = board_columns(request.user, vacancy, per_column=CARDS_PER_COLUMN)
    render_card = _CardRenderer(file_prefix=reverse("application_list"))
    options = stage_options(columns)
    return render(
        request,
        "ats/pipeline_board.html",
        {
            "vacancy": vacancy,
            "columns": [
                {
                    "id": column.stage_id,
                    "name": column.name,
                    "kind": column.kind,
                    "total": column.total,
                    "shown": len(column.cards),
                    # Safe: _CardRenderer escapes everything it puts into a card.
                    "cards": mark_safe(  # noqa: S308
                        "".join(render_card(column.stage_id, *card) for card in column.cards)
                    ),
                    "options": options[column.stage_id],
                }
                for column in columns
            ],
        },
    )


class _CardRenderer:
    """A card's HTML. A board shows up to 150 cards, and in the template language each
    cost about 65 µs (a dozen variable lookups, filters, translations and localised
    numbers), most of the page's time; here a card is one f-string with the candidate's
    name escaped, the labels translated and escaped once, the file address reversed
    once and each calendar day formatted once per page. The card's Move button submits
    its column's move form (templates/ats/pipeline_board.html) to the card's own move
    address."""

    def __init__(self, *, file_prefix: str) -> None:
        self.prefix = escape(file_prefix)
        self.applied = escape(_("Applied"))
        self.move = escape(_("Move"))
        self.rating = escape(_("Rating"))
        self.badges = {
            (False, False): "",
            (True, False): self._badge("warn", _("Scan pending")),
            (False, True): self._badge("bad", _("Scan failed")),
        }
        self.badges[True, True] = self.badges[True, False] + self.badges[False, True]
        self.days: dict[date, str] = {}
        self.zone = timezone.get_current_timezone()

    @staticmethod
    def _badge(kind: str, label: str) -> str:
        return f'<span class="badge {kind}">{escape(label)}</span>'

    def __call__(
        self,
        stage_id: int,
        pk: int,
        submitted_at: datetime,
        first_name: str,
        last_name: str,
        rating: Decimal | float | None,
        waiting: bool,
        failed: bool,
    ) -> str:
        day = submitted_at.astimezone(self.zone).date()
        applied = self.days.get(day)
        if applied is None:
            applied = self.days[day] = escape(date_format(day, "SHORT_DATE_FORMAT"))
        if rating:
            applied += f" · {self.rating} {escape(floatformat(rating, 1))}/5"
        pk, stage_id = int(pk), int(stage_id)  # never text from the database
        name = escape(f"{first_name} {last_name}".strip())  # as Candidate.full_name
        url = f"{self.prefix}{pk}/"
        return (
            f'<article class="card" draggable="true" data-application="{pk}">'
            f'<h3 id="card-{pk}"><a href="{url}">{name}</a></h3>'
            f'<p class="meta">{self.applied} {applied}</p>{self.badges[waiting, failed]}'
            f'<button type="submit" form="move-from-{stage_id}" formaction="{url}move/"'
            f' aria-describedby="card-{pk}">{self.move}</button></article>\n'
        )


def stage_options(columns: list[Column]) -> dict[int, str]:
    """Each column's move menu: the <option>s of every stage, the column's own selected
    (each option formatted once, not once per column)."""
    plain = [format_html('<option value="{}">{}</option>', c.stage_id, c.name) for c in columns]
    return {
        column.stage_id: mark_safe(  # noqa: S308 (joined from format_html)
            "".join(
                format_html('<option value="{}" selected>{}</option>', c.stage_id, c.name)
                if c is column
                else option
                for c, option in zip(columns, plain, strict=True)
            )
        )
        for column in columns
    }


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
