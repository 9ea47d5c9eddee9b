"""Every write of the talent pool's membership (privacy policy 3.7): joining, renewing,
withdrawing, expiring, and the renewal requests. Views, tasks, other apps and the
`consent_withdrawn` receiver call these; the rules live here once.

The lifecycle (docs/talent-pool.md):

- An entry rests on one talent-pool Consent and expires ATS_TALENT_POOL_MONTHS calendar
  months after that consent was given (anonymizer.rules.months_after: the one month
  rule of the project).
- A new consent while a current entry exists (the person ticks the box again on another
  application, or confirms an offer) renews that entry on it: one current entry per
  person, never a second one.
- ATS_TALENT_POOL_RENEWAL_DAYS before the expiry a renewal request is emailed, a
  reminder ATS_TALENT_POOL_REMINDER_DAYS before; each exactly once.
- Withdrawal ends the entry at once and erases what only the pool held; expiry ends it
  on the daily run, and the retention job erases the pool-only application next.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anonymizer import rules
from ats.models import Application, AuditEvent, Candidate, Consent, ConsentText, Purpose
from ats.services import consent_withdraw
from talentpool import links
from talentpool.models import EndReason, PoolMonthlyCount, Source, TalentPoolEntry, pool_months

logger = logging.getLogger(__name__)

Kind = PoolMonthlyCount.Kind


# --- Small helpers ---------------------------------------------------------------------------


def expiry_after(moment: datetime) -> datetime:
    """ATS_TALENT_POOL_MONTHS calendar months after `moment` (anonymizer.rules)."""
    return rules.months_after(moment, pool_months())


def pool_count(*, kind: str, at: datetime, by: int = 1) -> None:
    """Add to HR's monthly count (the month in the site's time zone). get_or_create
    survives a concurrent first row (it retries the read after the unique constraint
    refuses the second insert, in a savepoint), and F() + 1 adds in SQL, so two
    transactions never lose a count, on PostgreSQL as on SQLite."""
    month = at.astimezone(rules.site_zone()).date().replace(day=1)
    PoolMonthlyCount.objects.get_or_create(month=month, kind=kind)
    PoolMonthlyCount.objects.filter(month=month, kind=kind).update(count=F("count") + by)


def current_entry(candidate: Candidate | int) -> TalentPoolEntry | None:
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    return TalentPoolEntry.objects.filter(candidate_id=candidate_id, ended_at=None).first()


def pool_consent_text(language: str) -> ConsentText:
    """The newest talent-pool consent text in the person's language (English if none)."""
    texts = ConsentText.objects.filter(purpose=Purpose.TALENT_POOL)
    language = (language or settings.LANGUAGE_CODE).split("-")[0]
    text = texts.filter(language=language).order_by("-version").first()
    text = text or texts.filter(language="en").order_by("-version").first()
    if text is None:
        raise ValidationError("No talent-pool consent text is published.")
    return text


def _clean_list(values: Iterable[str], *, limit: int = 30, length: int = 60) -> list[str]:
    """Skills as the person wrote them: trimmed, no empties, no duplicates (case-blind)."""
    seen, cleaned = set(), []
    for value in values:
        value = " ".join(str(value).split())[:length]
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            cleaned.append(value)
    return cleaned[:limit]


def _clear_search_data(entry: TalentPoolEntry) -> None:
    """An ended entry leaves the search at once: its indexed document texts (lexemes or
    sealed text) go, its sharing with vacancies ends, and both its vectors are emptied
    (talentpool.search.pool_unindex_entry)."""
    from talentpool.search import pool_unindex_entry

    pool_unindex_entry(entry)
    entry.shared_with.clear()


# --- Joining ---------------------------------------------------------------------------------


