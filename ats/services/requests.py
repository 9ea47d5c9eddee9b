"""The HR request desk (privacy policy section 4): data subject requests with their
legal deadline, owner, state and outcome; the identity check of a request received by
email or post (an emailed confirmation link, never the telephone); restriction of
processing, which freezes an application until HR lifts it (ats.restrictions); and the
daily digest of overdue and due-soon requests.

The deadline is one calendar month from receipt, extendable by up to two further months
with a recorded reason (Art. 12(3) GDPR). Month arithmetic is the project's one rule
(ats.services.decisions.months_after, which the retention engine uses too): the same
wall-clock time in the site's time zone, on the same day N months later (a day the
month lacks becomes its last day).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    CandidateEmail,
    DataRequest,
    Restriction,
)
from ats.selectors import HR
from ats.services.decisions import months_after

logger = logging.getLogger(__name__)

Kind, State, Via = DataRequest.Kind, DataRequest.State, DataRequest.Via

DIGEST_SENT_CACHE_KEY = "ats:requests-digest:{day}"


def deadline_of(request: DataRequest) -> datetime:
    return months_after(request.received_at, 1 + request.extended_by_months)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Receiving ---------------------------------------------------------------------------


@transaction.atomic
def data_request_create(
    *,
    kind: str,
    via: str,
    candidate: Candidate | None = None,
    application: Application | None = None,
    reason: str = "",
    contact_email: str = "",
    received_at: datetime | None = None,
    by: AbstractBaseUser | None = None,
    confirmed: bool = True,
) -> DataRequest:
    """Record a request. One made in the self-service (`confirmed`: the person signed
    in through a link to their address) is open at once; one HR enters from an email or
    a letter waits for the person to confirm it from their address (see
    data_request_enter)."""
    if kind not in Kind.values or via not in Via.values:
        raise ValidationError(_("Unknown kind of request."))
    if (
        application is not None
        and candidate is not None
        and application.candidate_id != candidate.pk
    ):
        raise ValidationError(_("That application belongs to someone else."))
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise ValidationError(_("A request cannot be received in the future."))
    request = DataRequest(
        kind=kind,
        via=via,
        state=State.OPEN if confirmed else State.UNCONFIRMED,
        candidate=candidate,
        application=application,
        reason=reason.strip()[:4000],
        contact_email=contact_email.strip(),
        received_at=received_at,
        confirmed_at=now if confirmed else None,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    request.due_at = deadline_of(request)
    request.save()
    AuditEvent.record(
        actor=by,
        actor_kind="staff" if by is not None else "applicant",
        action="data_request_received",
        target=request,
        kind=kind,
        via=via,
    )
    return request


@transaction.atomic
def data_request_enter(
    *,
    kind: str,
    via: str,
    contact_email: str,
    received_at: datetime,
    reason: str = "",
    by: AbstractBaseUser,
) -> DataRequest:
    """A request that reached HR by email or post: recorded with its date of receipt
    (the deadline runs from then), and an email to the address asks the person to
    confirm it; until then nothing is done for it. The person is matched by that
    address once they confirm."""
    if via == Via.SELF_SERVICE:
        raise ValidationError(_("Requests from the self-service are recorded by it."))
    if not contact_email.strip():
        raise ValidationError(_("Give the email address the confirmation goes to."))
    request = data_request_create(
        kind=kind,
        via=via,
        contact_email=contact_email,
        received_at=received_at,
        reason=reason,
        by=by,
        confirmed=False,
    )
    transaction.on_commit(lambda: _confirmation_task().delay(request.pk))
    return request


def _confirmation_task():
    from ats.tasks_requests import send_request_confirmation

    return send_request_confirmation


def data_request_confirmation_send(*, request_id: int) -> bool:
    """Email the confirmation link (a fresh single-use token, only its hash kept) to the
    address of an unconfirmed request; False when there is nothing to confirm."""
    request = DataRequest.objects.filter(
        pk=request_id, state=State.UNCONFIRMED, confirmed_at=None
    ).first()
    if request is None or not request.contact_email:
        return False
    token = secrets.token_urlsafe(32)
    hours = settings.ATS_REQUEST_CONFIRMATION_HOURS
    DataRequest.objects.filter(pk=request.pk).update(
        confirmation_hash=_token_hash(token),
        confirmation_expires_at=timezone.now() + timedelta(hours=hours),
    )
    url = settings.ATS_BASE_URL + reverse("careers_site:request_confirm", kwargs={"token": token})
    language = (
        Candidate.objects.filter(email__iexact=request.contact_email)
        .values_list("language", flat=True)
        .first()
        or settings.LANGUAGE_CODE
    )
    with translation.override(language):
        context = {
            "request": request,
            "kind": request.get_kind_display(),
            "url": url,
            "hours": hours,
            "site_name": settings.ATS_SITE_NAME,
        }
        subject = f"{settings.ATS_SITE_NAME}: " + _("Please confirm your request about your data")
        text = render_to_string("emails/data_request_confirm.txt", context)
    EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[request.contact_email],
    ).send()
    AuditEvent.record(actor=None, action="data_request_confirmation_sent", target=request)
    return True


@transaction.atomic
def data_request_confirm(*, token: str) -> DataRequest | None:
    """The person followed the link: the request is theirs, and open. None for a token
    that is unknown, used or expired (nothing is changed then)."""
    if not token or len(token) > 100:
        return None
    request = (
        DataRequest.objects.select_for_update()
        .filter(confirmation_hash=_token_hash(token), state=State.UNCONFIRMED)
        .first()
    )
    if request is None or request.confirmation_expires_at is None:
        return None
    if request.confirmation_expires_at <= timezone.now():
        return None
    request.state = State.OPEN
    request.confirmed_at = timezone.now()
    request.confirmation_hash = ""
    request.confirmation_expires_at = None
    if request.candidate_id is None:
        request.candidate = Candidate.objects.filter(email__iexact=request.contact_email).first()
    request.save()
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="data_request_confirmed", target=request
    )
    if request.kind == Kind.RESTRICTION and request.application_id is not None:
        restriction_place(application=request.application, request=request)
    return request


def data_request_peek(*, token: str) -> DataRequest | None:
    """The unconfirmed request a valid token names, without changing anything (the
    confirmation page, before the button)."""
    if not token or len(token) > 100:
        return None
    return DataRequest.objects.filter(
        confirmation_hash=_token_hash(token),
        state=State.UNCONFIRMED,
        confirmation_expires_at__gt=timezone.now(),
    ).first()


# --- Handling ----------------------------------------------------------------------------


def _locked(request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def data_request_assign(
    *, request: DataRequest, owner: AbstractBaseUser | None, by: AbstractBaseUser
) -> None:
    current = _locked(request)
    current.owner = owner
    current.save(update_fields=["owner", "updated_at"])
    request.owner = owner
    AuditEvent.record(
        actor=by,
        action="data_request_assigned",
        target=request,
        owner=owner.pk if owner is not None else None,
    )


@transaction.atomic
def data_request_update(
    *, request: DataRequest, state: str, outcome: str, by: AbstractBaseUser
) -> None:
    """Set the state and the outcome. Closing (done, refused) needs an outcome; it
    clears the contact address, which the request no longer needs."""
    if state not in State.values or state == State.UNCONFIRMED:
        raise ValidationError(_("Choose a state."))
    current = _locked(request)
    if current.state == State.UNCONFIRMED:
        raise ValidationError(
            _("The person has not confirmed this request yet: nothing is done for it until then.")
        )
    outcome = outcome.strip()
    if state in DataRequest.CLOSED_STATES and not outcome:
        raise ValidationError(_("Record the outcome before closing the request."))
    current.state, current.outcome = state, outcome[:4000]
    current.closed_at = timezone.now() if state in DataRequest.CLOSED_STATES else None
    if current.closed_at is not None:
        current.contact_email = ""
    current.save()
    AuditEvent.record(actor=by, action="data_request_updated", target=request, state=state)
    request.refresh_from_db()


@transaction.atomic
def data_request_extend(
    *, request: DataRequest, months: int, reason: str, by: AbstractBaseUser
) -> None:
    """Extend the deadline by one or two months, at most two in all, with the reason
    (the complexity or number of requests, Art. 12(3)); the person must be told."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the extension."))
    current = _locked(request)
    if current.is_closed:
        raise ValidationError(_("This request is closed."))
    total = current.extended_by_months + months
    if months < 1 or total > DataRequest.MAX_EXTENSION_MONTHS:
        raise ValidationError(
            _("The deadline can be extended by at most two further months in all.")
        )
    current.extended_by_months = total
    current.extension_reason = "\n".join(filter(None, [current.extension_reason, reason]))[:2000]
    current.due_at = deadline_of(current)
    current.save()
    AuditEvent.record(
        actor=by, action="data_request_extended", target=request, months=months, total=total
    )
    request.refresh_from_db()


