"""The talent pool (privacy policy 3.7): people we may consider for future vacancies,
only under their express consent, for a limited period unless they renew it.

A pool entry holds no copy of the person's data: their contact details live on the
Candidate, their documents on their applications (an entry made from the standalone
"join our talent pool" form has an unsolicited application of its own, `application`,
that exists only for the pool). The entry adds what the pool needs: the consent it rests
on, its expiry, and what recruiters search by (location, tags, skills, and a full-text
index of the CV text)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ats.models import Application, Candidate, Consent, Document, Vacancy


class Source(models.TextChoices):
    APPLICATION_FORM = "application_form", _("Consent on the application form")
    POOL_FORM = "pool_form", _("The talent-pool form on the careers site")
    REJECTION_EMAIL = "rejection_email", _("Offer in the rejection email")
    HR_INVITATION = "hr_invitation", _("Invitation by HR")
    EMAIL_APPLICATION = (
        "email_application",
        _("Offer in the acknowledgement of an emailed application"),
    )


class EndReason(models.TextChoices):
    EXPIRED = "expired", _("Expired without renewal")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


class TalentPoolEntry(models.Model):
    """One membership of one candidate. At most one entry per candidate is current
    (`ended_at` empty); an ended entry leaves every recruiter view at once and its
    search index is deleted with it (talentpool.services)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="pool_entries")
    # The consent the membership rests on: the one given on joining, replaced by the
    # new one at each renewal.
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("joined through"), max_length=20, choices=Source.choices)
    # The unsolicited application made by the standalone pool form, which exists only
    # for the pool and ends with it; empty when the person joined from an application.
    application = models.OneToOneField(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pool_entry_of",
    )
    joined_at = models.DateTimeField(_("joined at"))
    # Six calendar months (ATS_TALENT_POOL_MONTHS) after the consent was given or last
    # renewed.
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    renewal_requested_at = models.DateTimeField(_("renewal requested at"), null=True, blank=True)
    renewal_reminded_at = models.DateTimeField(_("renewal reminder sent at"), null=True, blank=True)
    renewal_count = models.PositiveIntegerField(_("renewals"), default=0)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, db_index=True)
    end_reason = models.CharField(
        _("ended because"), max_length=10, choices=EndReason.choices, blank=True
    )

    # What recruiters search by (the person's own words on the pool form, or HR's).
    location = models.CharField(_("location"), max_length=120, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # HR shares a member with a vacancy: that vacancy's hiring managers may then see the
    # member (and nobody else's).
    shared_with = models.ManyToManyField(
        Vacancy, blank=True, related_name="shared_pool_entries", verbose_name=_("shared with")
    )
    # PostgreSQL only (talentpool.search): the lexemes of skills (weight A), tags (B),
    # name, email and location (C) and the indexed document texts (D), accent-folded,
    # under a GIN index created by migration 0002 on PostgreSQL alone. Empty elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)
    # The same without the document texts (A, B, C): small enough to rank every match
    # of a common word quickly (talentpool.search).
    profile_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("talent-pool entry")
        verbose_name_plural = _("talent-pool entries")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(ended_at__isnull=True),
                name="talentpool_one_current_entry_per_candidate",
            ),
        ]

    def __str__(self) -> str:
        return f"Talent-pool entry #{self.pk}"

    def is_current(self, now=None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and self.expires_at > now

    def days_left(self, now=None) -> int:
        now = now or timezone.now()
        return max(0, (self.expires_at - now).days)


class DocumentText(models.Model):
    """The text extracted from one document of a pool member, for the pool search only:
    on PostgreSQL a full-text index (`search_vector`, lexemes only) and no readable text;
    elsewhere the text sealed with the vault's keyring. Deleted with the entry."""

    entry = models.ForeignKey(TalentPoolEntry, on_delete=models.CASCADE, related_name="texts")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    indexed_at = models.DateTimeField(default=timezone.now)
    # PostgreSQL: the text's distinct lexemes, accent-folded, in alphabetical order (so
    # neither the text nor its word order can be read back). Elsewhere (SQLite, for
    # development): the text sealed with the keyring (ats.vault.crypto.seal, context
    # `sealed_context`), matched in Python.
    search_vector = SearchVectorField(null=True, editable=False)
    sealed_text = models.BinaryField(default=b"", blank=True, editable=False)
    sealed_key_id = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("indexed document text")
        constraints = [
            models.UniqueConstraint(fields=["entry", "document"], name="talentpool_text_once"),
        ]

    def __str__(self) -> str:
        return f"Indexed text #{self.pk}"

    @property
    def sealed_context(self) -> bytes:
        return f"talentpool:{self.entry_id}:{self.document_id}:text".encode()


class PoolMonthlyCount(models.Model):
    """HR's dashboard numbers per month (joins, renewals, withdrawals, expiries): counts
    only, never a person, so they survive the entries' erasure."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("Joined")
        RENEWED = "renewed", _("Renewed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("talent-pool count per month")
        constraints = [
            models.UniqueConstraint(fields=["month", "kind"], name="talentpool_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind}: {self.count}"


def pool_months() -> int:
    return settings.ATS_TALENT_POOL_MONTHS
