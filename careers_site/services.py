"""Applying: from a submitted form to a stored application, its consents and documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ats import services as ats_services
from ats.models import Application, AuditEvent, Consent, ConsentText, Purpose, Vacancy
from ats.services.applications import special_category_seal
from ats.services.workspace import application_team
from ats.tasks import notify_staff
from ats.vault.intake import CheckedUpload, StorageUnavailable, document_check, document_store
from ats.vault.validate import UploadRejected
from careers_site.tasks import send_application_confirmation


@dataclass
class Submission:
    vacancy: Vacancy | None
    first_name: str
    last_name: str
    email: str
    phone: str
    channel: str
    submission_key: uuid.UUID
    language: str
    linkedin_url: str = ""
    channel_other: str = ""
    gender: str = ""
    special_category: dict[str, str] = field(default_factory=dict)
    special_category_text: ConsentText | None = None
    talent_pool_text: ConsentText | None = None
    # (form field, document kind, file name, bytes)
    files: list[tuple[str, str, str, bytes]] = field(default_factory=list)
    # (document kind, upload) already validated and scanned by the caller: an emailed
    # application drops a refused attachment and keeps the rest (careers_site.inbound).
    checked: list[tuple[str, CheckedUpload]] = field(default_factory=list)
    # The email channel sends its own acknowledgement (what was kept, what was dropped).
    send_confirmation: bool = True
    # The talent pool's standalone form (talentpool.views.join): the application exists
    # only for the pool; where the person would like to work and their skills.
    pool_form: bool = False
    pool_location: str = ""
    pool_skills: list[str] = field(default_factory=list)


class SubmissionRefused(Exception):
    """The application cannot be taken as it is; errors by form field ("" for the form)."""

    def __init__(self, errors: dict[str, list[str]], *, transient: bool = False) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors
        # A fault on our side (storage down): the same submission may succeed later.
        self.transient = transient


def consent_text(purpose: str, language: str, text_id: int | None = None) -> ConsentText:
    """The consent text shown: the one the form names, else the newest in the language."""
    texts = ConsentText.objects.filter(purpose=purpose)
    if text_id is not None:
        chosen = texts.filter(pk=text_id).first()
        if chosen is not None:
            return chosen
    return (
        texts.filter(language=language).order_by("-version").first()
        or texts.filter(language="en").order_by("-version").first()
    )


def application_submit(submission: Submission) -> tuple[Application, bool]:
    """Take an application; (application, created). A resubmitted form (same key) returns
    the application it made the first time. Files are validated and scanned before
    anything is written; one refused file refuses the submission, with its reason."""
    existing = Application.objects.filter(submission_key=submission.submission_key).first()
    if existing is not None:
        return existing, False
    vacancy = submission.vacancy
    if vacancy is not None and not Vacancy.objects.filter(pk=vacancy.pk, status="open").exists():
        raise SubmissionRefused(
            {
                "": [
                    _(
                        "This position closed while you were applying, so we cannot take your "
                        "application for it. Your answers are still in the form below."
                    )
                ]
            }
        )

    checked: list[tuple[str, CheckedUpload]] = list(submission.checked)
    errors: dict[str, list[str]] = {}
    total = sum(upload.validated.size for _, upload in checked)
    for form_field, kind, name, data in submission.files:
        try:
            upload = document_check(name=name, data=data)
        except UploadRejected as refusal:
            errors.setdefault(form_field, []).append(refusal.message)
            continue
        total += upload.validated.size
        checked.append((kind, upload))
    if total > settings.ATS_MAX_APPLICATION_BYTES:
        errors.setdefault("", []).append(
            _("Your files total more than %(limit)d MB. Please upload fewer or smaller files.")
            % {"limit": settings.ATS_MAX_APPLICATION_BYTES // (1024 * 1024)}
        )
    if errors:
        raise SubmissionRefused(errors)

    try:
        with transaction.atomic():
            earlier = _open_application_of(submission)
            if earlier is not None:
                application = _merge(earlier, submission, checked)
            else:
                application = _create(submission, checked)
    except StorageUnavailable as exc:
        raise SubmissionRefused({"": [str(exc)]}, transient=True) from None
    if submission.send_confirmation:
        transaction.on_commit(lambda: send_application_confirmation.delay(application.pk))
    team = list(application_team(application).values_list("pk", flat=True))
    transaction.on_commit(lambda: notify_staff.delay("new_application", application.pk, team))
    return application, True


def _record_consents(application: Application, submission: Submission, *, created: bool) -> None:
    now = timezone.now()
    for purpose, text in (
        (Purpose.SPECIAL_CATEGORY, submission.special_category_text),
        (Purpose.TALENT_POOL, submission.talent_pool_text),
    ):
        if text is not None:
            consent = Consent.objects.create(
                candidate=application.candidate,
                application=application,
                purpose=purpose,
                text=text,
                given_at=now,
                given_via=Consent.Via.FORM,
            )
            if purpose == Purpose.TALENT_POOL:
                _join_talent_pool(application, submission, consent, created=created)


def _join_talent_pool(
    application: Application, submission: Submission, consent: Consent, *, created: bool
) -> None:
    """The talent-pool consent puts the person in the pool (talentpool.services). From
    the pool's own form the application exists only for the pool, unless it was merged
    into an open unsolicited application the person had made for its own sake."""
    from talentpool.models import Source
    from talentpool.services import pool_join

    pool_only = submission.pool_form and (
        created or getattr(application, "pool_entry_of", None) is not None
    )
    pool_join(
        candidate=application.candidate,
        consent=consent,
        source=Source.POOL_FORM if submission.pool_form else Source.APPLICATION_FORM,
        application=application if pool_only else None,
        location=submission.pool_location,
        skills=submission.pool_skills,
    )


def _open_application_of(submission: Submission) -> Application | None:
    """The same person's undecided application for the same vacancy, if any: a second
    application is merged into it rather than made a duplicate."""
    return (
        Application.objects.select_for_update()
        .filter(
            candidate__email__iexact=submission.email.strip(),
            vacancy=submission.vacancy,
            decision="",
        )
        .order_by("submitted_at")
        .first()
    )


def _merge(
    application: Application, submission: Submission, checked: list[tuple[str, CheckedUpload]]
) -> Application:
    """Add the new documents and consents to the earlier application; its history stays
    as it was, and the merge is in the audit trail."""
    _record_consents(application, submission, created=False)
    # The newest form's key, so that a double click on it merges once.
    application.submission_key = submission.submission_key
    application.save(update_fields=["submission_key", "updated_at"])
    for kind, upload in checked:
        document_store(application=application, kind=kind, checked=upload)
    AuditEvent.record(
        actor=None,
        actor_kind="applicant",
        action="application_merged",
        target=application,
        documents=len(checked),
    )
    return application


def _create(submission: Submission, checked: list[tuple[str, CheckedUpload]]) -> Application:
    candidate, created = ats_services.candidate_get_or_create(
        email=submission.email,
        first_name=submission.first_name,
        last_name=submission.last_name,
        phone=submission.phone,
        linkedin_url=submission.linkedin_url,
    )
    if created:
        candidate.language = submission.language
        candidate.save(update_fields=["language"])
    application = ats_services.application_create(
        candidate=candidate,
        vacancy=submission.vacancy,
        channel=submission.channel,
        channel_other=submission.channel_other,
        self_declared_gender=submission.gender or "not_stated",
    )
    application.submission_key = submission.submission_key
    if submission.special_category_text is not None:
        special_category_seal(application=application, answers=submission.special_category)
    _record_consents(application, submission, created=True)
    application.save(
        update_fields=["submission_key", "special_category_sealed", "special_category_key_id"]
    )
    for kind, upload in checked:
        document_store(application=application, kind=kind, checked=upload)
    return application