@transaction.atomic
def data_request_resend_confirmation(*, request: DataRequest, by: AbstractBaseUser) -> None:
    if request.state != State.UNCONFIRMED or not request.contact_email:
        raise ValidationError(_("This request needs no confirmation."))
    AuditEvent.record(actor=by, action="data_request_confirmation_resent", target=request)
    transaction.on_commit(lambda: _confirmation_task().delay(request.pk))


# --- Restriction -------------------------------------------------------------------------


@transaction.atomic
def restriction_place(
    *,
    application: Application,
    request: DataRequest | None = None,
    by: AbstractBaseUser | None = None,
) -> Restriction:
    """Freeze the application (no moves, no emails, out of every list) until lifted;
    placing it twice keeps the first."""
    Application.objects.select_for_update(of=("self",)).filter(pk=application.pk).first()
    existing = Restriction.objects.filter(application=application, lifted_at=None).first()
    if existing is not None:
        return existing
    restriction = Restriction.objects.create(
        application=application, request=request, placed_at=timezone.now()
    )
    AuditEvent.record(
        actor=by,
        actor_kind="staff" if by is not None else "applicant",
        action="restriction_placed",
        target=application,
        request=request.pk if request is not None else None,
    )
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, by: AbstractBaseUser) -> bool:
    """Lift a restriction; the emails held back while it lasted go out now. False when
    it was lifted already."""
    lifted = Restriction.objects.filter(pk=restriction.pk, lifted_at=None).update(
        lifted_at=timezone.now(), lifted_by=by
    )
    if not lifted:
        return False
    AuditEvent.record(
        actor=by,
        action="restriction_lifted",
        target=restriction.application,
        restriction=restriction.pk,
    )
    from ats.restrictions import is_restricted
    from ats.tasks_mail import send_candidate_email

    if not is_restricted(restriction.application_id):
        queued = list(
            CandidateEmail.objects.filter(
                application=restriction.application_id,
                status=CandidateEmail.Status.QUEUED,
                message_id="",
            ).values_list("pk", flat=True)
        )
        for email_id in queued:
            transaction.on_commit(lambda email_id=email_id: send_candidate_email.delay(email_id))
    return True


