"""What the signed-in person can do: correct their contact details, withdraw a consent,
erase an application or everything, ask for restriction or object. Every function
takes the person (the session's scope) and refuses what is not theirs."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anonymizer import rules
from anonymizer.models import ErasureRecord
from anonymizer.services import application_erase_now
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    Consent,
    DataExport,
    DataRequest,
    Purpose,
)
from ats.services import consent_withdraw
from ats.services.requests import data_request_create, restriction_place
from ats.vault import storage
from careers_site.selfservice.selectors import Kept, kept_because
from talentpool.models import TalentPoolEntry

logger = logging.getLogger(__name__)

ERASURE_RULE = rules.ERASURE_REQUEST
CONTACT_FIELDS = ("first_name", "last_name", "phone", "linkedin_url")


# --- Rectification (Art. 16) -------------------------------------------------------------


@transaction.atomic
def contact_details_correct(*, candidate: Candidate, **values: str) -> list[str]:
    """Save the corrected contact details; the names of the fields that changed (the
    audit trail records those, never the values)."""
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not a contact field: {sorted(unknown)}")
    current = Candidate.objects.select_for_update().get(pk=candidate.pk)
    changed = [name for name, value in values.items() if getattr(current, name) != value.strip()]
    if not changed:
        return []
    for name in changed:
        setattr(current, name, values[name].strip())
    current.save(update_fields=[*changed, "updated_at"])
    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="contact_details_corrected",
        target=current,
        fields=changed,
    )
    candidate.refresh_from_db()
    return changed


# --- Consent (Art. 7(3)) -----------------------------------------------------------------


def consent_withdraw_by_person(*, candidate: Candidate, consent: Consent) -> bool:
    """Withdraw one of the person's consents, effective at once. The talent-pool consent
    ends the pool membership the pool's own way (talentpool.services.pool_withdraw)."""
    if consent.candidate_id != candidate.pk:
        raise Consent.DoesNotExist
    if consent.purpose == Purpose.TALENT_POOL:
        from talentpool.services import pool_withdraw

        entry = (
            TalentPoolEntry.objects.filter(
                candidate=candidate, ended_at=None, consent=consent
            ).first()
            or TalentPoolEntry.objects.filter(candidate=candidate, ended_at=None).first()
        )
        if entry is not None:
            return pool_withdraw(entry=entry, via=Consent.Via.SELF_SERVICE)
    return consent_withdraw(consent=consent, via=Consent.Via.SELF_SERVICE)


# --- Erasure (Art. 17) -------------------------------------------------------------------


class ApplicationKept(ValidationError):
    def __init__(self, kept: Kept) -> None:
        super().__init__(kept.reason)
        self.kept = kept


def _detach_pool_consent(application: Application) -> None:
    """A talent-pool consent given on this application's form is the pool membership's,
    not the application's: it stays with the person when the application goes, so that
    erasing one application does not end a pool membership it does not hold."""
    current = TalentPoolEntry.objects.filter(
        candidate=application.candidate_id, ended_at=None
    ).values("consent")
    Consent.objects.filter(
        application=application.pk, purpose=Purpose.TALENT_POOL, pk__in=current
    ).update(application=None)


@transaction.atomic
def application_erase_by_person(*, candidate: Candidate, application: Application) -> None:
    """Erase one of the person's applications at once: one in progress is withdrawn
    first (its statistic says so), then everything about it goes as the retention job
    erases it, under the rule "erasure_request". An application that must be kept
    raises ApplicationKept, with the reason and until when."""
    locked = (
        Application.objects.select_for_update(of=("self",))
        .filter(pk=application.pk, candidate=candidate.pk)
        .first()
    )
    if locked is None:
        raise Application.DoesNotExist
    kept = kept_because(locked)
    if kept is not None:
        raise ApplicationKept(kept)
    _detach_pool_consent(locked)
    if not locked.decision:
        Application.objects.filter(pk=locked.pk).update(
            decision=Application.Decision.WITHDRAWN, decided_at=timezone.now()
        )
    # Recorded for accountability (kind, dates, outcome); its links to the person and
    # the application are cleared as they go.
    request = data_request_create(
        kind=DataRequest.Kind.ERASURE,
        via=DataRequest.Via.SELF_SERVICE,
        candidate=candidate,
        application=locked,
    )
    DataRequest.objects.filter(pk=request.pk).update(
        state=DataRequest.State.DONE,
        outcome="Erased at once in the self-service.",
        closed_at=timezone.now(),
    )
    application_erase_now(application=locked, rule=ERASURE_RULE)


