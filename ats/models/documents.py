from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ats.models.applications import Application


class Document(models.Model):
    """An uploaded file, stored encrypted in the vault. This row holds metadata and the
    wrapped data key; the ciphertext lives in storage under a random key."""

    class Kind(models.TextChoices):
        CV = "cv", _("CV")
        COVER_LETTER = "cover_letter", _("Cover letter")
        REFERENCE = "reference", _("Reference")
        OTHER = "other", _("Other")

    class ScanStatus(models.TextChoices):
        PENDING = "pending", _("Scan pending")
        CLEAN = "clean", _("Clean")
        INFECTED = "infected", _("Infected")
        FAILED = "failed", _("Scan failed")
        NOT_SCANNED = "not_scanned", _("Not scanned (development mode)")

    # The id is bound into every chunk's associated data, so it is fixed at creation.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    display_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    storage_key = models.CharField(max_length=100, unique=True, editable=False)
    key_id = models.CharField(max_length=32, editable=False)
    wrapped_key = models.BinaryField(editable=False)
    scan_status = models.CharField(
        _("scan status"),
        max_length=12,
        choices=ScanStatus.choices,
        default=ScanStatus.PENDING,
        db_index=True,
    )
    scanned_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    # A pending scan is retried with backoff until it succeeds or the attempts run out.
    scan_attempts = models.PositiveSmallIntegerField(default=0)
    next_scan_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("document")

    def __str__(self) -> str:
        return f"Document {self.pk}"

    @property
    def is_downloadable(self) -> bool:
        return self.scan_status in (self.ScanStatus.CLEAN, self.ScanStatus.NOT_SCANNED)
