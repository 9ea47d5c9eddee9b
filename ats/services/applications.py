"""Candidates, applications and their consents.

Views, tasks and commands call these; the rules live here once.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ats.claims_access import refuse_changes
from ats.models import (
    Application,
    AuditEvent,
    Candidate,
    Channel,
    Consent,
    Gender,
    Purpose,
    Stage,
    StageChange,
    Vacancy,
)
from ats.restrictions import refuse_if_restricted
from ats.services.vacancies import stages_for
from ats.signals import consent_withdrawn


def candidate_get_or_create(
    *, email: str, first_name: str, last_name: str, phone: str, linkedin_url: str = ""
) -> tuple[Candidate, bool]:
    """The candidate with this email address (case-insensitive), created if new.

    An existing candidate's contact details are not overwritten from an unverified
    submission; rectification goes through the verified self-service.
    """
    existing = Candidate.objects.filter(email__iexact=email.strip()).first()
    if existing is not None:
        return existing, False
    candidate = Candidate.objects.create(
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        linkedin_url=linkedin_url.strip(),
    )
    return candidate, True


@transaction.atomic
def application_create(
    *,
    candidate: Candidate,
    vacancy: Vacancy | None,
    channel: str,
    channel_other: str = "",
    self_declared_gender: str = Gender.NOT_STATED,
    submitted_at: datetime | None = None,
) -> Application:
    """A new application in the first stage of its pipeline (unsolicited: vacancy None)."""
    if vacancy is not None and not vacancy.is_open:
        raise ValidationError("This vacancy is closed and accepts no applications.")
    if channel not in Channel.values:
        raise ValidationError("Unknown channel.")
    first_stage = stages_for(vacancy).first()
    if first_stage is None:
        raise ValidationError("This pipeline has no stages.")
    application = Application.objects.create(
        candidate=candidate,
        vacancy=vacancy,
        stage=first_stage,
        channel=channel,
        channel_other=channel_other if channel == Channel.OTHER else "",
        self_declared_gender=self_declared_gender,
        submitted_at=submitted_at or timezone.now(),
    )
    StageChange.objects.create(
        application=application, to_stage=first_stage, changed_at=application.submitted_at
    )
    AuditEvent.record(
        actor=None, actor_kind="applicant", action="application_submitted", target=application
    )
    return application


@transaction.atomic
def application_move_stage(
    *,
    application: Application,
    stage: Stage,
    by: AbstractBaseUser | None,
    decision: bool = False,
) -> None:
    """Move an application to a stage of its pipeline, recorded with who and when.

    The row is locked, so two people moving the same card at once are both recorded
    in the history, in order, and the last move wins. On a closed vacancy only a
    decision (`decision=True`, from ats.services.decisions) still moves applications."""
    if stage.vacancy_id != application.vacancy_id:
        raise ValidationError(_("That stage belongs to another pipeline."))
    if not decision:
        refuse_changes(application)
    refuse_if_restricted(application)
    current = (
        Application.objects.select_for_update(of=("self",))
        .select_related("vacancy")
        .only("pk", "stage_id", "vacancy__status")
        .get(pk=application.pk)
    )
    if current.vacancy is not None and current.vacancy.status == "closed" and not decision:
        raise ValidationError(
            _("This vacancy is closed: its applications move only by a decision.")
        )
    if stage.pk == current.stage_id:
        application.stage = stage
        return
    StageChange.objects.create(
        application=application,
        from_stage_id=current.stage_id,
        to_stage=stage,
        changed_by=by,
        changed_at=timezone.now(),
    )
    application.stage = stage
    Application.objects.filter(pk=application.pk).update(stage=stage, updated_at=timezone.now())
    AuditEvent.record(actor=by, action="stage_changed", target=application, stage=stage.pk)


@transaction.atomic
def consent_withdraw(*, consent: Consent, via: str, by: AbstractBaseUser | None = None) -> bool:
    """Withdraw a consent, effective at once; False if it was already withdrawn.

    Withdrawing the special-category consent erases the special-category answers it
    covered in the same transaction; other purposes react to `consent_withdrawn`."""
    claimed = Consent.objects.filter(pk=consent.pk, withdrawn_at=None).update(
        withdrawn_at=timezone.now(), withdrawn_via=via
    )
    if not claimed:
        return False
    consent.refresh_from_db()
    if consent.purpose == Purpose.SPECIAL_CATEGORY:
        applications = Application.objects.filter(candidate=consent.candidate_id)
        if consent.application_id is not None:
            applications = applications.filter(pk=consent.application_id)
        applications.update(special_category_sealed=b"", special_category_key_id="")
    AuditEvent.record(
        actor=by,
        actor_kind="staff" if by is not None else "applicant",
        action="consent_withdrawn",
        target=consent,
        purpose=consent.purpose,
    )
    consent_withdrawn.send(sender=Consent, consent=consent)
    return True


def special_category_seal(*, application: Application, answers: dict[str, str]) -> None:
    """Seal special-category answers into the application (not saved here)."""
    import json

    from ats.vault import crypto

    answers = {key: value for key, value in answers.items() if value}
    if not answers:
        application.special_category_sealed, application.special_category_key_id = b"", ""
        return
    application.special_category_sealed = crypto.seal(
        json.dumps(answers).encode(), context=application.special_category_context
    )
    application.special_category_key_id = crypto.keyring()["active"]


def special_category_answers(application: Application) -> dict[str, str]:
    """The sealed answers, opened. Only HR may be shown them (ats.selectors.is_hr)."""
    import json

    from ats.vault import crypto

    if not application.special_category_sealed:
        return {}
    return json.loads(
        crypto.unseal(
            application.special_category_sealed, context=application.special_category_context
        )
    )


@transaction.atomic
def application_erase_as_spam(*, application: Application, by: AbstractBaseUser) -> None:
    """Spam is not an applicant: erase the application at once, with its documents,
    notes, evaluations, emails, history and audit events, and the candidate if nothing
    else holds them. No statistic is kept. The audit trail records that spam was erased
    from the vacancy, without any id of what was erased."""
    from ats.models import Document
    from ats.vault import storage

    refuse_changes(application)
    keys = list(application.documents.values_list("storage_key", flat=True))
    document_ids = [str(pk) for pk in application.documents.values_list("pk", flat=True)]
    candidate = application.candidate
    vacancy = application.vacancy
    AuditEvent.objects.filter(
        Q(target_type="ats.application", target_id=str(application.pk))
        | Q(target_type="ats.document", target_id__in=document_ids)
    ).delete()
    Document.objects.filter(application=application).delete()
    application.delete()
    if not candidate.applications.exists():
        candidate.delete()
    if vacancy is not None:
        AuditEvent.record(actor=by, action="spam_erased", target=vacancy)

    def delete_objects() -> None:
        # A failure leaves an object without a row, which the orphan reconciler
        # removes (ats.vault.lifecycle.orphans_remove): its key is already shredded.
        for key in keys:
            try:
                storage.delete(key)
            except Exception:  # noqa: S112
                continue

    transaction.on_commit(delete_objects)
