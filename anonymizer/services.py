"""The retention job and legal holds.

`enforce_retention` applies every retention rule (anonymizer.rules) as of one instant.
Each due application is erased in its own transaction, which first writes its
ApplicationStatistic, then deletes its documents' rows (with their wrapped data keys),
notes, evaluations, stage history, emails, consents and the audit events about them,
the application, and the candidate when nothing else holds them, and finally writes an
ErasureRecord. The stored objects are deleted after the commit; an object whose
deletion fails has no row any more and is removed by the orphan reconciler
(ats.vault.lifecycle.orphans_remove), so a failure never holds up the database erasure.

Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED and their deadline is checked
again inside the transaction: two runs at once never erase the same record twice, a
rerun finds nothing left to do (idempotent), and a run killed at any point has either
committed a record's erasure or left it whole for the next run.

The job is not one transaction (unlike most services): a kill loses at most the record
in hand, and each erasure is visible, and its objects deleted, as soon as it is done.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from anonymizer import rules
from anonymizer.models import ApplicationStatistic, ErasureRecord, Outcome, RetentionRunLog
from anonymizer.selectors import (
    ended_pool_applications,
    has_active_special_category_consent,
    idle_undecided_applications,
    retention_candidates,
    special_category_without_consent,
    talent_pool_held_until,
)
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    CandidateEmail,
    Consent,
    Document,
    Evaluation,
    Note,
    Stage,
    StageChange,
)
from ats.vault import storage

logger = logging.getLogger(__name__)

# How far along the pipeline each kind of stage is; "rejected" and "other" are not steps.
STAGE_ORDER = {
    Stage.Kind.NEW: 0,
    Stage.Kind.SCREENING: 1,
    Stage.Kind.INTERVIEW: 2,
    Stage.Kind.OFFER: 3,
    Stage.Kind.HIRED: 4,
}

# What the deadline of an application depends on, for the batch reads.
_DEADLINE_FIELDS = (
    "candidate",
    "decision",
    "decided_at",
    "decision_communicated_at",
    "employment_ended_at",
    "legal_hold_until",
    "legal_hold_reason",
)


@dataclass
class RetentionReport:
    """What one run did (or, in a dry run or while suspended, would do), per rule."""

    run_id: uuid.UUID
    now: datetime
    dry_run: bool
    suspended: bool
    erased: Counter[str] = field(default_factory=Counter)
    # Due when read, but claimed by another run or no longer due when locked.
    skipped: int = 0
    # Records whose erasure failed (rolled back, logged by id; the next run retries).
    failures: int = 0
    # Stored objects whose deletion failed after the commit (left to the reconciler).
    storage_failures: int = 0
    # Applications with no decision, idle too long: listed for HR, not erased.
    idle_undecided: int = 0

    @property
    def changes_nothing(self) -> bool:
        return self.dry_run or self.suspended

    @property
    def total(self) -> int:
        return sum(self.erased.values())

    def as_dict(self) -> dict[str, object]:
        """JSON-serialisable, for a task result; counts only."""
        return {
            "run_id": str(self.run_id),
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "suspended": self.suspended,
            "erased": {rule: self.erased[rule] for rule in rules.ERASING_RULES},
            "skipped": self.skipped,
            "failures": self.failures,
            "storage_failures": self.storage_failures,
            "idle_undecided": self.idle_undecided,
        }


def enforce_retention(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = 1000
) -> RetentionReport:
    """Erase everything whose retention deadline has passed as of `now` (default: the
    current time); `dry_run` only counts. With ATS_RETENTION_SUSPENDED set, nothing is
    erased and the report says so (with the counts of what is due)."""
    if now is None:
        now = timezone.now()
    elif timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RetentionReport(
        run_id=uuid.uuid4(),
        now=now,
        dry_run=dry_run,
        suspended=bool(getattr(settings, "ATS_RETENTION_SUSPENDED", False)),
    )
    if report.suspended:
        logger.warning("retention: suspended by ATS_RETENTION_SUSPENDED; nothing is erased")
    counted = _erase_due_applications(report, batch_size=batch_size)
    counted |= _erase_ended_pool_applications(report, batch_size=batch_size, counted=counted)
    _erase_special_category_answers(report, batch_size=batch_size, counted=counted)
    report.idle_undecided = idle_undecided_applications(now).count()
    logger.info(
        "retention: run %s %s %d (%s); %d skipped; %d failed; %d idle undecided listed for HR",
        report.run_id,
        "would erase" if report.changes_nothing else "erased",
        report.total,
        ", ".join(f"{rule}={report.erased[rule]}" for rule in rules.ERASING_RULES),
        report.skipped,
        report.failures,
        report.idle_undecided,
    )
    if not dry_run:
        retention_run_remember(report=report)
    return report


def retention_run_remember(*, report: RetentionReport) -> None:
    """Record the run's counts (never personal data) for HR's retention page and
    /healthz, which reads when the job last ran: a run that erased nothing leaves no
    ErasureRecord, so without this a quiet day could not be told from a stopped job.
    The run's erasures are committed already, so a failure here is logged, not raised."""
    try:
        RetentionRunLog.objects.update_or_create(
            id=report.run_id,
            defaults={
                "finished_at": timezone.now(),
                "suspended": report.suspended,
                "erased": 0 if report.changes_nothing else report.total,
                "skipped": report.skipped,
                "failures": report.failures,
                "storage_failures": report.storage_failures,
            },
        )
    except DatabaseError as exc:
        logger.warning("retention: recording run %s failed (%s)", report.run_id, type(exc).__name__)


