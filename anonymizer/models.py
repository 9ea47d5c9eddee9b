"""What survives erasure: anonymised statistics and a record of every erasure.

Neither holds personal data nor anything that leads back to a person: no names, no
free text, no exact dates, and no id of an erased row. Their own primary keys are
random UUIDs, so that neither their values nor their order say which application a row
came from or match an erased row's id.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NONE = "none", _("No decision")


class ApplicationStatistic(models.Model):
    """The anonymised metadata of one erased application (privacy policy 3.6)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The first day of the month the application was submitted in (site time zone).
    month = models.DateField(_("month of application"))
    # The vacancy's department by name (departments may be renamed or removed later);
    # empty for an unsolicited application.
    department = models.CharField(_("department"), max_length=120, blank=True)
    channel = models.CharField(_("channel"), max_length=16)
    gender = models.CharField(_("gender (self-declared)"), max_length=10)
    stage_reached = models.CharField(_("stage reached"), max_length=10)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    days_to_decision = models.PositiveIntegerField(_("days to decision"), null=True, blank=True)

    class Meta:
        verbose_name = _("application statistic")
        indexes = [
            models.Index(fields=["month"], name="appstat_month"),
            models.Index(fields=["department", "month"], name="appstat_department_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.outcome}"


class ErasureRecord(models.Model):
    """That the retention job erased one record, when and under which rule, with the
    number of rows of each kind that went with it. Nothing names what was erased."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.CharField(_("rule"), max_length=40, db_index=True)
    # Random per run of the job: groups a run's records, relates to no person.
    run_id = models.UUIDField(_("run"), db_index=True)
    erased_at = models.DateTimeField(_("erased at"), db_index=True)
    # {"documents": 2, "notes": 1, ...}: counts only.
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure record")

    def __str__(self) -> str:
        return f"{self.rule} at {self.erased_at:%Y-%m-%d %H:%M}"


class RetentionRunLog(models.Model):
    """One finished run of the retention job (dry runs excluded): counts only, never
    personal data. A run that erased nothing leaves no ErasureRecord, so this is how HR's
    page and /healthz tell a quiet day from a stopped job; unlike a cache it survives a
    restart, and after a database restore it shows the last run before the backup."""

    id = models.UUIDField(primary_key=True, editable=False)  # the run's random id
    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    suspended = models.BooleanField(_("suspended"), default=False)
    erased = models.PositiveIntegerField(_("erased"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    storage_failures = models.PositiveIntegerField(_("storage failures"), default=0)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("retention run")

    def __str__(self) -> str:
        return f"Retention run {self.pk}"
