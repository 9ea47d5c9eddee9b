from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ats.models.applications import Application
from ats.models.candidates import Candidate


class Purpose(models.TextChoices):
    SPECIAL_CATEGORY = "special_category", _("Special categories of personal data")
    TALENT_POOL = "talent_pool", _("Talent pool")


class ConsentText(models.Model):
    """The exact wording shown to the applicant, versioned; never edited once used."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=8)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["purpose", "language", "-version"]
        verbose_name = _("consent text")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version", "language"], name="consent_text_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version} ({self.language})"


class Consent(models.Model):
    class Via(models.TextChoices):
        FORM = "form", _("Application form")
        EMAIL_LINK = "email_link", _("Signed link in an email")
        SELF_SERVICE = "self_service", _("Self-service page")
        STAFF = "staff", _("Recorded by HR")
        SYSTEM = "system", _("Retention job")

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="consents")
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField(_("given at"))
    given_via = models.CharField(_("given via"), max_length=12, choices=Via.choices)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_via = models.CharField(
        _("withdrawn via"), max_length=12, choices=Via.choices, blank=True
    )

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")

    def __str__(self) -> str:
        return f"Consent #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