@transaction.atomic
def pool_join(
    *,
    candidate: Candidate,
    consent: Consent,
    source: str,
    application: Application | None = None,
    location: str = "",
    skills: Sequence[str] = (),
) -> TalentPoolEntry:
    """Put the candidate in the pool under `consent` (a talent-pool Consent they just
    gave), until ATS_TALENT_POOL_MONTHS months after it was given.

    `application` is the unsolicited application of the standalone pool form, which
    exists only for the pool and ends with it; None when the person joined from an
    application of their own or from an offer.

    Idempotent: with a current entry already, the newer consent renews that entry (its
    consent and expiry move on, renewal requests start again; counted as a renewal),
    and location and skills given now are added."""
    if consent.purpose != Purpose.TALENT_POOL or consent.candidate_id != candidate.pk:
        raise ValidationError("A talent-pool entry rests on the person's talent-pool consent.")
    if consent.withdrawn_at is not None:
        raise ValidationError("This consent is withdrawn.")
    if source not in Source.values:
        raise ValidationError("Unknown source.")
    # One current entry per person: the candidate row is locked so that two joins at
    # once (a double click, the form and an offer) find each other.
    Candidate.objects.select_for_update().filter(pk=candidate.pk).values_list("pk").first()
    now = timezone.now()
    entry = (
        TalentPoolEntry.objects.select_for_update()
        .filter(candidate=candidate, ended_at=None)
        .first()
    )
    skills = _clean_list(skills)
    location = " ".join(location.split())[:120]
    if entry is not None:
        changed = []
        if application is not None and entry.application_id is None:
            entry.application = application
            changed.append("application")
        if location and not entry.location:
            entry.location = location
            changed.append("location")
        if skills:
            entry.skills = _clean_list([*entry.skills, *skills])
            changed.append("skills")
        if changed:
            entry.save(update_fields=changed)
        if entry.consent_id != consent.pk and consent.given_at > entry.consent.given_at:
            _renew_on(entry, consent=consent, now=now, via="rejoined")
        return entry
    entry = TalentPoolEntry.objects.create(
        candidate=candidate,
        consent=consent,
        source=source,
        application=application,
        joined_at=now,
        expires_at=expiry_after(consent.given_at),
        location=location,
        skills=skills,
    )
    pool_count(kind=Kind.JOINED, at=now)
    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="talent_pool_joined",
        target=entry,
        source=source,
        consent=consent.pk,
    )
    if source != Source.APPLICATION_FORM:
        # From the application form the confirmation of the application says it
        # (with the consent's withdraw link); every other way gets its own welcome.
        transaction.on_commit(lambda: _send_entry_mail(entry.pk, "welcome"))
    return entry


def pool_consent_give(*, candidate: Candidate, text: ConsentText, via: str) -> Consent:
    """Record the talent-pool consent the person gave just now, with the text shown."""
    if text.purpose != Purpose.TALENT_POOL:
        raise ValidationError("That is not a talent-pool consent text.")
    return Consent.objects.create(
        candidate=candidate,
        purpose=Purpose.TALENT_POOL,
        text=text,
        given_at=timezone.now(),
        given_via=via,
    )


@transaction.atomic
def pool_join_by_offer(
    *, candidate: Candidate, source: str, text: ConsentText, application_id: int | None = None
) -> TalentPoolEntry:
    """The person confirmed an offer to join (the rejection email, HR's invitation, the
    acknowledgement of an emailed application) through its signed link: a new consent
    given via the email link, then pool_join."""
    consent = pool_consent_give(candidate=candidate, text=text, via=Consent.Via.EMAIL_LINK)
    entry = pool_join(candidate=candidate, consent=consent, source=source)
    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="talent_pool_offer_accepted",
        target=entry,
        source=source,
        application=application_id,
    )
    return entry


# --- Renewal ---------------------------------------------------------------------------------


def _renew_on(entry: TalentPoolEntry, *, consent: Consent, now: datetime, via: str) -> None:
    """Move the entry onto `consent`: its expiry counts from that consent, the renewal
    marks are cleared (the next period gets its own requests) and the renewal count
    moves on, which makes every earlier renewal link stale (single use)."""
    entry.consent = consent
    entry.expires_at = max(entry.expires_at, expiry_after(consent.given_at))
    entry.renewal_requested_at = None
    entry.renewal_reminded_at = None
    entry.renewal_count += 1
    entry.save(
        update_fields=[
            "consent",
            "expires_at",
            "renewal_requested_at",
            "renewal_reminded_at",
            "renewal_count",
        ]
    )
    pool_count(kind=Kind.RENEWED, at=now)
    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="talent_pool_renewed",
        target=entry,
        consent=consent.pk,
        via=via,
    )


@transaction.atomic
def pool_renew(*, entry: TalentPoolEntry, consent_text: ConsentText, via: str) -> Consent:
    """The person renewed (the confirmation page of the renewal link): a new Consent
    with the exact text shown, and another ATS_TALENT_POOL_MONTHS months from now.
    A renewal of an entry that has ended meanwhile is refused."""
    entry = TalentPoolEntry.objects.select_for_update().select_related("consent").get(pk=entry.pk)
    now = timezone.now()
    if entry.ended_at is not None or entry.expires_at <= now:
        raise ValidationError(_("This talent-pool membership has already ended."))
    consent = Consent.objects.create(
        candidate_id=entry.candidate_id,
        purpose=Purpose.TALENT_POOL,
        text=consent_text,
        given_at=now,
        given_via=via,
    )
    _renew_on(entry, consent=consent, now=now, via=via)
    transaction.on_commit(lambda: _send_entry_mail(entry.pk, "renewed"))
    return consent


