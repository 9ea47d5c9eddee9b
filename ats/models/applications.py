from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ats.models.candidates import Candidate
from ats.models.vacancies import Stage, Vacancy


class Channel(models.TextChoices):
    """How the applicant heard of us (the careers site may offer a subset)."""

    CAREERS_SITE = "careers_site", _("Our careers site")
    JOB_BOARD = "job_board", _("A job board")
    LINKEDIN = "linkedin", _("LinkedIn")
    REFERRAL = "referral", _("A friend or employee")
    EVENT = "event", _("A fair or event")
    EMAIL = "email", _("Application by email")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    """Self-declared, optional, used only for anonymised statistics."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    DIVERSE = "diverse", _("Diverse / non-binary")
    NOT_STATED = "not_stated", _("Prefer not to say")


class Application(models.Model):
    class Decision(models.TextChoices):
        NONE = "", _("No decision yet")
        REJECTED = "rejected", _("Rejected")
        HIRED = "hired", _("Hired")
        WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    vacancy = models.ForeignKey(
        Vacancy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("Empty for an unsolicited application."),
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="applications")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    channel_other = models.CharField(_("channel (other)"), max_length=100, blank=True)
    self_declared_gender = models.CharField(
        _("gender (self-declared)"),
        max_length=10,
        choices=Gender.choices,
        default=Gender.NOT_STATED,
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.NONE, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The retention clock starts here: six months after the applicant was told.
    decision_communicated_at = models.DateTimeField(
        _("decision communicated at"), null=True, blank=True, db_index=True
    )
    # How the decision reached the applicant when it was not (only) our email: HR records
    # it after a bounce, and the retention clock starts then.
    decision_communicated_via = models.CharField(
        _("decision communicated via"), max_length=100, blank=True
    )
    # A hired applicant's data is kept for the employment, until HR ends it.
    employment_ended_at = models.DateTimeField(_("employment ended at"), null=True, blank=True)
    # A legal hold (defence of legal claims) suspends erasure until the end of that day,
    # in the site's time zone; the reason is recorded for HR, never copied into the audit.
    legal_hold_reason = models.TextField(_("legal hold reason"), blank=True, max_length=2000)
    legal_hold_until = models.DateField(_("legal hold until"), null=True, blank=True)
    # The form's one-time key: a double click or a resubmitted form makes one application.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Special-category answers (Art. 9 GDPR), sealed with the keyring (ats.vault.crypto),
    # held only under their own consent and shown to HR only.
    special_category_sealed = models.BinaryField(default=b"", blank=True, editable=False)
    special_category_key_id = models.CharField(max_length=32, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("application")
        indexes = [models.Index(fields=["vacancy", "stage"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision_communicated_at__isnull=True) | ~models.Q(decision=""),
                name="application_communicated_needs_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Application #{self.pk}"

    @property
    def is_unsolicited(self) -> bool:
        return self.vacancy_id is None

    @property
    def is_kept_for_claims(self) -> bool:
        """A rejection was communicated: until its erasure the application is kept only
        to answer legal claims, read-only and for HR alone (privacy policy 3.6)."""
        return self.decision == self.Decision.REJECTED and self.decision_communicated_at is not None

    @property
    def special_category_context(self) -> bytes:
        return f"application:{self.pk}:special_category".encode()


class StageChange(models.Model):
    """The history of an application's moves through the pipeline."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"Stage change #{self.pk}"
