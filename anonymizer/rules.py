"""The retention rules as code (DESIGN.md "Retention rules", privacy policy 3.6 and 3.7).

One small function per rule. Each answers, for one application and without touching the
database, whether the rule applies and from which instant the personal data must be
gone: a `Deadline(rule, due_at)`, where `due_at` None means "kept, no erasure date
while this holds" (a hired applicant still employed, a legal hold with no end, an
application with no decision communicated). `application_deadline` combines them: the
latest deadline wins, and a rule that suspends erasure (None) beats any date.

Month arithmetic: N calendar months after an instant is the same wall-clock time, in
the site's time zone (settings.TIME_ZONE), on the same day N months later; a day the
month lacks becomes its last day (31 August + 6 months = 28 February, or 29 in a leap
year). A wall-clock time that the clocks skip on that day (spring forward) is read with
the offset before the change, so it falls one hour later on the wall clock; a time that
occurs twice (fall back) is its first occurrence. The one implementation is
ats.services.decisions.months_after (with add_months for the date part, which the
recruiter workspace uses for the erasure date it shows), shared with the request desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from ats.services.decisions import months_after

if TYPE_CHECKING:
    from ats.models import Application

APPLICATION = "application"
HIRED = "hired"
TALENT_POOL = "talent_pool"
LEGAL_HOLD = "legal_hold"
NO_DECISION = "no_decision"
SPECIAL_CATEGORY_WITHOUT_CONSENT = "special_category_without_consent"
# An application made only for the talent pool (its standalone form) whose pool entry
# ended (expired without renewal): the job erases it on its next run.
TALENT_POOL_ENDED = "talent_pool_ended"
# Erased at once when the person withdrew their talent-pool consent (talentpool.services
# through anonymizer.services.application_erase_now, not the job).
TALENT_POOL_WITHDRAWN = "talent_pool_withdrawn"
# Erased at once at the person's request (careers_site.selfservice, through
# anonymizer.services.application_erase_now, not the job).
ERASURE_REQUEST = "erasure_request"

# The rules under which the job erases, in the order its report lists them.
ERASING_RULES = (
    APPLICATION,
    HIRED,
    TALENT_POOL,
    LEGAL_HOLD,
    SPECIAL_CATEGORY_WITHOUT_CONSENT,
    TALENT_POOL_ENDED,
)

REJECTED, HIRED_DECISION, WITHDRAWN = "rejected", "hired", "withdrawn"

_NEVER = datetime.max.replace(tzinfo=UTC)
# When two deadlines fall on the same instant, the rule that names the reason wins.
_PRIORITY = {LEGAL_HOLD: 3, TALENT_POOL: 2, HIRED: 1}


@dataclass(frozen=True)
class Deadline:
    rule: str
    due_at: datetime | None  # None: kept while the rule holds, no erasure date

    def is_due(self, now: datetime) -> bool:
        """Due from the deadline's instant on (inclusive)."""
        return self.due_at is not None and now >= self.due_at


def site_zone() -> tzinfo:
    return timezone.get_default_timezone()