@dataclass(frozen=True)
class RenewalRun:
    requests: int = 0
    reminders: int = 0
    failures: int = 0


def renewal_window_end(now: datetime, days: int) -> datetime:
    """Entries expiring before this instant are within `days` days of their expiry,
    counted in whole days of the site's time zone: the request goes out on the day that
    is `days` days before the day of expiry, whatever the hour of the daily run."""
    today = now.astimezone(rules.site_zone()).date()
    return rules.start_of_day_after(today + timedelta(days=days))


def pool_send_renewal_requests(*, now: datetime | None = None) -> RenewalRun:
    """Email the renewal request ATS_TALENT_POOL_RENEWAL_DAYS days before an entry
    expires and the reminder ATS_TALENT_POOL_REMINDER_DAYS days before; each once.

    Each mail is claimed first with a conditional update of its mark (two runs at once
    never send it twice) and the mark is given back when sending fails (the next run
    tries again). An entry that reaches the reminder's day without a request (the job
    was down) gets one email, the request, and both marks."""
    now = now or timezone.now()
    current = TalentPoolEntry.objects.filter(ended_at=None, expires_at__gt=now)
    request_due = current.filter(
        renewal_requested_at=None,
        expires_at__lt=renewal_window_end(now, settings.ATS_TALENT_POOL_RENEWAL_DAYS),
    )
    reminder_due = current.filter(
        renewal_reminded_at=None,
        expires_at__lt=renewal_window_end(now, settings.ATS_TALENT_POOL_REMINDER_DAYS),
    )
    requests = reminders = failures = 0
    for pk in list(request_due.order_by("expires_at", "pk").values_list("pk", flat=True)):
        late = reminder_due.filter(pk=pk).exists()
        marks = {"renewal_requested_at": now, **({"renewal_reminded_at": now} if late else {})}
        if not TalentPoolEntry.objects.filter(pk=pk, renewal_requested_at=None).update(**marks):
            continue
        if _send_or_release(pk, "renewal_request", dict.fromkeys(marks)):
            requests += 1
        else:
            failures += 1
    for pk in list(
        reminder_due.exclude(renewal_requested_at=None)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    ):
        if not TalentPoolEntry.objects.filter(pk=pk, renewal_reminded_at=None).update(
            renewal_reminded_at=now
        ):
            continue
        if _send_or_release(pk, "renewal_reminder", {"renewal_reminded_at": None}):
            reminders += 1
        else:
            failures += 1
    logger.info(
        "talentpool: %d renewal requests, %d reminders sent, %d failed",
        requests,
        reminders,
        failures,
    )
    return RenewalRun(requests=requests, reminders=reminders, failures=failures)


def _send_or_release(pk: int, kind: str, release: dict[str, None]) -> bool:
    try:
        _send_entry_mail(pk, kind, raise_errors=True)
    except Exception as exc:
        TalentPoolEntry.objects.filter(pk=pk).update(**release)
        logger.warning("talentpool: %s for entry %s not sent (%s)", kind, pk, type(exc).__name__)
        return False
    AuditEvent.record(actor=None, action=f"talent_pool_{kind}_sent", target=TalentPoolEntry(pk=pk))
    return True


# --- Expiry ----------------------------------------------------------------------------------


