"""What the signed-in person sees about themselves (Art. 15), and why something is kept.

Every read starts from the person's candidate id (the session's scope): another
person's application, document, consent or export is never found, so it is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anonymizer import rules
from ats.models import (
    Application,
    Candidate,
    CandidateEmail,
    Consent,
    DataExport,
    DataRequest,
    Document,
    Evaluation,
    Note,
    Stage,
)
from ats.retention import Erasure, erasure_of
from ats.services.applications import special_category_answers
from talentpool.models import TalentPoolEntry

Decision = Application.Decision

# The status the applicant may see: the stage's kind while undecided, the decision once
# it was communicated. A decision not yet sent stays "in review": the decision email
# tells it, not this page.
_STAGE_STATUS = {
    Stage.Kind.NEW: _("Received"),
    Stage.Kind.SCREENING: _("In review"),
    Stage.Kind.INTERVIEW: _("Interviews"),
    Stage.Kind.OFFER: _("Offer"),
}


def public_status(application: Application) -> str:
    if application.decision == Decision.WITHDRAWN:
        return str(_("Withdrawn"))
    if application.decision and application.decision_communicated_at is not None:
        return str(_("Hired") if application.decision == Decision.HIRED else _("Not successful"))
    return str(_STAGE_STATUS.get(application.stage.kind, _("In review")))


@dataclass(frozen=True)
class Kept:
    """Why an application cannot be erased at the person's request, and until when
    (None: while the reason lasts)."""

    reason: str
    until: datetime | None


def kept_because(application: Application, now: datetime | None = None) -> Kept | None:
    """None when the application may be erased now; otherwise the reason (Art. 17(3)):
    a legal hold, an employment, or a communicated rejection inside the months it is
    kept to answer legal claims."""
    now = now or timezone.now()
    hold = rules.legal_hold_rule(application)
    if hold is not None and (hold.due_at is None or hold.due_at > now):
        return Kept(
            str(
                _(
                    "A legal hold: we must keep this application to establish or defend "
                    "legal claims."
                )
            ),
            hold.due_at,
        )
    if application.decision == Decision.HIRED:
        deadline = rules.hired_rule(application)
        return Kept(
            str(
                _(
                    "You were hired: we keep your application for your employment, and for "
                    "the set months after it ends."
                )
            ),
            deadline.due_at if deadline is not None else None,
        )
    if application.is_kept_for_claims:
        deadline = rules.application_rule(application)
        if deadline is not None and deadline.due_at is not None and deadline.due_at > now:
            return Kept(
                str(
                    _(
                        "We told you our decision: we keep the application until this date "
                        "only to answer legal claims about it, then it is erased."
                    )
                ),
                deadline.due_at,
            )
    return None


@dataclass
class ApplicationItem:
    application: Application
    status: str
    erasure: Erasure | None
    kept: Kept | None
    documents: list[Document]
    special_category: dict[str, str]
    notes: list[Note] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    emails: list[CandidateEmail] = field(default_factory=list)
    restricted: bool = False


def applications_of(candidate: Candidate) -> QuerySet[Application]:
    return Application.objects.filter(candidate=candidate).select_related(
        "vacancy__department", "stage"
    )


def documents_of(candidate: Candidate) -> QuerySet[Document]:
    return Document.objects.filter(application__candidate=candidate).order_by("uploaded_at", "pk")


def consents_of(candidate: Candidate) -> QuerySet[Consent]:
    return Consent.objects.filter(candidate=candidate).select_related("text").order_by("given_at")


def pool_entries_of(candidate: Candidate) -> QuerySet[TalentPoolEntry]:
    return TalentPoolEntry.objects.filter(candidate=candidate).order_by("joined_at")


def exports_of(candidate: Candidate) -> QuerySet[DataExport]:
    return DataExport.objects.filter(candidate=candidate, expires_at__gt=timezone.now())


def requests_of(candidate: Candidate) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(candidate=candidate).order_by("-received_at")


def _opened(application: Application) -> dict[str, str]:
    try:
        return special_category_answers(application)
    except Exception:  # an unreadable seal is shown as nothing, never as an error page
        return {}


def application_items(candidate: Candidate) -> list[ApplicationItem]:
    from ats.restrictions import restricted

    show_internal = settings.ATS_SELF_SERVICE_SHOW_INTERNAL
    now = timezone.now()
    documents: dict[int, list[Document]] = {}
    for document in documents_of(candidate):
        documents.setdefault(document.application_id, []).append(document)
    items = []
    sent = CandidateEmail.objects.filter(
        status__in=[CandidateEmail.Status.SENT, CandidateEmail.Status.DELIVERED]
    ).order_by("created_at")
    applications = applications_of(candidate).annotate(is_restricted=restricted())
    applications = applications.prefetch_related(Prefetch("emails", sent, to_attr="sent_emails"))
    if show_internal:
        applications = applications.prefetch_related(
            Prefetch("notes", Note.objects.order_by("created_at"), to_attr="all_notes"),
            Prefetch(
                "evaluations",
                Evaluation.objects.select_related("stage").order_by("created_at"),
                to_attr="all_evaluations",
            ),
        )
    for application in applications:
        item = ApplicationItem(
            application=application,
            status=public_status(application),
            erasure=erasure_of(application),
            kept=kept_because(application, now),
            documents=documents.get(application.pk, []),
            special_category=_opened(application),
            restricted=application.is_restricted,
            emails=application.sent_emails,
        )
        if show_internal:
            item.notes = application.all_notes
            item.evaluations = application.all_evaluations
        items.append(item)
    return items


def pool_expiry(entry: TalentPoolEntry) -> datetime | None:
    """When the pool stops holding the person's data under this entry."""
    return entry.ended_at or entry.expires_at