# --- Whole applications ----------------------------------------------------------------


def _erase_due_applications(report: RetentionReport, *, batch_size: int) -> set[int]:
    """Erase the due applications batch by batch (keyset pagination on the id); the ids
    counted in a dry run, so that the special-category sweep does not count them twice.

    Each batch's due applications are erased in one transaction with set-based
    statements (`_erase_applications`). When that raises, the batch is rolled back whole
    and erased again one application per transaction, so that one record that cannot
    be erased holds up nothing else."""
    now, after, counted = report.now, 0, set()
    while True:
        batch = list(
            retention_candidates(now)
            .filter(pk__gt=after)
            .order_by("pk")
            .only(*_DEADLINE_FIELDS)[:batch_size]
        )
        if not batch:
            return counted
        after = batch[-1].pk
        pool = talent_pool_held_until({a.candidate_id for a in batch}, now=now)
        due = []
        for application in batch:
            deadline = rules.application_deadline(
                application, now, talent_pool_until=pool.get(application.candidate_id)
            )
            if not deadline.is_due(now):
                continue
            if report.changes_nothing:
                report.erased[deadline.rule] += 1
                counted.add(application.pk)
                continue
            due.append(application.pk)
        if not due:
            continue
        try:
            erased = _erase_applications(pks=due, report=report)
        except Exception:
            erased = None  # rolled back whole: one by one below
        if erased is not None:
            report.erased.update(erased.values())
            report.skipped += len(due) - len(erased)
            continue
        for pk in due:
            try:
                rule = _erase_application(pk=pk, report=report)
            except Exception as exc:
                # Rolled back whole. One record that cannot be erased must not hold up
                # every record after it, run after run.
                _failed(report, "application", pk, exc)
                continue
            if rule is None:
                report.skipped += 1
            else:
                report.erased[rule] += 1


