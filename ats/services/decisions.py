"""Decisions on applications and the emails that tell the candidate.

The retention clock (privacy policy 3.6): an application is kept until
ATS_APPLICATION_RETENTION_MONTHS calendar months after its decision was communicated to
the applicant. Sending a rejection or hiring email starts the clock; a bounce stops it
again (the applicant was not told) until HR records another way of telling them.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection, make_msgid
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    CandidateEmail,
    DecisionTemplate,
    Stage,
    Vacancy,
)
from ats.restrictions import is_restricted, refuse_if_restricted
from ats.services.applications import application_move_stage
from ats.services.vacancies import stages_for
from ats.tasks_mail import send_candidate_email

logger = logging.getLogger(__name__)

Kind = DecisionTemplate.Kind
Status = CandidateEmail.Status

PLACEHOLDERS = ("first_name", "last_name", "vacancy_title", "site_name")
# A subject is read in inbox lists, notifications and mail logs: no names in it.
NAME_PLACEHOLDERS = ("first_name", "last_name")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")

# What each kind of decision email does to the application.
FINAL_DECISION = {Kind.REJECT: Application.Decision.REJECTED, Kind.HIRE: Application.Decision.HIRED}
STAGE_KIND = {
    Kind.REJECT: Stage.Kind.REJECTED,
    Kind.OFFER: Stage.Kind.OFFER,
    Kind.HIRE: Stage.Kind.HIRED,
}
# The kinds whose email communicates a final decision, and so starts the retention clock.
CLOCK_KINDS = frozenset(FINAL_DECISION)
# The decision email's kind for a final decision, to find the compose page of a decision.
KIND_OF_DECISION = {decision: kind for kind, decision in FINAL_DECISION.items()}
UNDELIVERED = (Status.BOUNCED, Status.FAILED)


# --- Additions by the apps built on ats ------------------------------------------------

# ats imports none of the apps built on it (DESIGN.md): an app that adds a paragraph to
# decision emails (the talent pool's offer to join, in a rejection) registers it here
# when it loads. addition(application=, kind=, language=) returns text or "".
_email_additions: list[Callable[..., str]] = []


def register_decision_email_addition(addition: Callable[..., str]) -> None:
    if addition not in _email_additions:
        _email_additions.append(addition)


def decision_email_addition(*, application: Application, kind: str, language: str) -> str:
    """What the registered apps add below HR's text, in the email's language: sent with
    the decision (decision_send) and shown in its preview."""
    parts = []
    for addition in _email_additions:
        with translation.override(language):
            text = addition(application=application, kind=kind, language=language)
        if text:
            parts.append(text.strip())
    return "\n\n".join(parts)


def with_addition(body: str, addition: str) -> str:
    return f"{body.rstrip()}\n\n{addition}\n" if addition else body


# --- Placeholders ----------------------------------------------------------------------


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in text that are not placeholders, in order of appearance."""
    found = [f"{{{name}}}" for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    return list(dict.fromkeys(found))


def name_placeholders(text: str) -> list[str]:
    return [f"{{{name}}}" for name in NAME_PLACEHOLDERS if f"{{{name}}}" in text]


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace known placeholders in one pass: a value that itself looks like a
    placeholder is not expanded again, and unknown ones stay as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def placeholder_values(application: Application, *, language: str | None = None) -> dict[str, str]:
    candidate = application.candidate
    if application.vacancy is not None:
        vacancy_title = application.vacancy.title
    else:
        with translation.override(language or candidate.language or settings.LANGUAGE_CODE):
            vacancy_title = _("Unsolicited application")
    return {
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "vacancy_title": vacancy_title,
        "site_name": settings.ATS_SITE_NAME,
    }


def sample_values() -> dict[str, str]:
    """Made-up values for previewing a template."""
    return {
        "first_name": "Alex",
        "last_name": "Example",
        "vacancy_title": _("Sample vacancy"),
        "site_name": settings.ATS_SITE_NAME,
    }


def subject_names_candidate(subject: str, candidate: Candidate) -> bool:
    """Whether a subject carries the candidate's name (placeholders or written out)."""
    if name_placeholders(subject):
        return True
    folded = subject.casefold()
    for name in (candidate.full_name, candidate.last_name):
        name = name.strip().casefold()
        if len(name) >= 2 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            return True
    return False


# --- Templates and drafts --------------------------------------------------------------


def template_language(language: str | None, *, kind: str) -> str:
    """The language of the template to use: the candidate's own, else the default."""
    available = set(DecisionTemplate.objects.filter(kind=kind).values_list("language", flat=True))
    for candidate_language in (language or "", (language or "").split("-")[0]):
        if candidate_language in available:
            return candidate_language
    return settings.LANGUAGE_CODE


def decision_template_for(*, kind: str, language: str | None) -> DecisionTemplate | None:
    return DecisionTemplate.objects.filter(
        kind=kind, language=template_language(language, kind=kind)
    ).first()


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    language: str


def decision_draft(*, application: Application, kind: str) -> Draft:
    """The email for this decision as the template has it, placeholders filled in."""
    language = template_language(application.candidate.language, kind=kind)
    template = DecisionTemplate.objects.filter(kind=kind, language=language).first()
    if template is None:
        return Draft(subject="", body="", language=language)
    values = placeholder_values(application, language=language)
    return Draft(
        subject=fill_placeholders(template.subject, values),
        body=fill_placeholders(template.body, values),
        language=language,
    )


@transaction.atomic
def decision_template_update(
    *, template: DecisionTemplate, subject: str, body: str, by: AbstractBaseUser
) -> None:
    problems = unknown_placeholders(subject) + unknown_placeholders(body)
    if problems:
        raise ValidationError(_("Unknown placeholders: %s.") % ", ".join(problems))
    if name_placeholders(subject):
        raise ValidationError(_("The subject may not contain the candidate's name."))
    template.subject, template.body = subject, body
    template.save(update_fields=["subject", "body", "updated_at"])
    AuditEvent.record(actor=by, action="decision_template_updated", target=template)


# --- Retention -------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day N calendar months later; a day the month lacks becomes its last day
    (31 August + 6 months = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(moment: datetime, months: int) -> datetime:
    """The same wall-clock time in the site's time zone, `months` calendar months later
    (add_months for the day): the one month rule of the retention engine
    (anonymizer.rules), the talent pool and the request desk's deadlines."""
    zone = timezone.get_default_timezone()
    local = moment.astimezone(zone)
    day = add_months(local.date(), months)
    wall = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone)
    # In UTC: a wall time in a skipped hour becomes a real instant, and one that occurs
    # twice an unambiguous one (Python never finds an ambiguous local time equal to an
    # instant in another zone).
    return wall.astimezone(UTC)


def erasure_date(application: Application) -> date | None:
    """The day from which the application is due for erasure: its decision was
    communicated ATS_APPLICATION_RETENTION_MONTHS calendar months before (in the site's
    time zone).

    None when the clock has not started (no decision, or not communicated yet) and for a
    hired applicant, whose data is kept for the employment. The talent pool or a legal
    hold may keep an application longer; that is the anonymizer's to decide.
    """
    if application.decision == Application.Decision.HIRED:
        return None
    if application.decision_communicated_at is None:
        return None
    communicated_on = timezone.localdate(application.decision_communicated_at)
    return add_months(communicated_on, settings.ATS_APPLICATION_RETENTION_MONTHS)


# --- Deciding --------------------------------------------------------------------------


def _check_email(*, subject: str, body: str, candidate: Candidate) -> None:
    errors = []
    problems = unknown_placeholders(subject) + unknown_placeholders(body)
    if problems:
        errors.append(_("Unknown placeholders: %s.") % ", ".join(dict.fromkeys(problems)))
    if not subject.strip() or not body.strip():
        errors.append(_("The email needs a subject and a text."))
    if "\n" in subject or "\r" in subject or len(subject) > 200:
        errors.append(_("The subject must be one line of at most 200 characters."))
    if subject_names_candidate(subject, candidate):
        errors.append(_("The subject may not contain the candidate's name."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_send(
    *,
    application: Application,
    kind: str,
    subject: str,
    body: str,
    by: AbstractBaseUser,
    language: str | None = None,
) -> CandidateEmail:
    """Decide (reject, hire) or make an offer, and queue the email that tells the
    candidate; placeholders left in subject or body are filled in for this candidate.

    A rejection or hiring is final; an offer moves the application to the offer stage
    and leaves the decision open. The email goes out after commit; sending it starts
    the retention clock (candidate_email_send).
    """
    if kind not in STAGE_KIND:
        raise ValidationError(_("Unknown decision."))
    # Locked and re-read: two clicks, or bulk and single decisions, decide once.
    application.refresh_from_db(from_queryset=Application.objects.select_for_update())
    if application.decision:
        raise ValidationError(_("This application already has a decision."))
    refuse_if_restricted(application)
    stage = stages_for(application.vacancy).filter(kind=STAGE_KIND[kind]).first()
    if stage is None:
        raise ValidationError(_("This pipeline has no stage for this decision."))
    candidate = application.candidate
    language = language or template_language(candidate.language, kind=kind)
    values = placeholder_values(application, language=language)
    subject = fill_placeholders(subject, values).strip()
    body = fill_placeholders(body, values)
    _check_email(subject=subject, body=body, candidate=candidate)
    body = with_addition(
        body, decision_email_addition(application=application, kind=kind, language=language)
    )

    application_move_stage(application=application, stage=stage, by=by, decision=True)
    if kind in FINAL_DECISION:
        application.decision = FINAL_DECISION[kind]
        application.decided_at = timezone.now()
        application.decided_by = by
        application.save(update_fields=["decision", "decided_at", "decided_by", "updated_at"])
    email = CandidateEmail.objects.create(
        application=application,
        kind=kind,
        subject=subject,
        body=body,
        language=language,
        sent_by=by,
        status=Status.QUEUED,
        status_at=timezone.now(),
    )
    AuditEvent.record(
        actor=by, action="decision_sent", target=application, kind=kind, email=email.pk
    )
    transaction.on_commit(lambda: send_candidate_email.delay(email.pk))
    return email


def decision_send_bulk_reject(
    *,
    vacancy: Vacancy,
    applications: list[Application],
    subject: str,
    body: str,
    language: str,
    by: AbstractBaseUser,
) -> tuple[int, int]:
    """Reject applications of one vacancy with the same email, its placeholders filled
    in per candidate; (rejected, left out). Each rejection is its own transaction: an
    application decided meanwhile, or whose subject would name the person, is left out
    without holding up the others."""
    if any(application.vacancy_id != vacancy.pk for application in applications):
        raise ValidationError(_("Every application must belong to this vacancy."))
    rejected = skipped = 0
    for application in applications:
        try:
            decision_send(
                application=application,
                kind=Kind.REJECT,
                subject=subject,
                body=body,
                by=by,
                language=language,
            )
        except ValidationError:
            skipped += 1
        else:
            rejected += 1
    AuditEvent.record(
        actor=by, action="bulk_rejected", target=vacancy, rejected=rejected, skipped=skipped
    )
    return rejected, skipped


def _uses_anymail(connection: object) -> bool:
    from anymail.backends.base import AnymailBaseBackend

    return isinstance(connection, AnymailBaseBackend)


def candidate_email_send(*, email_id: int) -> bool:
    """Send a queued email to its candidate; False if there was nothing to send (sent
    already, or erased). Transport errors propagate, for the task to retry.

    Sending a rejection or hiring email starts the retention clock, unless HR already
    recorded another way the decision was communicated.
    """
    email = (
        CandidateEmail.objects.select_related("application__candidate")
        .filter(pk=email_id, status=Status.QUEUED)
        .first()
    )
    if email is None:
        return False
    if is_restricted(email.application_id):
        # Queued before the restriction: it stays queued, unsent, until HR lifts it.
        logger.info("mail: email %s held back, its application is restricted", email.pk)
        return False
    sender_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    generated_id = make_msgid(domain=sender_domain or None)
    # Claimed with a conditional update, so that two workers never send it twice.
    claimed = CandidateEmail.objects.filter(
        pk=email_id, status=Status.QUEUED, message_id=""
    ).update(message_id=generated_id)
    if claimed != 1:
        return False
    connection = get_connection()
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.application.candidate.email],
        connection=connection,
    )
    if _uses_anymail(connection):
        # Anymail reads these from any EmailMessage: no tracking pixels or rewritten
        # links in a message to an applicant.
        message.track_opens = False
        message.track_clicks = False
        # Our id travels with the message, so that an event the ESP reports before its
        # message id is stored (an instant bounce) still finds the email.
        message.metadata = {"candidate_email": str(email.pk)}
    else:
        # Django's SMTP backend returns no id: ours goes in the Message-ID header.
        message.extra_headers["Message-ID"] = generated_id
    try:
        message.send()
    except Exception:
        CandidateEmail.objects.filter(pk=email_id, status=Status.QUEUED).update(message_id="")
        raise
    anymail_status = getattr(message, "anymail_status", None)
    esp_id = getattr(anymail_status, "message_id", None)
    message_id = str(esp_id) if esp_id is not None and not isinstance(esp_id, set) else ""
    _email_sent(email=email, message_id=message_id or generated_id, sent_at=timezone.now())
    return True


@transaction.atomic
def _email_sent(*, email: CandidateEmail, message_id: str, sent_at: datetime) -> None:
    marked = CandidateEmail.objects.filter(pk=email.pk, status=Status.QUEUED).update(
        status=Status.SENT, status_at=sent_at, message_id=message_id
    )
    if not marked:
        # A delivery event got here first and set the status (and the clock) itself.
        CandidateEmail.objects.filter(pk=email.pk).update(message_id=message_id)
    clock_started = False
    if marked and email.kind in CLOCK_KINDS:
        clock_started = bool(
            Application.objects.filter(
                pk=email.application_id,
                decision=FINAL_DECISION[email.kind],
                decision_communicated_at=None,
            ).update(decision_communicated_at=sent_at, updated_at=sent_at)
        )
    AuditEvent.record(
        actor=None,
        action="candidate_email_sent",
        target=email.application,
        email=email.pk,
        kind=email.kind,
        clock_started=clock_started,
    )
    logger.info("mail: candidate email %s sent", email.pk)


@transaction.atomic
def candidate_email_fail(*, email_id: int, reason: str) -> None:
    """The email could not be sent (every retry failed, or the ESP refused it)."""
    email = CandidateEmail.objects.select_related("application").filter(pk=email_id).first()
    if email is None or email.status != Status.QUEUED:
        return
    CandidateEmail.objects.filter(pk=email_id).update(
        status=Status.FAILED, status_at=timezone.now()
    )
    AuditEvent.record(
        actor=None,
        action="candidate_email_failed",
        target=email.application,
        email=email.pk,
        reason=reason,
    )


# --- Delivery events -------------------------------------------------------------------


@transaction.atomic
def candidate_email_status_record(
    *, message_id: str, status: str, at: datetime, event: str, email_id: int | None = None
) -> CandidateEmail | None:
    """Record a delivery event from the ESP for the email with this message id (or, if
    none has it yet, the id our metadata gave the ESP); None if the message is not a
    candidate email (for example an application confirmation).

    An undelivered (bounced, refused, failed) decision email stops the retention clock
    it started: the applicant was not told. A later delivery starts it again.
    """
    emails = CandidateEmail.objects.select_for_update().select_related("application")
    email = emails.filter(message_id=message_id).order_by("-pk").first() if message_id else None
    if email is None and email_id is not None:
        email = emails.filter(pk=email_id).first()
    if email is None:
        return None
    if email.status == status:
        return email  # the ESP repeats events
    settled = email.status not in (Status.QUEUED, Status.SENT) and email.status_at is not None
    if settled and at < email.status_at:
        return email  # an older event arriving late
    email.status, email.status_at = status, at
    email.save(update_fields=["status", "status_at"])

    clock = ""
    application = Application.objects.select_for_update().get(pk=email.application_id)
    told_by_email = (
        email.kind in CLOCK_KINDS
        and application.decision == FINAL_DECISION[email.kind]
        and not application.decision_communicated_via
    )
    if told_by_email and status in UNDELIVERED and application.decision_communicated_at:
        application.decision_communicated_at = None
        clock = "stopped"
    elif told_by_email and status == Status.DELIVERED and not application.decision_communicated_at:
        application.decision_communicated_at = at
        clock = "started"
    if clock:
        application.save(update_fields=["decision_communicated_at", "updated_at"])
    AuditEvent.record(
        actor=None,
        action=f"candidate_email_{status}",
        target=application,
        email=email.pk,
        event=event,
        clock=clock or "unchanged",
    )
    logger.info("mail: candidate email %s %s (%s)", email.pk, status, event)
    return email


def decision_email_undelivered(application: Application) -> CandidateEmail | None:
    """The application's latest decision email, if it did not reach the applicant and
    nothing else told them: HR has to record another way."""
    if application.decision_communicated_at is not None:
        return None
    kind = KIND_OF_DECISION.get(application.decision)
    if kind is None:
        return None
    latest = application.emails.filter(kind=kind).order_by("-created_at", "-pk").first()
    return latest if latest is not None and latest.status in UNDELIVERED else None


@transaction.atomic
def decision_communicated_record(
    *, application: Application, via: str, communicated_on: date, by: AbstractBaseUser
) -> None:
    """The decision reached the applicant another way (after a bounce: by post, by
    phone): the retention clock starts on that day."""
    application.refresh_from_db(from_queryset=Application.objects.select_for_update())
    if application.decision not in KIND_OF_DECISION:
        raise ValidationError(_("This application has no decision to communicate."))
    if application.decision_communicated_at is not None:
        raise ValidationError(_("The decision was already communicated."))
    if communicated_on > timezone.localdate():
        raise ValidationError(_("The date may not be in the future."))
    if application.decided_at and communicated_on < timezone.localdate(application.decided_at):
        raise ValidationError(_("The date may not be before the decision."))
    via = via.strip()
    if not via:
        raise ValidationError(_("Say how the decision was communicated."))
    application.decision_communicated_at = timezone.make_aware(
        datetime.combine(communicated_on, time.min)
    )
    application.decision_communicated_via = via[:100]
    application.save(
        update_fields=["decision_communicated_at", "decision_communicated_via", "updated_at"]
    )
    # The text HR wrote is not copied here: the audit trail holds codes, not free text.
    AuditEvent.record(actor=by, action="decision_communicated_recorded", target=application)


# --- Employment ------------------------------------------------------------------------


@transaction.atomic
def employment_end(*, application: Application, ended_at: datetime, by: AbstractBaseUser) -> None:
    """A hired applicant's employment ended: the data kept for it is no longer kept
    for that purpose (the anonymizer applies its own rule from here)."""
    application.refresh_from_db(from_queryset=Application.objects.select_for_update())
    if application.decision != Application.Decision.HIRED:
        raise ValidationError(_("Only a hired applicant's employment can end."))
    if application.employment_ended_at is not None:
        raise ValidationError(_("This employment has already ended."))
    if ended_at > timezone.now():
        raise ValidationError(_("The end of the employment may not be in the future."))
    if application.decided_at and ended_at < application.decided_at:
        raise ValidationError(_("The employment cannot end before the hiring decision."))
    application.employment_ended_at = ended_at
    application.save(update_fields=["employment_ended_at", "updated_at"])
    AuditEvent.record(actor=by, action="employment_ended", target=application)
