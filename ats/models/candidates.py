from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Candidate(models.Model):
    """A person, identified by their email address. Erased as a whole when nothing
    (no application, no pool entry, no employment) holds their data any more."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("phone"), max_length=32)
    linkedin_url = models.URLField(_("LinkedIn profile"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("candidate")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="candidate_email_unique_ci"),
        ]

    def __str__(self) -> str:
        # Admin and logs show the row by id only; names appear in templates that
        # check who may see them.
        return f"Candidate #{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
