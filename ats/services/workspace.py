"""What the recruiting team writes on an application: notes and evaluations."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ats.claims_access import refuse_changes
from ats.models import Application, AuditEvent, Evaluation, Note, Stage

_MENTION = re.compile(r"@([\w.+-]{1,150})")


def application_team(application: Application):
    """Who may read this application: HR, and the managers of its vacancy."""
    User = get_user_model()
    team = Q(groups__name="hr") | Q(is_superuser=True)
    if application.vacancy_id is not None:
        team |= Q(managed_vacancies=application.vacancy_id)
    return User.objects.filter(team, is_active=True).distinct()


@transaction.atomic
def note_add(*, application: Application, author: AbstractBaseUser, body: str) -> Note:
    """A note for the vacancy's team. @username mentions of team members notify them by
    an email that names no candidate, only links to the file."""
    refuse_changes(application)
    note = Note.objects.create(application=application, author=author, body=body)
    names = set(_MENTION.findall(body))
    mentioned = list(application_team(application).filter(username__in=names).exclude(pk=author.pk))
    note.mentions.set(mentioned)
    AuditEvent.record(actor=author, action="note_added", target=application, note=note.pk)
    if mentioned:
        from ats.tasks import notify_staff

        ids = [user.pk for user in mentioned]
        transaction.on_commit(lambda: notify_staff.delay("mention", application.pk, ids))
    return note


@transaction.atomic
def evaluation_add(
    *,
    application: Application,
    stage: Stage,
    author: AbstractBaseUser,
    ratings: dict[str, int],
    overall: int,
    recommendation: str,
    comment: str = "",
) -> Evaluation:
    refuse_changes(application)
    if stage.vacancy_id != application.vacancy_id:
        raise ValidationError(_("That stage belongs to another pipeline."))
    unknown = set(ratings) - set(stage.criteria)
    if unknown or any(not 1 <= r <= 5 for r in ratings.values()) or not 1 <= overall <= 5:
        raise ValidationError(_("Ratings are from 1 to 5, for this stage's criteria."))
    evaluation = Evaluation.objects.create(
        application=application,
        stage=stage,
        author=author,
        ratings=ratings,
        overall=overall,
        recommendation=recommendation,
        comment=comment,
    )
    AuditEvent.record(
        actor=author, action="evaluation_added", target=application, evaluation=evaluation.pk
    )
    return evaluation