def restrictions_of(request: DataRequest) -> QuerySet[Restriction]:
    """The restrictions that concern the request's person (placed for it or not)."""
    if request.candidate_id is None:
        return Restriction.objects.none()
    return Restriction.objects.filter(application__candidate=request.candidate_id).select_related(
        "application__vacancy"
    )


# --- The daily digest --------------------------------------------------------------------


def open_requests() -> QuerySet[DataRequest]:
    return DataRequest.objects.exclude(state__in=DataRequest.CLOSED_STATES)


def overdue_requests(now: datetime) -> QuerySet[DataRequest]:
    return open_requests().filter(due_at__lte=now)


def due_soon_requests(now: datetime) -> QuerySet[DataRequest]:
    days = settings.ATS_REQUEST_DUE_SOON_DAYS
    return open_requests().filter(due_at__gt=now, due_at__lte=now + timedelta(days=days))


def _hr_addresses() -> list[str]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=HR)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def requests_digest_send(*, now: datetime | None = None) -> int:
    """Email each HR user how many requests are overdue and how many fall due within
    ATS_REQUEST_DUE_SOON_DAYS, with the link to the desk: counts only, no names. Sends
    nothing when there are none, or when today's digest went out already; the number of
    emails sent."""
    now = now or timezone.now()
    overdue = overdue_requests(now).count()
    soon = due_soon_requests(now).count()
    recipients = _hr_addresses()
    if not (overdue or soon) or not recipients:
        return 0
    day = now.astimezone(timezone.get_default_timezone()).date()
    sent_key = DIGEST_SENT_CACHE_KEY.format(day=day.isoformat())
    if not cache.add(sent_key, True, timeout=int(timedelta(days=2).total_seconds())):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"{settings.ATS_SITE_NAME}: " + _(
            "Data subject requests: %(overdue)d overdue, %(soon)d due soon"
        ) % {"overdue": overdue, "soon": soon}
        body = "\n".join(
            [
                ngettext(
                    "%(count)d request is past its legal deadline.",
                    "%(count)d requests are past their legal deadline.",
                    overdue,
                )
                % {"count": overdue},
                ngettext(
                    "%(count)d request falls due within %(days)d days.",
                    "%(count)d requests fall due within %(days)d days.",
                    soon,
                )
                % {"count": soon, "days": settings.ATS_REQUEST_DUE_SOON_DAYS},
                _("Answer them, or extend the deadline with a reason, on the request desk:"),
                f"{settings.ATS_BASE_URL}{reverse('data_requests')}",
                "",
            ]
        )
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in recipients]
    try:
        return send_mass_mail(messages)
    except Exception:
        cache.delete(sent_key)
        raise