def start_of_day_after(day: date) -> datetime:
    """Midnight at the end of `day`, in the site's time zone (as an instant in UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=site_zone()).astimezone(UTC)


def retention_months() -> int:
    return settings.ATS_APPLICATION_RETENTION_MONTHS


def idle_days() -> int:
    return getattr(settings, "ATS_RETENTION_IDLE_DAYS", 180)


# --- One function per rule ---------------------------------------------------------------


def clock_start(application: Application) -> datetime | None:
    """When the applicant learnt the final decision: its communication, or for an
    application they withdrew themselves, the withdrawal."""
    if application.decision_communicated_at is not None:
        return application.decision_communicated_at
    if application.decision == WITHDRAWN:
        return application.decided_at
    return None


def application_rule(application: Application) -> Deadline | None:
    """Rejected or withdrawn: erased ATS_APPLICATION_RETENTION_MONTHS calendar months
    after the decision was communicated (privacy policy 3.6)."""
    if application.decision not in (REJECTED, WITHDRAWN):
        return None
    start = clock_start(application)
    if start is None:
        return None
    return Deadline(APPLICATION, months_after(start, retention_months()))


def hired_rule(application: Application) -> Deadline | None:
    """Hired: kept for the employment; once HR records its end, the same clock runs
    from that instant."""
    if application.decision != HIRED_DECISION:
        return None
    if application.employment_ended_at is None:
        return Deadline(HIRED, None)
    return Deadline(HIRED, months_after(application.employment_ended_at, retention_months()))


def talent_pool_rule(held_until: datetime | None) -> Deadline | None:
    """In the talent pool under valid consent: kept until the pool stops holding the
    candidate (expiry, or at once on withdrawal, when `held_until` is None).
    `held_until` comes from anonymizer.selectors.talent_pool_held_until."""
    if held_until is None:
        return None
    return Deadline(TALENT_POOL, held_until)


def legal_hold_rule(application: Application) -> Deadline | None:
    """A legal hold suspends erasure to the end of its last day; a hold with a reason
    but no end date suspends it until HR sets one."""
    if application.legal_hold_until is not None:
        return Deadline(LEGAL_HOLD, start_of_day_after(application.legal_hold_until))
    if application.legal_hold_reason:
        return Deadline(LEGAL_HOLD, None)
    return None


def no_decision_rule(application: Application) -> Deadline | None:
    """No final decision communicated (and not hired): nothing is erased, and after
    ATS_RETENTION_IDLE_DAYS without a change the application is listed for HR
    (anonymizer.selectors.idle_undecided_applications)."""
    if application.decision == HIRED_DECISION or clock_start(application) is not None:
        return None
    return Deadline(NO_DECISION, None)


def idle_since_cutoff(now: datetime) -> datetime:
    """Applications with no decision unchanged since before this instant are idle."""
    return now - timedelta(days=idle_days())


def special_category_rule(
    application: Application, *, has_active_consent: bool, now: datetime
) -> Deadline | None:
    """Special-category answers are held only under their own consent: without an
    active one they are due at once."""
    if not application.special_category_sealed or has_active_consent:
        return None
    return Deadline(SPECIAL_CATEGORY_WITHOUT_CONSENT, now)


def pool_only_deadline(
    application: Application, *, entry_ended_at: datetime, talent_pool_until: datetime | None
) -> Deadline:
    """An application made only for the talent pool (its standalone form) exists for the
    pool: its own clock is the end of its pool entry, not a decision (it usually has
    none, which would otherwise keep it undecided for ever). Whatever else holds it
    still does, the latest winning as in `application_deadline`: hired (kept for the
    employment), a decision communicated (its months for legal claims), the person back
    in the pool under a newer entry (`talent_pool_until`), a legal hold."""
    base = Deadline(TALENT_POOL_ENDED, entry_ended_at)
    # The entry itself holds until the same instant: only a later hold is another one.
    if talent_pool_until is not None and talent_pool_until <= entry_ended_at:
        talent_pool_until = None
    applicable = [
        deadline
        for deadline in (
            base,
            hired_rule(application),
            application_rule(application),
            talent_pool_rule(talent_pool_until),
            legal_hold_rule(application),
        )
        if deadline is not None
    ]
    return max(applicable, key=lambda d: (d.due_at or _NEVER, _PRIORITY.get(d.rule, 0)))


# --- Combined ------------------------------------------------------------------------------


class _Unset:
    pass


_UNSET = _Unset()


def application_deadline(
    application: Application,
    now: datetime,
    *,
    talent_pool_until: datetime | _Unset | None = _UNSET,
) -> Deadline:
    """The deadline that decides for the whole application as of `now`, and the rule
    behind it.

    The decision's own clock (application, hired, or no decision) is combined with the
    holds (talent pool, legal hold): the latest wins, and a rule with no erasure date
    (hired and still employed, a legal hold with no end, no decision) suspends erasure.
    `talent_pool_until` may be passed by a caller that read it for many applications at
    once (anonymizer.selectors.talent_pool_held_until, as of the same `now`); otherwise
    it is read here.
    """
    if isinstance(talent_pool_until, _Unset):
        from anonymizer.selectors import talent_pool_held_until

        talent_pool_until = talent_pool_held_until([application.candidate_id], now=now).get(
            application.candidate_id
        )
    base = hired_rule(application) or application_rule(application) or no_decision_rule(application)
    assert base is not None  # one of the three always applies
    applicable = [
        deadline
        for deadline in (base, talent_pool_rule(talent_pool_until), legal_hold_rule(application))
        if deadline is not None
    ]
    return max(applicable, key=lambda d: (d.due_at or _NEVER, _PRIORITY.get(d.rule, 0)))
