"""The pipeline board of a vacancy: a column per stage, a card per application.

The board is the workspace's busiest page and a vacancy may have thousands of
applications, so it costs the same whatever their number: one query for the columns,
their totals and their first cards (ats.board), and the columns and cards rendered here
rather than by the template language (see board_html and _CardRenderer)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
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
    vacancy = get_object_or_404(
        # Only what the page shows (the description may be long).
        visible_vacancies(request.user)
        .select_related("department")
        .only("title", "status", "location", "department__name"),
        pk=pk,
    )
    columns = board_columns(request.user, vacancy, per_column=CARDS_PER_COLUMN)
    list_url = reverse("application_list")
    html = board_html(columns, vacancy_pk=vacancy.pk, list_url=list_url, csrf=get_token(request))
    return render(
        request,
        "ats/pipeline_board.html",
        {
            "vacancy": vacancy,
            "list_url": list_url,
            # Safe: board_html escapes everything it puts into the board.
            "board": mark_safe(html),  # noqa: S308
        },
    )


def board_html(columns: list[Column], *, vacancy_pk: int, list_url: str, csrf: str) -> str:
    """The board's columns as HTML: per stage its heading and total, its move form,
    its cards and, when it holds more than it shows, a link to the rest in the list.

    Written here rather than in the template language for the reason the cards are
    (_CardRenderer): a column there cost some twenty variable lookups, localisations,
    translations and a CSRF tag each, about a third of the page's time
    (docs/benchmarks.md). The labels are translated once per page and the CSRF token
    (one masked value serves every form of the page) is read once."""
    render_card = _CardRenderer(file_prefix=list_url)
    options = stage_options(columns)
    move_to = escape(_("Move to"))
    empty = escape(_("No applications"))
    csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf)}">'
    rest_prefix = f"{escape(list_url)}?vacancy={int(vacancy_pk)}&amp;stage_kind="
    html = []
    for column in columns:
        stage_id, shown = int(column.stage_id), len(column.cards)
        html.append(
            f'<section class="column" aria-labelledby="stage-{stage_id}" data-stage="{stage_id}">\n'
            f'<h2 id="stage-{stage_id}">{escape(column.name)}'
            f' <span class="badge">{int(column.total)}</span></h2>\n'
        )
        if shown:
            html.append(
                f'<form method="post" id="move-from-{stage_id}" class="column-move">{csrf_input}'
                f'<label for="move-to-{stage_id}">{move_to}</label>'
                f'<select name="stage" id="move-to-{stage_id}">{options[column.stage_id]}</select>'
                "</form>\n"
            )
            html.extend(render_card(stage_id, *card) for card in column.cards)
        else:
            html.append(f'<p class="meta">{empty}</p>\n')
        if column.total > shown:
            rest = _("%(shown)s shown of %(total)s: see all in the list") % {
                "shown": shown,
                "total": int(column.total),
            }
            html.append(f'<p><a href="{rest_prefix}{escape(column.kind)}">{escape(rest)}</a></p>\n')
        html.append("</section>\n")
    return "".join(html)


class _CardRenderer:
    """A card's HTML. A board shows up to 150 cards, and in the template language each
    cost about 65 µs (a dozen variable lookups, filters, translations and localised
    numbers), most of the page's time; here a card is one f-string with the candidate's
    name escaped, the labels translated and escaped once, the file address reversed
    once and each calendar day and mean rating formatted once per page. The card's Move
    button submits its column's move form (board_html) to the card's own move address."""

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
        self.ratings: dict[Decimal | float, str] = {}  # mean ratings repeat: 4, 3.5...
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
            shown = self.ratings.get(rating)
            if shown is None:
                shown = f" · {self.rating} {escape(floatformat(rating, 1))}/5"
                self.ratings[rating] = shown
            applied += shown
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