@dataclass
class ErasureResult:
    erased: int = 0
    kept: list[tuple[int, Kept]] = field(default_factory=list)
    person_erased: bool = False


def _delete_exports(candidate: Candidate) -> None:
    keys = list(
        DataExport.objects.filter(candidate=candidate)
        .exclude(storage_key="")
        .values_list("storage_key", flat=True)
    )
    DataExport.objects.filter(candidate=candidate).delete()

    def delete_objects() -> None:
        for key in keys:
            try:
                storage.delete(key)
            except Exception as exc:  # the cleanup task removes what is left
                logger.warning("self-service: deleting an export failed (%s)", type(exc).__name__)

    transaction.on_commit(delete_objects)


def everything_erase_by_person(*, candidate: Candidate) -> ErasureResult:
    """Erase all the person's applications that may go, withdraw every consent (the
    pool membership ends), and erase the person themselves when nothing is kept.
    Each application is its own transaction, as in the retention job."""
    result = ErasureResult()
    for application in Application.objects.filter(candidate=candidate).order_by("pk"):
        try:
            application_erase_by_person(candidate=candidate, application=application)
        except ApplicationKept as exc:
            result.kept.append((application.pk, exc.kept))
        else:
            result.erased += 1
    with transaction.atomic():
        survivor = Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
        if survivor is None:
            result.person_erased = True
            return result
        _delete_exports(survivor)
    for consent in Consent.objects.filter(candidate=candidate, withdrawn_at=None):
        consent_withdraw_by_person(candidate=candidate, consent=consent)
    with transaction.atomic():
        survivor = Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
        if survivor is None:
            result.person_erased = True
            return result
        if survivor.applications.exists():
            return result
        # Nothing holds the person any more (no application, the pool membership ended).
        AuditEvent.objects.filter(target_type="ats.candidate", target_id=str(survivor.pk)).delete()
        AuditEvent.objects.filter(
            target_type="ats.consent",
            target_id__in=[str(pk) for pk in survivor.consents.values_list("pk", flat=True)],
        ).delete()
        survivor.delete()
        ErasureRecord.objects.create(
            rule=ERASURE_RULE,
            run_id=uuid.uuid4(),
            erased_at=timezone.now(),
            counts={"candidates": 1},
        )
        result.person_erased = True
    return result


# --- Restriction (Art. 18) and objection (Art. 21) ---------------------------------------


@transaction.atomic
def restriction_or_objection_ask(
    *, candidate: Candidate, kind: str, reason: str, application: Application | None
) -> list[DataRequest]:
    """A request for HR with the person's reason. A restriction freezes the application
    (or all of the person's) at once, until HR lifts it: the person asked, and Art. 18
    restricts processing while HR looks into it."""
    if kind not in (DataRequest.Kind.RESTRICTION, DataRequest.Kind.OBJECTION):
        raise ValidationError(_("Unknown kind of request."))
    if not reason.strip():
        raise ValidationError(_("Tell us your reason."))
    if application is not None and application.candidate_id != candidate.pk:
        raise Application.DoesNotExist
    request = data_request_create(
        kind=kind,
        via=DataRequest.Via.SELF_SERVICE,
        candidate=candidate,
        application=application,
        reason=reason,
    )
    if kind == DataRequest.Kind.RESTRICTION:
        targets = [application] if application is not None else list(candidate.applications.all())
        for target in targets:
            restriction_place(application=target, request=request)
    return [request]