def pool_expire_due(*, now: datetime | None = None) -> int:
    """End every entry whose expiry has passed (end reason expired): it leaves every
    recruiter view and its search data goes at once; the retention job erases its
    pool-only application on its next run, and the person's other applications follow
    their own rules. How many entries ended."""
    now = now or timezone.now()
    ended = 0
    due = TalentPoolEntry.objects.filter(ended_at=None, expires_at__lte=now)
    for pk in list(due.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = TalentPoolEntry.objects.filter(
                pk=pk, ended_at=None, expires_at__lte=now
            ).update(ended_at=now, end_reason=EndReason.EXPIRED)
            if not claimed:
                continue  # renewed or ended meanwhile, or another run got there first
            entry = TalentPoolEntry.objects.get(pk=pk)
            _clear_search_data(entry)
            pool_count(kind=Kind.EXPIRED, at=now)
            AuditEvent.record(actor=None, action="talent_pool_expired", target=entry)
            # Someone the pool held without any application (the pool-only one waits
            # for the retention job, which takes the person with it).
            _erase_if_unheld(entry.candidate_id, rule=rules.TALENT_POOL_ENDED)
            ended += 1
    return ended


def _erase_if_unheld(candidate_id: int, *, rule: str) -> bool:
    """A person whose pool entry ended and who has no application left (the pool held
    only their contact details: their applications went earlier, for example on their
    request) is erased with their consents and the audit events about them; an
    ErasureRecord under `rule` says so, counts only. True if they went."""
    from anonymizer.models import ErasureRecord

    held = (
        Application.objects.filter(candidate_id=candidate_id).exists()
        or TalentPoolEntry.objects.filter(candidate_id=candidate_id, ended_at=None).exists()
    )
    if held or not Candidate.objects.filter(pk=candidate_id).exists():
        return False
    consent_ids = [
        str(pk)
        for pk in Consent.objects.filter(candidate_id=candidate_id).values_list("pk", flat=True)
    ]
    entry_ids = [
        str(pk)
        for pk in TalentPoolEntry.objects.filter(candidate_id=candidate_id).values_list(
            "pk", flat=True
        )
    ]
    events = AuditEvent.objects.filter(
        Q(target_type="ats.candidate", target_id=str(candidate_id))
        | Q(target_type="ats.consent", target_id__in=consent_ids)
        | Q(target_type="talentpool.talentpoolentry", target_id__in=entry_ids)
    ).delete()[0]
    Consent.objects.filter(candidate_id=candidate_id).delete()
    Candidate.objects.filter(pk=candidate_id).delete()  # the ended entries with them
    ErasureRecord.objects.create(
        rule=rule,
        run_id=uuid.uuid4(),
        erased_at=timezone.now(),
        counts={"candidates": 1, "consents": len(consent_ids), "audit_events": events},
    )
    return True


# --- Withdrawal ------------------------------------------------------------------------------


@dataclass
class WithdrawalOutcome:
    """What a withdrawal did, for the confirmation email and page (no ids leave it)."""

    erased_pool_application: bool = False
    erased_documents: int = 0
    erased_applications: list[str] = field(default_factory=list)  # vacancy titles
    kept: list[tuple[str, str, date | None]] = field(default_factory=list)  # title, rule, until
    candidate_erased: bool = False


def _title(application: Application) -> str:
    if application.vacancy is not None:
        return application.vacancy.title
    return _("Unsolicited application")


@transaction.atomic
def pool_withdraw(*, entry: TalentPoolEntry, via: str, by: AbstractBaseUser | None = None) -> bool:
    """The person withdrew their talent-pool consent: effective at once, no reason asked.

    The entry ends (it leaves every recruiter view, its search data and sharing go),
    every talent-pool consent of the person is withdrawn (ats.services.consent_withdraw),
    and what only the pool held is erased now: the pool-only application of the
    standalone form, and any other application whose own retention deadline has passed
    (it was kept only for the pool). Other applications stay under their own purpose
    (an open application, a decision's months for legal claims, an employment). A
    confirmation email says which. False if the entry had ended already."""
    from anonymizer.services import application_erase_now

    now = timezone.now()
    claimed = TalentPoolEntry.objects.filter(pk=entry.pk, ended_at=None).update(
        ended_at=now, end_reason=EndReason.WITHDRAWN
    )
    if not claimed:
        return False
    entry = TalentPoolEntry.objects.select_related("candidate").get(pk=entry.pk)
    candidate = entry.candidate
    _clear_search_data(entry)
    pool_count(kind=Kind.WITHDRAWN, at=now)
    AuditEvent.record(
        actor=by,
        actor_kind="staff" if by is not None else "applicant",
        action="talent_pool_withdrawn",
        target=entry,
        via=via,
    )
    # The entry has ended, so the consent_withdrawn receiver finds nothing left to end.
    for consent in Consent.objects.filter(
        candidate=candidate, purpose=Purpose.TALENT_POOL, withdrawn_at=None
    ):
        consent_withdraw(consent=consent, via=via, by=by)

    # What the mail will say, read before anything is erased.
    address, language = candidate.email, candidate.language or settings.LANGUAGE_CODE
    outcome = WithdrawalOutcome()
    with translation.override(language):
        applications = Application.objects.filter(candidate=candidate).select_related("vacancy")
        for application in applications.order_by("submitted_at", "pk"):
            pool_only = application.pk == entry.application_id
            if pool_only:
                # Made only for the pool: due now, unless something else holds it (a
                # hiring, a decision's months for legal claims, a legal hold).
                deadline = rules.pool_only_deadline(
                    application, entry_ended_at=now, talent_pool_until=None
                )
            else:
                deadline = rules.application_deadline(application, now, talent_pool_until=None)
            if deadline.is_due(now):
                if pool_only:
                    outcome.erased_pool_application = True
                    outcome.erased_documents = application.documents.count()
                else:
                    outcome.erased_applications.append(_title(application))
                application_erase_now(application=application, rule=rules.TALENT_POOL_WITHDRAWN)
            else:
                until = (
                    deadline.due_at.astimezone(rules.site_zone()).date()
                    if deadline.due_at
                    else None
                )
                outcome.kept.append((_title(application), deadline.rule, until))
    _erase_if_unheld(candidate.pk, rule=rules.TALENT_POOL_WITHDRAWN)
    outcome.candidate_erased = not Candidate.objects.filter(pk=candidate.pk).exists()
    transaction.on_commit(lambda: _send_withdrawal_confirmation(address, language, outcome))
    return True


def pool_withdraw_on_consent(*, consent: Consent) -> bool:
    """The `consent_withdrawn` receiver's service: a talent-pool consent was withdrawn
    elsewhere (the link in the application's confirmation, the self-service page), so
    the person's current entry ends the same way as by the pool's own link. Any of the
    person's talent-pool consents counts: withdrawing one says "not in the pool"."""
    if consent.purpose != Purpose.TALENT_POOL:
        return False
    entry = current_entry(consent.candidate_id)
    if entry is None:
        return False  # nothing current (or pool_withdraw itself withdrew it)
    return pool_withdraw(entry=entry, via=consent.withdrawn_via or Consent.Via.EMAIL_LINK)


# --- Emails ----------------------------------------------------------------------------------

SUBJECTS = {
    "welcome": lambda: _("You are in our talent pool"),
    "renewal_request": lambda: _("Your talent-pool membership: renew?"),
    "renewal_reminder": lambda: _("Reminder: your talent-pool membership ends soon"),
    "renewed": lambda: _("Your talent-pool membership is renewed"),
    "withdrawn": lambda: _("You have left our talent pool"),
}


def _subject(kind: str) -> str:
    # No personal data in a subject: it is read in inbox lists and mail logs.
    return f"{settings.ATS_SITE_NAME}: {SUBJECTS[kind]()}"


def _send(*, to: str, language: str, kind: str, context: dict) -> None:
    with translation.override(language):
        context = {"site_name": settings.ATS_SITE_NAME, **context}
        body = render_to_string(f"emails/talentpool_{kind}.txt", context)
        subject = _subject(kind)
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()


def _send_entry_mail(entry_id: int, kind: str, *, raise_errors: bool = False) -> bool:
    """An email about a current entry, in the person's language, with the withdraw link
    (and for a renewal request or reminder the renewal link). Sent in process: a failed
    welcome or renewed note is logged by id; a failed renewal request raises, for its
    caller to release the claim."""
    entry = TalentPoolEntry.objects.select_related("candidate").filter(pk=entry_id).first()
    if entry is None or entry.ended_at is not None:
        return False
    candidate = entry.candidate
    context = {
        "entry": entry,
        "months": pool_months(),
        "expires_on": entry.expires_at.astimezone(rules.site_zone()).date(),
        "withdraw_url": links.withdraw_url(entry),
        "renew_url": links.renewal_url(entry) if kind.startswith("renewal_") else "",
        "privacy_url": links.absolute(reverse("careers_site:privacy")),
    }
    try:
        _send(
            to=candidate.email,
            language=candidate.language or settings.LANGUAGE_CODE,
            kind=kind,
            context=context,
        )
    except Exception as exc:
        if raise_errors:
            raise
        logger.warning(
            "talentpool: %s for entry %s not sent (%s)", kind, entry_id, type(exc).__name__
        )
        return False
    return True


def _send_withdrawal_confirmation(address: str, language: str, outcome: WithdrawalOutcome) -> None:
    """After the commit, from what was read before the erasure: the person's data may be
    gone by now, so no worker could load it (and a task never carries an address)."""
    try:
        _send(
            to=address,
            language=language,
            kind="withdrawn",
            context={
                "outcome": outcome,
                "months": settings.ATS_APPLICATION_RETENTION_MONTHS,
                "privacy_url": links.absolute(reverse("careers_site:privacy")),
            },
        )
    except Exception as exc:
        logger.warning("talentpool: withdrawal confirmation not sent (%s)", type(exc).__name__)