@transaction.atomic
def _erase_applications(*, pks: list[int], report: RetentionReport) -> dict[int, str]:
    """Erase, in one transaction, those of the applications that are (still) due and no
    other run holds; the rule that decided, per erased application."""
    now = report.now
    applications = list(
        Application.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("vacancy__department", "stage")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    pool = talent_pool_held_until({a.candidate_id for a in applications}, now=now)
    decided = {}
    for application in applications:
        deadline = rules.application_deadline(
            application, now, talent_pool_until=pool.get(application.candidate_id)
        )
        if deadline.is_due(now):
            decided[application.pk] = deadline.rule
    applications = [a for a in applications if a.pk in decided]
    if not applications:
        return {}
    ApplicationStatistic.objects.bulk_create(statistics_for_many(applications))
    counts, storage_keys = _delete_applications_rows(applications)
    erased_at = timezone.now()
    ErasureRecord.objects.bulk_create(
        ErasureRecord(
            rule=decided[pk], run_id=report.run_id, erased_at=erased_at, counts=counts[pk]
        )
        for pk in decided
    )
    transaction.on_commit(partial(_delete_stored_objects, storage_keys, report))
    return decided


def statistics_for_many(applications: list[Application]) -> list[ApplicationStatistic]:
    """statistic_for() of each application, with the stage history read in one query."""
    kinds: dict[int, set[str]] = {a.pk: {a.stage.kind} for a in applications}
    history = StageChange.objects.filter(application__in=list(kinds)).values_list(
        "application_id", "to_stage__kind"
    )
    for application_id, kind in history:
        kinds[application_id].add(kind)
    return [statistic_for(a, kinds=kinds[a.pk]) for a in applications]


def _delete_applications_rows(
    applications: list[Application],
) -> tuple[dict[int, dict[str, int]], list[str]]:
    """_delete_application_rows() for many applications at once, one statement per
    table: the counts per application and the storage keys of their documents."""
    ids = [a.pk for a in applications]
    candidate_ids = sorted({a.candidate_id for a in applications})
    # Locked before the check (see _delete_application_rows), in a fixed order.
    list(
        Candidate.objects.select_for_update()
        .filter(pk__in=candidate_ids)
        .order_by("pk")
        .values_list("pk")
    )
    kept = set(
        Application.objects.filter(candidate_id__in=candidate_ids)
        .exclude(pk__in=ids)
        .values_list("candidate_id", flat=True)
    ) | _held_by_pool(candidate_ids)
    # A candidate who goes is counted with their last application in the batch.
    goes_with = {a.candidate_id: a.pk for a in applications if a.candidate_id not in kept}
    erased_candidates = list(goes_with)
    owner = {}  # (target type, target id) -> application
    counts = {pk: dict.fromkeys(_COUNTED, 0) for pk in ids}

    def rows(model, kind, label, filters):
        found = list(model.objects.filter(filters).values_list("pk", "application_id"))
        for pk, application_id in found:
            counts[application_id][kind] += 1
            owner[(label, str(pk))] = application_id
        return found

    documents = list(
        Document.objects.filter(application__in=ids).values_list(
            "pk", "application_id", "storage_key"
        )
    )
    for pk, application_id, _key in documents:
        counts[application_id]["documents"] += 1
        owner[("ats.document", str(pk))] = application_id
    rows(Note, "notes", "ats.note", Q(application__in=ids))
    rows(Evaluation, "evaluations", "ats.evaluation", Q(application__in=ids))
    rows(CandidateEmail, "emails", "ats.candidateemail", Q(application__in=ids))
    for application_id in StageChange.objects.filter(application__in=ids).values_list(
        "application_id", flat=True
    ):
        counts[application_id]["stage_changes"] += 1
    consents = Consent.objects.filter(Q(application__in=ids) | Q(candidate__in=erased_candidates))
    for pk, application_id, candidate_id in consents.values_list(
        "pk", "application_id", "candidate_id"
    ):
        counted_with = application_id if application_id in counts else goes_with[candidate_id]
        counts[counted_with]["consents"] += 1
        owner[("ats.consent", str(pk))] = counted_with
    for pk in ids:
        owner[("ats.application", str(pk))] = pk
    for candidate_id, pk in goes_with.items():
        owner[("ats.candidate", str(candidate_id))] = pk
        counts[pk]["candidates"] = 1
    by_type: dict[str, list[str]] = {}
    for target_type, target_id in owner:
        by_type.setdefault(target_type, []).append(target_id)
    about = Q(pk__in=[])
    for target_type, target_ids in by_type.items():
        about |= Q(target_type=target_type, target_id__in=target_ids)
    events = list(AuditEvent.objects.filter(about).values_list("pk", "target_type", "target_id"))
    for _event, target_type, target_id in events:
        counts[owner[(target_type, target_id)]]["audit_events"] += 1
    AuditEvent.objects.filter(pk__in=[pk for pk, _, _ in events]).delete()
    # The rows counted above go by the cascades of these two deletes (documents, notes,
    # evaluations, emails, stage changes, restrictions and the application's consents
    # with the applications; the person's consents, sign-ins and exports with the
    # candidates), each table once: deleting the children first as well made the
    # collectors look for them again, a statement per table for nothing. Only the keys
    # are read for the applications, which no receiver listens to; the candidates are
    # read whole, for the pre_delete receivers (ats.models.requests).
    Application.objects.filter(pk__in=ids).only("pk").delete()
    Candidate.objects.filter(pk__in=erased_candidates).delete()
    for pk in ids:
        counts[pk]["applications"] = 1
    return counts, [key for _, _, key in documents]


_COUNTED = (
    "audit_events",
    "documents",
    "notes",
    "evaluations",
    "emails",
    "stage_changes",
    "consents",
    "applications",
    "candidates",
)


@transaction.atomic
def _erase_application(*, pk: int, report: RetentionReport) -> str | None:
    """Erase one application if it is (still) due and no other run holds it; the rule
    that decided, or None."""
    application = (
        Application.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("vacancy__department", "stage")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        return None  # erased meanwhile, or another run has it
    deadline = rules.application_deadline(application, report.now)
    if not deadline.is_due(report.now):
        return None
    statistic_for(application).save()
    counts, storage_keys = _delete_application_rows(application)
    ErasureRecord.objects.create(
        rule=deadline.rule, run_id=report.run_id, erased_at=timezone.now(), counts=counts
    )
    transaction.on_commit(partial(_delete_stored_objects, storage_keys, report))
    return deadline.rule


def statistic_for(
    application: Application, *, kinds: set[str] | None = None
) -> ApplicationStatistic:
    """The anonymised metadata of an application (not saved): month of application,
    department, channel, self-declared gender, the furthest stage reached, outcome and
    days to decision. Nothing else: no name, id, exact date or free text."""
    if kinds is None:
        kinds = set(
            StageChange.objects.filter(application=application.pk).values_list(
                "to_stage__kind", flat=True
            )
        )
        kinds.add(application.stage.kind)
    steps = [kind for kind in kinds if kind in STAGE_ORDER]
    reached = max(steps, key=STAGE_ORDER.__getitem__) if steps else Stage.Kind.NEW
    submitted_on = application.submitted_at.astimezone(rules.site_zone()).date()
    days_to_decision = None
    if application.decision and application.decided_at is not None:
        days_to_decision = max(0, (application.decided_at - application.submitted_at).days)
    return ApplicationStatistic(
        month=submitted_on.replace(day=1),
        department=application.vacancy.department.name if application.vacancy else "",
        channel=application.channel,
        gender=application.self_declared_gender,
        stage_reached=reached,
        outcome=application.decision or Outcome.NONE,
        days_to_decision=days_to_decision,
    )


def _held_by_pool(candidate_ids: list[int]) -> set[int]:
    """Candidates with a current talent-pool entry: the pool still holds their contact
    details, so erasing their last application leaves the candidate. An entry past its
    expiry holds nothing, even before the daily run has marked it ended."""
    from talentpool.models import TalentPoolEntry

    return set(
        TalentPoolEntry.objects.filter(
            candidate_id__in=candidate_ids, ended_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("candidate_id", flat=True)
    )


@transaction.atomic
def application_erase_now(*, application: Application, rule: str) -> dict[str, int]:
    """Erase one application at once, whatever its deadline, exactly as the retention
    job does (its statistic first, then every row about it, the candidate when nothing
    else holds them, an ErasureRecord under `rule`, the stored objects after the commit):
    for an erasure the person asked for, or a talent-pool purpose that ended. The caller
    decides that the erasure is due; the counts per kind are returned."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("vacancy__department", "stage")
        .get(pk=application.pk)
    )
    statistic_for(application).save()
    counts, storage_keys = _delete_application_rows(application)
    ErasureRecord.objects.create(
        rule=rule, run_id=uuid.uuid4(), erased_at=timezone.now(), counts=counts
    )
    report = RetentionReport(
        run_id=uuid.uuid4(), now=timezone.now(), dry_run=False, suspended=False
    )
    transaction.on_commit(partial(_delete_stored_objects, storage_keys, report))
    return counts


def _deleted(queryset: QuerySet) -> int:
    """Delete the rows; how many of the queryset's own model went (not cascades)."""
    _, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)


def _ids(model: type[Model], **filters: object) -> list[str]:
    return [str(pk) for pk in model.objects.filter(**filters).values_list("pk", flat=True)]


def _delete_application_rows(application: Application) -> tuple[dict[str, int], list[str]]:
    """Delete everything about the application, and its candidate when no other
    application holds them; the counts per kind and the storage keys of its documents."""
    pk, candidate_id = application.pk, application.candidate_id
    # Locked before the check, so that an application being added for the same person
    # either is seen here or waits, and fails, rather than losing its candidate.
    list(Candidate.objects.select_for_update().filter(pk=candidate_id).values_list("pk"))
    erase_candidate = not (
        Application.objects.filter(candidate_id=candidate_id).exclude(pk=pk).exists()
        or _held_by_pool([candidate_id])
    )
    documents = list(Document.objects.filter(application=pk).values_list("pk", "storage_key"))
    consents = Consent.objects.filter(
        Q(candidate_id=candidate_id) if erase_candidate else Q(application=pk)
    )
    targets = {
        "ats.application": [str(pk)],
        "ats.document": [str(document_id) for document_id, _ in documents],
        "ats.note": _ids(Note, application=pk),
        "ats.evaluation": _ids(Evaluation, application=pk),
        "ats.candidateemail": _ids(CandidateEmail, application=pk),
        "ats.consent": [str(consent_id) for consent_id in consents.values_list("pk", flat=True)],
        "ats.candidate": [str(candidate_id)] if erase_candidate else [],
    }
    about = Q(pk__in=[])
    for target_type, target_ids in targets.items():
        if target_ids:
            about |= Q(target_type=target_type, target_id__in=target_ids)
    counts = {
        "audit_events": _deleted(AuditEvent.objects.filter(about)),
        "documents": _deleted(Document.objects.filter(application=pk)),
        "notes": _deleted(Note.objects.filter(application=pk)),
        "evaluations": _deleted(Evaluation.objects.filter(application=pk)),
        "emails": _deleted(CandidateEmail.objects.filter(application=pk)),
        "stage_changes": _deleted(StageChange.objects.filter(application=pk)),
        "consents": _deleted(consents),
        "applications": _deleted(Application.objects.filter(pk=pk)),
        "candidates": _deleted(Candidate.objects.filter(pk=candidate_id)) if erase_candidate else 0,
    }
    return counts, [key for _, key in documents]


def _failed(report: RetentionReport, what: str, pk: int, exc: Exception) -> None:
    report.failures += 1
    # The id and the exception's class only: an exception's text may quote a value.
    logger.error("retention: erasing %s %s failed (%s)", what, pk, type(exc).__name__)


def _delete_stored_objects(keys: list[str], report: RetentionReport) -> None:
    """After the commit: the rows, and with them the wrapped data keys, are gone, so an
    object left behind is unreadable; the orphan reconciler removes it later."""
    for key in keys:
        try:
            storage.delete(key)
        except Exception as exc:
            report.storage_failures += 1
            logger.warning(
                "retention: deleting a stored object failed (%s); left to the orphan reconciler",
                type(exc).__name__,
            )


# --- Applications made only for the talent pool ---------------------------------------


def _erase_ended_pool_applications(
    report: RetentionReport, *, batch_size: int, counted: set[int]
) -> set[int]:
    """Erase the applications of the talent pool's standalone form whose entry has ended
    (rule talent_pool_ended, rules.pool_only_deadline), one transaction each; the ids
    counted in a dry run."""
    now, after, newly_counted = report.now, 0, set()
    while True:
        batch = list(
            ended_pool_applications(now)
            .filter(pk__gt=after)
            .order_by("pk")
            .only(*_DEADLINE_FIELDS)[:batch_size]
        )
        if not batch:
            return newly_counted
        after = batch[-1].pk
        pool = talent_pool_held_until({a.candidate_id for a in batch}, now=now)
        for application in batch:
            deadline = rules.pool_only_deadline(
                application,
                entry_ended_at=application.pool_ended_at,
                talent_pool_until=pool.get(application.candidate_id),
            )
            if not deadline.is_due(now):
                continue
            if report.changes_nothing:
                if application.pk not in counted:
                    report.erased[deadline.rule] += 1
                    newly_counted.add(application.pk)
                continue
            try:
                rule = _erase_pool_application(pk=application.pk, report=report)
            except Exception as exc:
                _failed(report, "pool application", application.pk, exc)
                continue
            if rule is None:
                report.skipped += 1
            else:
                report.erased[rule] += 1


@transaction.atomic
def _erase_pool_application(*, pk: int, report: RetentionReport) -> str | None:
    """Erase one pool-only application if it is (still) due and no other run holds it;
    the rule that decided, or None."""
    application = (
        ended_pool_applications(report.now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("vacancy__department", "stage")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        return None  # erased meanwhile, another run has it, or the entry is current again
    deadline = rules.pool_only_deadline(
        application,
        entry_ended_at=application.pool_ended_at,
        talent_pool_until=talent_pool_held_until([application.candidate_id], now=report.now).get(
            application.candidate_id
        ),
    )
    if not deadline.is_due(report.now):
        return None
    statistic_for(application).save()
    counts, storage_keys = _delete_application_rows(application)
    ErasureRecord.objects.create(
        rule=deadline.rule, run_id=report.run_id, erased_at=timezone.now(), counts=counts
    )
    transaction.on_commit(partial(_delete_stored_objects, storage_keys, report))
    return deadline.rule


# --- Special-category answers ----------------------------------------------------------


def _erase_special_category_answers(
    report: RetentionReport, *, batch_size: int, counted: set[int]
) -> None:
    """Belt and braces behind ats.services.consent_withdraw: special-category answers
    that no active consent covers are erased at once."""
    after = 0
    rule = rules.SPECIAL_CATEGORY_WITHOUT_CONSENT
    while True:
        batch = list(
            special_category_without_consent()
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        after = batch[-1]
        for pk in batch:
            if report.changes_nothing:
                report.erased[rule] += int(pk not in counted)
                continue
            try:
                erased = _erase_special_category_of(pk=pk, report=report)
            except Exception as exc:
                _failed(report, "special-category answers of application", pk, exc)
                continue
            if erased:
                report.erased[rule] += 1
            else:
                report.skipped += 1


@transaction.atomic
def _erase_special_category_of(*, pk: int, report: RetentionReport) -> bool:
    application = (
        Application.objects.select_for_update(skip_locked=True)
        .only("candidate", "special_category_sealed")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        return False
    deadline = rules.special_category_rule(
        application,
        has_active_consent=has_active_special_category_consent(application),
        now=report.now,
    )
    if deadline is None:
        return False
    Application.objects.filter(pk=pk).update(
        special_category_sealed=b"", special_category_key_id="", updated_at=timezone.now()
    )
    AuditEvent.record(
        actor=None, action="special_category_erased", target=application, rule=deadline.rule
    )
    ErasureRecord.objects.create(
        rule=deadline.rule,
        run_id=report.run_id,
        erased_at=timezone.now(),
        counts={"special_category_answers": 1},
    )
    return True


# --- Legal holds -----------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(
    *, application: Application, reason: str, until: date, by: AbstractBaseUser
) -> None:
    """Suspend the application's erasure to the end of `until` (site time zone), for
    the stated reason. The audit trail records the hold and its end, not the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for the legal hold."))
    if until < timezone.localdate():
        raise ValidationError(_("A legal hold cannot end in the past."))
    application.refresh_from_db(from_queryset=Application.objects.select_for_update(of=("self",)))
    application.legal_hold_reason = reason[:2000]
    application.legal_hold_until = until
    application.save(update_fields=["legal_hold_reason", "legal_hold_until", "updated_at"])
    AuditEvent.record(
        actor=by, action="legal_hold_placed", target=application, until=until.isoformat()
    )


@transaction.atomic
def legal_hold_release(*, application: Application, by: AbstractBaseUser) -> None:
    """End a legal hold now: the application's other rules apply again."""
    application.refresh_from_db(from_queryset=Application.objects.select_for_update(of=("self",)))
    application.legal_hold_reason, application.legal_hold_until = "", None
    application.save(update_fields=["legal_hold_reason", "legal_hold_until", "updated_at"])
    AuditEvent.record(actor=by, action="legal_hold_released", target=application)
