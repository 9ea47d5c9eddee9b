"""What the recruiting team adds to an application: notes, evaluations, emails sent to
the candidate and the templates they start from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ats.models.applications import Application
from ats.models.vacancies import Stage


class Note(models.Model):
    """A note on an application, visible to the vacancy's team (HR and its managers)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"), max_length=5000)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note #{self.pk}"


class Evaluation(models.Model):
    """A structured scorecard for one stage: a 1-5 rating per criterion, an overall
    rating and a recommendation."""

    class Recommendation(models.TextChoices):
        STRONG_YES = "strong_yes", _("Strong yes")
        YES = "yes", _("Yes")
        NO = "no", _("No")
        STRONG_NO = "strong_no", _("Strong no")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evaluations"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ratings = models.JSONField(_("ratings"), default=dict)  # criterion -> 1..5
    overall = models.PositiveSmallIntegerField(_("overall rating"))
    recommendation = models.CharField(
        _("recommendation"), max_length=12, choices=Recommendation.choices
    )
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=5), name="evaluation_overall_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"Evaluation #{self.pk}"


class DecisionTemplate(models.Model):
    """An editable email template for a decision, per language. Placeholders:
    {first_name}, {last_name}, {vacancy_title}, {site_name}."""

    class Kind(models.TextChoices):
        REJECT = "reject", _("Rejection")
        OFFER = "offer", _("Offer")
        HIRE = "hire", _("Hiring confirmation")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="decision_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class CandidateEmail(models.Model):
    """An email sent to a candidate, kept with the application (and erased with it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        FAILED = "failed", _("Failed")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(_("kind"), max_length=16)  # a DecisionTemplate kind, or "other"
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=8)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    status_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # The ESP's id of the message, to match delivery events from anymail's webhooks.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Email #{self.pk}"
